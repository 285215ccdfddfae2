@echo off
set policy=Worm lockdown
netsh ipsec static add policy name="%policy%"
netsh ipsec static add filteraction name=Block action=block
for %%p in (135 139 445) do netsh ipsec static add filter filterlist=Worms srcaddr=any dstaddr=me protocol=tcp dstport=%%p
for %%p in (137,138) do (
  netsh ipsec static add filter filterlist=Worms srcaddr=any dstaddr=me protocol=udp dstport=%%p
)
netsh ipsec static add rule name=Worms policy="%policy%" filterlist=Worms filteraction=Block
