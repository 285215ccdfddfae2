netsh ipsec static add pol name=Short
netsh ipsec static add filterl name=L
netsh ipsec static add filter filterlist=L srcaddr=any dstaddr=me
netsh ipsec static add filtera name=B action=block
netsh ipsec static add rule name=R policy=Short filterlist=L filteraction=B
netsh ipsec static sh po name=Short
netsh ipsec static s policy name=Short assign=y
netsh -c ipsec static set policy name=Short assign=y
