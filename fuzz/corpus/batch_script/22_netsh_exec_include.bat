@echo off
rem the rules live next to this file, in netsh's own script format
netsh -f "%~dp022_rules.netsh"
netsh exec 22_missing.netsh
