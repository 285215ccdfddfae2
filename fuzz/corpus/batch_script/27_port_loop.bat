echo off 
cls 
set var=30000 
set end=30003 
netsh ipsec static add filterlist name=ftp_data
:continue
set /a var+=1 
echo add port %var% 
netsh ipsec static add filter filterlist=ftp_data srcaddr=any dstaddr=me protocol=TCP dstport=%var% 
if %var% lss %end% goto continue 

netsh firewall set portopening all 80 web-80 enable 
netsh ipsec dynamic set config property=ikelogging value=1
echo complete 
pause
