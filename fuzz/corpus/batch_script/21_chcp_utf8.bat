@echo off
setlocal enabledelayedexpansion
chcp 65001 > nul
cd /d "%~dp0"
netsh ipsec static add policy name=차단정책
netsh ipsec static add filterlist name=차단목록
netsh ipsec static add filter filterlist=차단목록 srcaddr=198.51.100.0 srcmask=24 dstaddr=me
