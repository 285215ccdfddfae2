@rem windows2008 firewall, and the 2003 ipsec fallback
netsh firewall reset
netsh advfirewall firewall add rule name="drop" protocol=TCP dir=out remoteport="21,22,23" action=block
netsh ipsec static add policy name=drop2003
netsh interface ip show config
netsh
