REM =================begin================ 
netsh ipsec static add policy name=webonly 

REM two actions, block and permit 
netsh ipsec static add filteraction name=Permit action=permit 
netsh ipsec static add filteraction name=Block action=block 

REM block everything first 
netsh ipsec static add filterlist name=AllAccess 
netsh ipsec static add filter filterlist=AllAccess srcaddr=Me dstaddr=Any 
netsh ipsec static add rule name=BlockAllAccess policy=webonly  filterlist=AllAccess filteraction=Block 

REM open some ports 
netsh ipsec static add filterlist name=OpenSomePort 
netsh ipsec static add filter filterlist=OpenSomePort srcaddr=Any dstaddr=Me dstport=80 protocol=TCP 
netsh ipsec static add filter filterlist=OpenSomePort srcaddr=Any dstaddr=Me dstport=3389 protocol=TCP 
netsh ipsec static add rule name=AllowOpenSomePort policy=webonly  filterlist=OpenSomePort filteraction=Permit 
