@echo off
ver | findstr /I "xp"
if %errorlevel% == 0 (
echo old XP x86 has no netsh ipsec: use ipseccmd
if %PROCESSOR_ARCHITECTURE% == x86 goto close_86xp
)
goto :eof
:close_86xp
::-w REG writes the registry and survives a reboot
ipseccmd -p "SECCPP" -r "Block TCP/135" -f *=0:135:TCP -n BLOCK -x
ipseccmd -p "SECCPP" -r "Block TCP/445" -f *=0:445:TCP -n BLOCK -x
ipseccmd -w REG -p "SECCPP" -r "Block UDP/137" -f *=0:137:UDP -n BLOCK -x
ipseccmd -w DS -p "SECCPP" -r "Block UDP/138" -f *=0:138:UDP -n BLOCK -x
