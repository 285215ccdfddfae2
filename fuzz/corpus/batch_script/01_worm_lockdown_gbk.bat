@echo off 
netsh ipsec static ^
add policy name=¹Ø±ÕÎ£ÏÕ¶Ë¿Ú
netsh ipsec static ^
add filteraction name=×èÖ¹¶Ë¿Ú action=block
netsh ipsec static ^
add filterlist name=Î£ÏÕ¶Ë¿Ú¹Ø±Õnetsh ipsec static ^
add filter filterlist=Î£ÏÕ¶Ë¿Ú¹Ø±Õ srcaddr=any dstaddr=me description=¾Ü¾øTCP135¶Ë¿Ú dstport=135 protocol=tcp mirrored=yes
netsh ipsec static ^
add filter filterlist=Î£ÏÕ¶Ë¿Ú¹Ø±Õ srcaddr=any dstaddr=me description=¾Ü¾øUDP137¶Ë¿Ú dstport=137 protocol=udp mirrored=yes
netsh ipsec static ^
add filter filterlist=Î£ÏÕ¶Ë¿Ú¹Ø±Õ srcaddr=any dstaddr=me description=¾Ü¾øTCP445¶Ë¿Ú dstport=445 protocol=tcp mirrored=yes
netsh ipsec static ^
add rule name=BlockAllAccess policy=¹Ø±ÕÎ£ÏÕ¶Ë¿Ú filterlist=Î£ÏÕ¶Ë¿Ú¹Ø±Õ filteraction=×èÖ¹¶Ë¿Ú
netsh ipsec static set policy name=¹Ø±ÕÎ£ÏÕ¶Ë¿Ú assign=y
exit
