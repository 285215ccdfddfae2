@ECHO OFF
REM This batch file uses NETSH.EXE to create a static IPSec policy.

netsh.exe ipsec static add policy name="IIS_Server_Policy" assign=no
netsh.exe ipsec static add filterlist name="HTTP_Traffic" 
netsh.exe ipsec static add filter filterlist="HTTP_Traffic" srcaddr=any dstaddr=me description="HTTP"  protocol=TCP srcport=0 dstport=80
netsh.exe ipsec static add filterlist name="Internal_Traffic" 
netsh.exe ipsec static add filter filterlist="Internal_Traffic" srcaddr=198.51.100.0 srcmask=255.255.255.0 dstaddr=me description="Internal Traffic" protocol=any srcport=0 dstport=0
netsh.exe ipsec static add filteraction name="Allow" action=permit
netsh.exe ipsec static add filteraction name="AH_Only" qmpfs=yes soft=no inpass=yes action=negotiate qmsec="AH[MD5]:100000k/1000s AH[SHA1]:100000k/1000s"
netsh.exe ipsec static add rule name="Allow HTTP" policy="IIS_Server_Policy" filterlist="HTTP_Traffic" kerberos=yes filteraction=Allow
netsh.exe ipsec static add rule name="AH for LAN" policy="IIS_Server_Policy" filterlist="Internal_Traffic" psk="myPreSharedKey" filteraction=AH_Only
netsh.exe ipsec static set defaultrule policy="IIS_Server_Policy" activate=no
REM netsh.exe ipsec static set policy name="IIS_Server_Policy" assign=yes
