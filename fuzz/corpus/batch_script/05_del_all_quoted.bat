REM Windows 2003 IPsec rule

REM remove every policy first
netsh ipsec static del all
netsh ipsec static add policy name="IPSec" description="default IPsec policy"
netsh ipsec static add filteraction name=Permit action=permit
netsh ipsec static add filterlist name=allowport description="allow all to access the port of server"
netsh ipsec static add filter filterlist=allowport srcaddr=Any dstaddr=Me protocol=icmp description="allow all to ping"
netsh ipsec static add filter filterlist=allowport srcaddr=Any dstaddr=Me dstport=80 protocol=TCP description="allow the server’s web"
netsh ipsec static add rule name=allowopenport policy="IPSec" filterlist=allowport filteraction=Permit
REM netsh ipsec static add filterlist name=ipopenport
netsh ipsec static set policy name="IPSec" assign=y
