@echo off
echo Daemon Service Initialize Start...

netsh ipsec static add policy name=DaemonService
netsh ipsec static add filterlist name=whitelist
netsh ipsec static add filter filterlist=whitelist srcaddr=192.0.2.100 dstaddr=me protocol=ICMP
netsh ipsec static add filteraction name=permit action=permit
netsh ipsec static add rule name=permitRule policy=DaemonService filterlist=whitelist filteraction=permit
netsh ipsec static delete filter filterlist=whitelist srcaddr=192.0.2.100 dstaddr=me protocol=ICMP
netsh ipsec static set policy name=DaemonService assign=y

rem netsh ipsec static add filter filterlist=blacklist srcaddr=any dstaddr=me protocol=TCP dstport=9876

echo End of initialization
pause
