//! `ipsedit script` construct by construct (issue 9 item 1), on the core interpreter:
//! exact counts, the names the policy ends up with, and the refusals.

use std::collections::HashMap;

use ipsedit::core::interchange::batch::{self, Files, Options, Status};
use ipsedit::core::model::Snapshot;

struct Map(HashMap<&'static str, &'static str>);

impl Files for Map {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.0.get(path).map(|s| s.as_bytes().to_vec())
    }
    fn exists(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }
}

fn go(text: &str, opts: &Options) -> (Snapshot, batch::Outcome) {
    go_files(text, opts, &[])
}

fn go_files(
    text: &str,
    opts: &Options,
    files: &[(&'static str, &'static str)],
) -> (Snapshot, batch::Outcome) {
    let mut snap = Snapshot::default();
    let files = Map(files.iter().copied().collect());
    let out = batch::run(&mut snap, "t.bat", text.as_bytes(), opts, &files);
    (snap, out)
}

fn keep_going() -> Options {
    Options {
        continue_on_error: true,
        ..Options::default()
    }
}

fn counts(o: &batch::Outcome) -> (usize, usize, usize) {
    (
        o.count(Status::Applied),
        o.count(Status::Failed),
        o.count(Status::Skipped),
    )
}

fn policies(s: &Snapshot) -> Vec<String> {
    s.policies.iter().map(|p| p.name.clone()).collect()
}

#[test]
fn variables_expand_instead_of_naming_a_policy_percent_policy() {
    let (s, o) = go(
        "@echo off\r\nset policy=Block ports\r\nnetsh ipsec static add policy name=\"%policy%\"\r\n",
        &Options::default(),
    );
    assert_eq!(counts(&o), (1, 0, 0));
    assert_eq!(policies(&s), vec!["Block ports"]);
}

#[test]
fn for_loops_count_each_run() {
    let (s, o) = go(
        "for %%p in (135 139 445 593) do netsh ipsec static add filter filterlist=W srcaddr=any dstaddr=me protocol=tcp dstport=%%p\n",
        &Options::default(),
    );
    assert_eq!(counts(&o), (4, 0, 0));
    assert_eq!(s.filter_lists[0].filters.len(), 4);
    let (_, o) = go(
        "for /L %%i in (1,1,3) do netsh ipsec static add policy name=P%%i\n",
        &Options::default(),
    );
    assert_eq!(counts(&o), (3, 0, 0));
    let (s, o) = go(
        "for /f \"tokens=1,2 delims=,\" %%a in (\"Web,80\") do netsh ipsec static add filter filterlist=%%a srcaddr=any dstaddr=me protocol=tcp dstport=%%b\n",
        &Options::default(),
    );
    assert_eq!(counts(&o), (1, 0, 0));
    assert_eq!(s.filter_lists[0].name, "Web");
}

#[test]
fn redirections_and_pipes_are_dropped() {
    let (_, o) = go(
        "netsh ipsec static add policy name=A >nul 2>&1\nnetsh ipsec static show policy name=A | findstr A > nul\nipseccmd -w REG -p B -x>NUL\n",
        &Options::default(),
    );
    assert_eq!(counts(&o), (3, 0, 0));
    assert!(o.output.iter().any(|l| l.contains('A')), "{:?}", o.output);
}

#[test]
fn all_or_nothing_names_continue_on_error() {
    let text = "netsh ipsec static delete policy name=X\nnetsh ipsec static add policy name=X\n";
    let (s, o) = go(text, &Options::default());
    assert!(s.policies.is_empty());
    let refused = o.refused.expect("refused");
    assert!(refused.starts_with("t.bat:1:"), "{refused}");
    assert!(refused.contains("no policy named 'X'"), "{refused}");
    assert!(refused.contains("--continue-on-error"), "{refused}");
    let (s, o) = go(text, &keep_going());
    assert_eq!(counts(&o), (1, 1, 0));
    assert_eq!(policies(&s), vec!["X"]);
}

#[test]
fn calls_labels_and_arguments() {
    let text = "\
@echo off
call :mk One
call :mk \"Two words\"
goto :eof
:mk
netsh ipsec static add policy name=\"%~1\"
goto :eof
";
    let (s, o) = go(text, &Options::default());
    assert_eq!(counts(&o), (2, 0, 0));
    assert_eq!(policies(&s), vec!["One", "Two words"]);
    let args = Options {
        args: vec!["Arg".into()],
        ..Options::default()
    };
    let (s, _) = go("netsh ipsec static add policy name=%1\n", &args);
    assert_eq!(policies(&s), vec!["Arg"]);
}

#[test]
fn if_else_errorlevel_and_delayed_expansion() {
    let text = "\
setlocal enabledelayedexpansion
set n=1
if \"%n%\"==\"1\" (
  set n=2
  netsh ipsec static add policy name=P!n!
) else (
  netsh ipsec static add policy name=Never
)
netsh ipsec static add policy name=P2 || netsh ipsec static add policy name=Dup
if errorlevel 1 netsh ipsec static add policy name=AfterFail
if not defined nothere netsh ipsec static add policy name=Undef
";
    let (s, o) = go(text, &keep_going());
    assert_eq!(policies(&s), vec!["P2", "Dup", "Undef"]);
    assert_eq!(counts(&o), (3, 1, 0));
}

#[test]
fn goto_loops_are_bounded() {
    let (_, o) = go(":a\ngoto a\n", &keep_going());
    assert_eq!(counts(&o), (0, 1, 0));
    assert!(o.entries[0].message.contains("endless goto loop"));
}

#[test]
fn interactive_input_comes_from_set() {
    let text = "set /p NAME=Name: \nnetsh ipsec static add policy name=%NAME%\n";
    let (_, o) = go(text, &Options::default());
    let r = o.refused.expect("refused");
    assert!(r.contains("--set NAME=VALUE"), "{r}");
    let answered = Options {
        sets: vec![("name".into(), "Given".into())],
        ..Options::default()
    };
    let (s, _) = go(text, &answered);
    assert_eq!(policies(&s), vec!["Given"]);
}

#[test]
fn a_menu_that_loops_back_reads_one_answer_per_prompt() {
    // The shape of menu scripts (a 0x5c0f/blog IPsec menu, WeiyiGeek's WannaCry tool):
    // `set /p`, branch, `goto menu`.
    let text = "\
:menu
set /p pick=Choose: 
if \"%pick%\"==\"1\" goto one
if \"%pick%\"==\"2\" goto two
if \"%pick%\"==\"q\" goto end
goto menu
:one
netsh ipsec static add policy name=One
goto menu
:two
netsh ipsec static add policy name=Two
goto menu
:end
";
    let answers = |v: &[&str]| Options {
        continue_on_error: true,
        sets: v
            .iter()
            .map(|a| ("PICK".to_string(), a.to_string()))
            .collect(),
        ..Options::default()
    };
    // Each --set answers one prompt, in order; `q` leaves the loop.
    let (s, o) = go(text, &answers(&["1", "2", "q"]));
    assert_eq!(policies(&s), vec!["One", "Two"]);
    assert_eq!(counts(&o), (2, 0, 0));
    // One answer: the second prompt has none left, and the run stops there (it used to
    // loop until the step bound, re-reading the same answer).
    let (s, o) = go(text, &answers(&["1"]));
    assert_eq!(policies(&s), vec!["One"]);
    assert_eq!(counts(&o), (1, 0, 1));
    let skip = &o.entries[1];
    assert_eq!((skip.line, skip.command.as_str()), (2, "set /p pick="));
    assert_eq!(
        skip.message,
        "'set /p pick=' asks again (2nd time): the 1 answer given with --set pick= is used \
         up; each --set pick=VALUE answers one prompt, so repeat it for the next; the rest \
         of the script was not run"
    );
    // All or nothing: the same stop refuses the run and nothing is kept.
    let strict = Options {
        sets: vec![("pick".into(), "1".into())],
        ..Options::default()
    };
    let (s, o) = go(text, &strict);
    assert!(policies(&s).is_empty());
    let r = o.refused.expect("refused");
    assert!(r.contains("asks again (2nd time)"), "{r}");
}

#[test]
fn start_wait_runs_its_command_in_order_and_plain_start_is_skipped() {
    // HFUT's closeport script (lkboboy/-: …/批处理脚本/ipsec.bat) restarts the agent
    // with `start /wait /b net stop PolicyAgent`.
    let text = "\
start \"\" /wait netsh ipsec static add policy name=Waited
start /wait /b reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent\" /v Start /t reg_dword /d 2 /f
start /wait /b net stop PolicyAgent
start /wait /b net start PolicyAgent
start /b netsh ipsec static add policy name=Parallel
start /min /d C:\\ /wait
";
    let (s, o) = go(text, &keep_going());
    assert_eq!(policies(&s), vec!["Waited"]);
    assert_eq!(counts(&o), (3, 0, 3));
    let skipped: Vec<(usize, &str)> = o
        .entries
        .iter()
        .filter(|e| e.status == Status::Skipped)
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(skipped[1], (5, "not an IPsec command (start)"));
    assert_eq!(skipped[2], (6, "not an IPsec command (start)"));
    assert_eq!(skipped[0].0, 2);
}

#[test]
fn a_shared_tag_prefix_reads_as_the_first_parameter_with_a_warning() {
    // The 2007 Korean China-block list writes `filter=` in `add rule`, where filterlist
    // and filteraction share the prefix: netsh takes the first (filterlist).
    let text = "\
netsh ipsec static add policy name=P
netsh ipsec static add filteraction name=Block action=block
netsh ipsec static add filter filterlist=L srcaddr=192.0.2.0 srcmask=24 dstaddr=any
netsh ipsec static add rule name=3 policy=P filter=L filteraction=Block
";
    let (s, o) = go(text, &Options::default());
    assert_eq!(counts(&o), (4, 0, 0));
    let rule = &s.policies[0].rules[0];
    assert_eq!(rule.name, "3");
    let list = s.filter_lists.iter().find(|l| l.id == rule.filter_list);
    assert_eq!(list.map(|l| l.name.as_str()), Some("L"));
    let action = s.filter_actions.iter().find(|a| a.id == rule.filter_action);
    assert_eq!(action.map(|a| a.name.as_str()), Some("Block"));
    assert_eq!(
        o.warnings,
        vec![
            "t.bat:4: 'filter=' (column 45) could be filterlist, filteraction: read as \
         filterlist= (netsh takes the first in its order); write the name in full"
                .to_string()
        ]
    );
}

#[test]
fn netsh_files_and_called_batches_are_followed() {
    let (s, o) = go_files(
        "netsh -f rules.txt\ncall more.cmd Extra\nif exist rules.txt netsh ipsec static add policy name=Exists\n",
        &Options::default(),
        &[
            (
                "rules.txt",
                "pushd ipsec static\nadd policy name=FromFile\npopd\n",
            ),
            ("more.cmd", "netsh ipsec static add policy name=%1\n"),
        ],
    );
    assert_eq!(counts(&o), (3, 0, 0));
    assert_eq!(policies(&s), vec!["FromFile", "Extra", "Exists"]);
}

#[test]
fn registry_and_agent_restart() {
    let text = "ipseccmd -f [0+*]\nreg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\IPSEC /v NoDefaultExempt /t REG_DWORD /d 1 /f\nnet stop policyagent\nnet start policyagent\nsc config policyagent start= auto\n";
    let (s, o) = go(text, &Options::default());
    assert_eq!(counts(&o), (4, 0, 1));
    assert_eq!(s.host.no_default_exempt, Some(1));
    assert!(s.dynamic.is_empty());
    assert_eq!(o.entries[4].message, "not an IPsec command (sc config)");
}

#[test]
fn abbreviations_and_netsh_exe() {
    let text = "C:\\WINDOWS\\system32\\NETSH.EXE ipsec static add pol name=A\nnetsh ipsec static sh po name=A\nnetsh ipsec static del all\n";
    let (s, o) = go(text, &Options::default());
    assert_eq!(counts(&o), (3, 0, 0));
    assert!(s.policies.is_empty());
}

#[test]
fn ipsecpol_flags_are_independent() {
    let text = "ipsecpol -w REG -p P -r R -f 0+* -n BLOCK -x\nipsecpol -w REG -p P -y -o\nipsecpol -w REG -p P -r R2 -f 0:80+*::TCP -n PASS -x\nipsecpol -w REG -p P -o -x\n";
    let (s, o) = go(text, &Options::default());
    assert_eq!(counts(&o), (4, 0, 0));
    assert_eq!(policies(&s), vec!["P"]);
    assert!(s.policies[0].rules.is_empty());
}

#[test]
fn code_pages_by_chcp_and_flag() {
    // "café" in Windows-1252 after `chcp 1252`.
    let mut b = b"chcp 1252 >nul\r\nnetsh ipsec static add policy name=caf".to_vec();
    b.push(0xE9);
    b.extend_from_slice(b"\r\n");
    let mut snap = Snapshot::default();
    let out = batch::run(
        &mut snap,
        "t.bat",
        &b,
        &Options::default(),
        &Map(HashMap::new()),
    );
    assert_eq!(policies(&snap), vec!["café"]);
    assert_eq!(out.encoding, "windows-1252");
}

#[test]
fn ipseccmd_spec_quirks_from_real_scripts() {
    // A mask after 0 (generated Java/batch callers), an empty protocol like an empty
    // port, a bad polling interval refused.
    let text = "\
ipseccmd -w REG -p T -r A -f 0/255.255.255.255=203.0.113.9/255.255.255.255:150:tcp -n BLOCK -x
ipseccmd -w REG -p T -r B -f 0=203.0.113.10:: -n BLOCK
ipseccmd -w REG -p T:30m -r C -f 0=203.0.113.11 -n BLOCK
";
    let (s, o) = go(text, &keep_going());
    assert_eq!(counts(&o), (2, 1, 0));
    assert_eq!(s.policies[0].rules.len(), 2);
    assert_eq!(
        o.entries[2].message,
        "polling interval '30m' in -p 'T:30m' is not a number of minutes"
    );
}

#[test]
fn mixing_reg_and_ds_is_refused_up_front() {
    let text = "ipseccmd -w REG -p \"Local\" -r \"R\" -f *+0:445:TCP -n BLOCK\r\n\
                ipseccmd -w DS:example.test -p \"Domain\" -r \"R\" -f *+0:445:TCP -n BLOCK\r\n";
    let (s, o) = go(text, &Options::default());
    assert_eq!(s, Snapshot::default());
    assert_eq!(counts(&o), (0, 0, 0));
    assert_eq!(
        o.refused.as_deref(),
        Some(
            "t.bat: line 1 writes the local store (-w REG) and line 2 the domain store (-w DS): \
             a run is one transaction per store, so nothing was applied; run the REG and DS \
             parts as two scripts, or give --continue-on-error to apply what can be applied"
        )
    );
    // With --continue-on-error the REG line applies and the DS line fails on its own.
    let (s, o) = go(text, &keep_going());
    assert_eq!(counts(&o), (1, 1, 0));
    assert_eq!(policies(&s), vec!["Local"]);
}

#[test]
fn computer_name_expands_and_names_this_computer() {
    let mut snap = Snapshot::default();
    snap.host.computer_name = Some("FILESERVER".into());
    let text = "ipseccmd \\\\%COMPUTERNAME% -f [*=0:1434:UDP]\r\n\
                ipseccmd \\\\OTHERBOX -f [*=0:1433:UDP]\r\n";
    let files = Map(HashMap::new());
    let o = batch::run(&mut snap, "t.bat", text.as_bytes(), &keep_going(), &files);
    assert_eq!(counts(&o), (1, 1, 0));
    assert_eq!(snap.dynamic.len(), 1);
    assert_eq!(snap.dynamic[0].filter.dst_port, 1434);
}

#[test]
fn server_types_pair_only_with_me() {
    let (_, o) = go(
        "netsh ipsec static add filter filterlist=L srcaddr=DNS dstaddr=any\r\n\
         netsh ipsec static add filter filterlist=L srcaddr=DNS dstaddr=me\r\n\
         netsh ipsec static add filter filterlist=L srcaddr=any srcmask=32 dstaddr=me\r\n",
        &keep_going(),
    );
    assert_eq!(counts(&o), (2, 1, 0));
    let failed: Vec<&str> = o
        .entries
        .iter()
        .filter(|e| e.status == Status::Failed)
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        failed,
        ["srcaddr=DNS is a server type: the other address must be me"]
    );
    assert!(
        o.warnings
            .iter()
            .any(|w| w.contains("srcmask=255.255.255.255 ignored: a mask does not apply to 'any'")),
        "{:?}",
        o.warnings
    );
}
