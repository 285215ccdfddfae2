::=========================================================
:: Basic way to manage IPSec block filters
::=========================================================

@echo off && setlocal

set DummyIP=203.0.113.136
set BlockActionName=SpyBlock
set BlockPolicyName=SpyBlock
set BlockFilterName=SpyBlock

if "%1"=="" goto :usage

if not "%1"=="install" if not "%1"=="host" (
  echo ERROR: Unknown action/object: %1
  goto :usage
)

SET object=%1
SET host=
SET mask=
SHIFT

if "%object%" == "host"      goto :host_args
call:CreateAction
call:CreatePolicy
call:CreateFilter
goto :eof

:host_args
SET host=%2
if "%host:~0,1%"=="-" (
  SET host=
)
if "%mask%"=="" (
  SET mask=32
)
call:AddFilterIP %host% %mask%
goto :eof

:usage
echo usage: spylog install^|host add ^<host^>
goto :eof

:CreateAction
setlocal
  set name=%~1
  if "%name%" == "" set name=%BlockActionName%
  netsh ipsec static add filteraction name=%name% action=block
endlocal
goto :eof

:CreatePolicy
setlocal
  set policy=%~1
  if "%policy%" == "" set policy=%BlockPolicyName%
  netsh ipsec static add policy name=%policy% assign=yes activatedefaultrule=no
endlocal
goto :eof

:CreateFilter
setlocal
  set filter=%BlockFilterName%
  set rule=%BlockPolicyName%-%filter%
  netsh ipsec static add filter filterlist=%filter% srcaddr=%DummyIP% dstaddr=me
  netsh ipsec static add rule name=%rule% policy=%BlockPolicyName% filterlist=%filter% filteraction=%BlockActionName%
  netsh ipsec static delete filter filterlist=%filter% srcaddr=%DummyIP% dstaddr=Me
endlocal
goto :eof

:AddFilterIP
setlocal
  netsh ipsec static add filter filterlist=%BlockFilterName% srcaddr=%~1 srcmask=%~2 dstaddr=me
endlocal
goto :eof
