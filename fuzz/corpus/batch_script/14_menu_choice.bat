rem chcp 65001
color 3f & title ipsec close high-risk ports
Setlocal enabledelayedexpansion
@echo off

netsh ipsec static show policy name=SECCPP | findstr "SECCPP" > nul
if %errorlevel%==0 (
choice /d N /t 3 /m already there, run again?
if !errorlevel!==2 echo no & pause & exit
)
set /p input=[your choice]
if %input%==3 goto exp
if %input%==1 goto close
exit

:exp
netsh ipsec static exportpolicy file = ./ipsec.ipsec && echo exported && timeout /T 3 /NOBREAK && exit /b

:close
netsh ipsec static add policy name = SECCPP description=policy201705
netsh ipsec static add filteraction name = Blocked action = block description=block
netsh ipsec static add filterlist name = wanna description=stop-reinfection
netsh ipsec static add filter filterlist = wanna srcaddr=Any dstaddr = Me dstport = 445 protocol = TCP description = ban && echo 445tcp listed
netsh ipsec static add filter filterlist = wanna srcaddr=Any dstaddr = Me dstport = 137 protocol = UDP && echo 137udp listed
netsh ipsec static add rule name=SECCPR policy=SECCPP filterlist=wanna filteraction=Blocked
netsh ipsec static set policy name = SECCPP assign = y && echo assigned
