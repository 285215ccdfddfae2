@ECHO OFF
cls
netsh.exe ipsec dynamic delete all
Echo.
Echo ***** Cleared all policies, filters and rules. 
pause
cls
netsh.exe ipsec dynamic add mmpolicy name=TempMMpolicy
netsh.exe ipsec dynamic add rule srcaddr=any dstaddr=any mmpolicy=TempMMpolicy actioninbound=block actionoutbound=block
netsh.exe ipsec dynamic set config property=ipsecexempt value=1
netsh.exe ipsec dynamic show config
