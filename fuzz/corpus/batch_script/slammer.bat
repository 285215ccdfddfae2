: Windows_ipsec block-slammer Policy
netsh ipsec static add policy name=block-slammer-policy assign=yes

: KB 813878: block the SQL Server monitor port (Slammer).
:
: $Id:$
: $Date:$
: $Revision:$
: inet
netsh ipsec static add filterlist name=b_block-1434-list 
netsh ipsec static add filteraction name=b_block-1434-action action=block
netsh ipsec static add filter filterlist=b_block-1434-list mirrored=yes srcaddr=any  dstaddr=any  dstport=1434 protocol=udp
netsh ipsec static add filterlist name=b_block-1434-list 
netsh ipsec static add filteraction name=b_block-1434-action action=block
netsh ipsec static add rule name=b_block-1434-rule policy=block-slammer filterlist=b_block-1434-list filteraction=b_block-1434-action 

