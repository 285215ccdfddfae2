@echo off
setlocal
set list=
FOR /f "skip=1 delims= " %%i IN (18_block_list.txt) DO call set list=%%list%% %%i
ipseccmd -w reg -p ipsce -y
ipseccmd -w reg -p ipsec:1 -r filterlist -f %list% -n BLOCK -x
endlocal
