@echo off
rem KB 811832: stop the Kerberos/RSVP exemptions, then restart the agent
reg add "HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\IPSEC" -v NoDefaultExempt /t REG_DWORD /d 1 /f
reg add "HKLM\SYSTEM\CurrentControlSet\Services\lanmanserver\parameters" /v "AutoShareServer" /t REG_DWORD /d "0"
ipseccmd -f [0+*::ICMP]
net stop policyagent
net start policyagent
msg * /time:5 "Please restart your computer"
