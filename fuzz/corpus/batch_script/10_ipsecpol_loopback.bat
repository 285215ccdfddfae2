REM Use "ipsecpol.exe -u" to remove the settings.

ipsecpol.exe \\127.0.0.1 -u
ipsecpol.exe \\127.0.0.1 -f [0+*]
ipsecpol.exe \\127.0.0.1 -f (0:80+*::TCP)
ipsecpol.exe \\fileserver -f (0:443+*::TCP)
