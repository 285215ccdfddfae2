@echo off
set /p POLICY=Policy name: 
netsh ipsec static add policy name="%POLICY%"
