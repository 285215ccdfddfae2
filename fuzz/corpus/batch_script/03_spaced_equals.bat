echo 创建安全策略
Netsh IPsec static add policy name = APU安全策略

echo 创建筛选器是阻止的操作
Netsh IPsec static add filteraction name = stop action = block

echo 建立一个筛选器可以访问的终端列表
Netsh IPsec static add filterlist name = 终端列表
Netsh IPsec static add filter filterlist = 终端列表 srcaddr = 203.0.113.248 dstaddr = me dstport = 3389 description = 部门1访问 protocol = TCP mirrored = yes
Netsh ipsec static add filter filterlist = 终端列表 Srcaddr = 198.51.100.0 srcmask=255.255.255.0 dstaddr = 192.0.2.9 dstport = 0 description = 部门2访问 protocol =any mirrored = yes

echo 建立策略规则
Netsh ipsec static add rule name = 终端策略规则 Policy = APU安全策略 filterlist = 终端列表 filteraction = stop

echo 激活策略
netsh ipsec static set policy name = APU安全策略 assign = y
pause
