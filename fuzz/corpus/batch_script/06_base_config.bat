@echo off
rem ================================================== 
rem apply to win2k3
rem ================================================== 
 
sc config "PolicyAgent" start= auto 
sc start PolicyAgent 
 
Netsh ipsec static del rule all ipsec_base_config 
Netsh ipsec static add policy name=ipsec_base_config activatedefaultrule = no
Netsh ipsec static del rule all ipsec_base_config 
Netsh ipsec static add filteraction name=block action=block 
Netsh ipsec static add filterlist name=alllist 
Netsh ipsec static add filter filterlist=alllist srcaddr=any dstaddr=me protocol=any mirrored=yes dstport=0
Netsh ipsec static add rule name=2 policy=ipsec_base_config filterlist=alllist filteraction=block 
netsh ipsec static set policy name=ipsec_base_config assign=y 
