: Windows_ipsec web-inbound Policy
netsh ipsec static add policy name=web-inbound-policy assign=yes

: Inbound rules for the public web servers.
:
: $Id:$
: $Date:$
: $Revision:$
: inet
netsh ipsec static add filterlist name=w_allow-web-list 
netsh ipsec static add filteraction name=w_allow-web-action action=permit
netsh ipsec static add filter filterlist=w_allow-web-list mirrored=yes srcaddr=any  dstaddr=192.0.2.10 dstmask=31 dstport=443 protocol=tcp
netsh ipsec static add filterlist name=w_allow-web-list 
netsh ipsec static add filteraction name=w_allow-web-action action=permit
netsh ipsec static add rule name=w_allow-web-rule policy=web-inbound filterlist=w_allow-web-list filteraction=w_allow-web-action 

netsh ipsec static add filterlist name=w_allow-admin-ssh-list 
netsh ipsec static add filteraction name=w_allow-admin-ssh-action action=permit
netsh ipsec static add filter filterlist=w_allow-admin-ssh-list mirrored=yes srcaddr=198.51.100.7 srcmask=32 dstaddr=any  dstport=22 protocol=tcp
netsh ipsec static add filterlist name=w_allow-admin-ssh-list 
netsh ipsec static add filteraction name=w_allow-admin-ssh-action action=permit
netsh ipsec static add rule name=w_allow-admin-ssh-rule policy=web-inbound filterlist=w_allow-admin-ssh-list filteraction=w_allow-admin-ssh-action 

netsh ipsec static add filterlist name=w_deny-rest-list 
netsh ipsec static add filteraction name=w_deny-rest-action action=block
netsh ipsec static add filter filterlist=w_deny-rest-list mirrored=yes srcaddr=any  dstaddr=any  protocol=any
netsh ipsec static add filterlist name=w_deny-rest-list 
netsh ipsec static add filteraction name=w_deny-rest-action action=block
netsh ipsec static add rule name=w_deny-rest-rule policy=web-inbound filterlist=w_deny-rest-list filteraction=w_deny-rest-action 

: Windows_ipsec web-outbound Policy
netsh ipsec static add policy name=web-outbound-policy assign=yes

: Outbound rules: DNS only.
:
: $Id:$
: $Date:$
: $Revision:$
: inet
netsh ipsec static add filterlist name=w_allow-dns-list 
netsh ipsec static add filteraction name=w_allow-dns-action action=permit
netsh ipsec static add filter filterlist=w_allow-dns-list mirrored=yes srcaddr=any  dstaddr=10.1.1.53 dstmask=32 dstport=53 protocol=udp
netsh ipsec static add filter filterlist=w_allow-dns-list mirrored=yes srcaddr=any  dstaddr=10.1.1.53 dstmask=32 dstport=53 protocol=tcp
netsh ipsec static add filterlist name=w_allow-dns-list 
netsh ipsec static add filteraction name=w_allow-dns-action action=permit
netsh ipsec static add rule name=w_allow-dns-rule policy=web-outbound filterlist=w_allow-dns-list filteraction=w_allow-dns-action 

netsh ipsec static add filterlist name=w_deny-rest-list 
netsh ipsec static add filteraction name=w_deny-rest-action action=block
netsh ipsec static add filter filterlist=w_deny-rest-list mirrored=yes srcaddr=any  dstaddr=any  protocol=any
netsh ipsec static add filterlist name=w_deny-rest-list 
netsh ipsec static add filteraction name=w_deny-rest-action action=block
netsh ipsec static add rule name=w_deny-rest-rule policy=web-outbound filterlist=w_deny-rest-list filteraction=w_deny-rest-action 

