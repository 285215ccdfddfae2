Netsh ipsec static add policy name = 默认策略名称

Netsh ipsec static add filteraction name = 阻止操作 action = block

Netsh ipsec static add filter filterlist = 访问列表1 srcaddr = 203.0.113.248 dstaddr = me dstport = 3389 protocol = TCP mirrored = yes

Netsh ipsec static add filter filterlist = 访问列表2 srcaddr = 198.51.100.0 srcmask = 255.255.255.0  dstaddr = 192.0.2.9 dstport = 0 protocol = any mirrored = yes

Netsh ipsec static add rule name = 终端策略规则 Policy = 默认策略名称 filterlist = 访问列表1 filteraction = 阻止操作

Netsh ipsec static add rule name = 终端策略规则 Policy = 默认策略名称 filterlist = 访问列表2 filteraction = 阻止操作

netsh ipsec static set policy name = 默认策略名称 assign = y

pause
