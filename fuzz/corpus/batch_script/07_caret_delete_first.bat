REM =================start================
netsh ipsec static ^
delete policy name=Haishion
netsh ipsec static ^
add policy name=Haishion
netsh ipsec static ^
add filteraction name=Perm action=permit
netsh ipsec static ^
add filterlist name=UnLimitedIP
netsh ipsec static ^
add filter filterlist=UnLimitedIP srcaddr=203.0.113.1 dstaddr=Me
netsh ipsec static ^
add rule name=AllowUnLimitedIP policy=Haishion filterlist=UnLimitedIP filteraction=Permit
