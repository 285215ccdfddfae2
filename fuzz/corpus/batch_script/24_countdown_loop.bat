@echo off
set /a n=3
:loop
if %n%==0 (echo time is up & set input=1&& goto close )
set /a n=n-1
goto loop
:close
netsh ipsec static add policy name=Countdown
if "%input%"=="1" netsh ipsec static set policy name=Countdown assign=y
