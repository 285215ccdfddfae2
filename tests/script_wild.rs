//! Scripts written after real public ones (tests/fixtures/wild/README.md names each
//! source), run through `ipsedit script --continue-on-error --json`: exact applied /
//! failed / skipped counts, and the line and reason of every failure.

use std::path::Path;
use std::process::Command;

struct Case {
    file: &'static str,
    extra: &'static [&'static str],
    counts: (u64, u64, u64),
    failures: &'static [(u64, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        file: "01_worm_lockdown_gbk.bat",
        extra: &[],
        counts: (6, 1, 0),
        failures: &[(6, "unexpected value 'static' for 'add filterlist'")],
    },
    Case {
        file: "02_rem_blocks.bat",
        extra: &[],
        counts: (10, 0, 0),
        failures: &[],
    },
    Case {
        file: "03_spaced_equals.bat",
        extra: &[],
        counts: (7, 0, 0),
        failures: &[],
    },
    Case {
        file: "04_duplicate_rule.bat",
        extra: &[],
        counts: (6, 1, 0),
        failures: &[(
            11,
            "policy '默认策略名称' already has a rule named '终端策略规则'",
        )],
    },
    Case {
        file: "05_del_all_quoted.bat",
        extra: &[],
        counts: (8, 0, 0),
        failures: &[],
    },
    Case {
        file: "06_base_config.bat",
        extra: &[],
        counts: (8, 1, 1),
        failures: &[(9, "no policy named 'ipsec_base_config'")],
    },
    Case {
        file: "07_caret_delete_first.bat",
        extra: &[],
        counts: (4, 2, 0),
        failures: &[
            (2, "no policy named 'Haishion'"),
            (12, "no filter action named 'Permit'"),
        ],
    },
    Case {
        file: "08_drop_ports.bat",
        extra: &[],
        counts: (14, 0, 0),
        failures: &[],
    },
    Case {
        file: "09_ipsecpol_y_o.bat",
        extra: &[],
        counts: (4, 1, 0),
        failures: &[(4, "no policy named 'MyPol' to delete")],
    },
    Case {
        file: "10_ipsecpol_loopback.bat",
        extra: &[],
        counts: (3, 1, 0),
        failures: &[(
            6,
            r"remote computer '\\fileserver' is not supported: only this computer is",
        )],
    },
    Case {
        file: "11_netsh_exe_static.cmd",
        extra: &[],
        counts: (10, 0, 0),
        failures: &[],
    },
    Case {
        file: "12_dynamic_demo.cmd",
        extra: &[],
        counts: (5, 0, 0),
        failures: &[],
    },
    Case {
        file: "13_spylog_manager.bat",
        extra: &[],
        counts: (0, 0, 0),
        failures: &[],
    },
    Case {
        file: "13_spylog_manager.bat",
        extra: &["--", "install"],
        counts: (5, 0, 0),
        failures: &[],
    },
    Case {
        file: "13_spylog_manager.bat",
        extra: &["--", "host", "add", "203.0.113.50"],
        counts: (1, 0, 0),
        failures: &[],
    },
    Case {
        file: "14_menu_choice.bat",
        extra: &["--set", "input=1"],
        counts: (7, 1, 0),
        failures: &[(6, "no policy named 'SECCPP'")],
    },
    Case {
        file: "14_menu_choice.bat",
        extra: &["--set", "input=3"],
        // The failed exportpolicy skips its `&& … && exit /b` chain, so cmd.exe falls
        // through to :close, as here.
        counts: (7, 2, 0),
        failures: &[
            (6, "no policy named 'SECCPP'"),
            (17, "unknown command 'exportpolicy' in netsh ipsec static"),
        ],
    },
    Case {
        file: "15_xp_ipseccmd_branch.bat",
        extra: &[],
        counts: (1, 3, 1),
        failures: &[
            (10, "-p works on a static policy, but -w is missing"),
            (11, "-p works on a static policy, but -w is missing"),
            (
                13,
                "-w DS: no domain (directory) store is configured; ipsedit has only the local store",
            ),
        ],
    },
    Case {
        file: "16_dummy_filter_trick.bat",
        extra: &[],
        counts: (7, 0, 0),
        failures: &[],
    },
    Case {
        file: "17_for_ports.bat",
        extra: &[],
        counts: (8, 0, 0),
        failures: &[],
    },
    Case {
        file: "18_for_f_block_list.bat",
        extra: &[],
        counts: (1, 1, 0),
        failures: &[(5, "no policy named 'ipsce' to unassign")],
    },
    Case {
        file: "19_nodefaultexempt.bat",
        extra: &[],
        counts: (4, 0, 2),
        failures: &[],
    },
    Case {
        file: "20_notepad_unicode.cmd",
        extra: &[],
        counts: (3, 0, 0),
        failures: &[],
    },
    Case {
        file: "21_chcp_utf8.bat",
        extra: &[],
        counts: (3, 0, 1),
        failures: &[],
    },
    Case {
        file: "22_netsh_exec_include.bat",
        extra: &[],
        counts: (5, 1, 0),
        failures: &[(
            4,
            "cannot read the netsh script '22_missing.netsh' next to the batch file",
        )],
    },
    Case {
        file: "23_abbreviations.bat",
        extra: &[],
        counts: (7, 1, 0),
        failures: &[(
            7,
            "'s' is ambiguous in netsh ipsec static: it could be set, show",
        )],
    },
    Case {
        file: "24_countdown_loop.bat",
        extra: &[],
        counts: (2, 0, 0),
        failures: &[],
    },
    Case {
        file: "25_firewall_mix.bat",
        extra: &[],
        counts: (1, 0, 4),
        failures: &[],
    },
    Case {
        file: "26_needs_input.bat",
        extra: &[],
        counts: (0, 0, 1),
        failures: &[],
    },
    Case {
        file: "27_port_loop.bat",
        extra: &[],
        counts: (5, 0, 1),
        failures: &[],
    },
    Case {
        file: "28_menu_loop_answers.bat",
        extra: &[
            "--set",
            "choice=1",
            "--set",
            "choice=2",
            "--set",
            "choice=3",
            "--set",
            "range=203.0.113.0",
            "--set",
            "choice=10",
            "--set",
            "choice=q",
        ],
        counts: (15, 0, 2),
        failures: &[],
    },
    Case {
        // One answer: the menu asks again and the run stops there (skipped).
        file: "28_menu_loop_answers.bat",
        extra: &["--set", "choice=1"],
        counts: (10, 0, 1),
        failures: &[],
    },
    Case {
        file: "29_shared_prefix_block_list.bat",
        extra: &[],
        counts: (11, 0, 1),
        failures: &[],
    },
    Case {
        file: "30_yes_no_delete_menu.bat",
        extra: &["--set", "choice=y"],
        counts: (5, 0, 8),
        failures: &[],
    },
    Case {
        file: "30_yes_no_delete_menu.bat",
        extra: &["--set", "choice=d"],
        counts: (0, 1, 2),
        failures: &[(47, "no policy named 'Block_list'")],
    },
    Case {
        file: "31_self_calling_menu.bat",
        extra: &["--set", "input=1"],
        counts: (7, 2, 11),
        failures: &[
            (32, "no policy named 'SECCPP'"),
            (36, "no filter list named 'wanna'"),
        ],
    },
    Case {
        file: "32_choice_errorlevel_menu.bat",
        extra: &[],
        counts: (8, 1, 0),
        failures: &[(34, "no policy named 'SECCPP'")],
    },
    Case {
        file: "33_gbk_firewall_ports.bat",
        extra: &[],
        counts: (0, 0, 5),
        failures: &[],
    },
    Case {
        file: "34_advfirewall_only.bat",
        extra: &[],
        counts: (0, 0, 5),
        failures: &[],
    },
    Case {
        file: "35_menu_missing_label.bat",
        extra: &["--set", "start=1", "--set", "start=3", "--set", "start=6"],
        counts: (5, 1, 5),
        failures: &[(15, "the batch label 'quit' does not exist")],
    },
    Case {
        file: "36_closeport_filter_pairs.bat",
        extra: &[],
        counts: (13, 0, 1),
        failures: &[],
    },
    Case {
        file: "37_closeport_icmp_port.bat",
        extra: &[],
        counts: (11, 2, 0),
        failures: &[(19, ICMP_PORT), (21, ICMP_PORT)],
    },
    Case {
        file: "38_netsh_exec_list.bat",
        extra: &[],
        counts: (13, 0, 0),
        failures: &[],
    },
    Case {
        file: "39_smb_request_action_cp1252.cmd",
        extra: &[],
        counts: (4, 2, 0),
        failures: &[
            (7, "unknown action 'request'"),
            (8, "no filter action named 'Demander la sécurité'"),
        ],
    },
    Case {
        file: "40_quoted_names_3389_big5.bat",
        extra: &[],
        counts: (11, 0, 1),
        failures: &[],
    },
    Case {
        file: "41_positional_names.cmd",
        extra: &[],
        counts: (6, 0, 0),
        failures: &[],
    },
];

const ICMP_PORT: &str = "a port needs protocol TCP or UDP, not ICMP (netsh's own help: \
                         \"If you specify a port, acceptable value is TCP or UDP\")";

fn run(file: &str, extra: &[&str]) -> serde_json::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wild");
    let store = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .arg("--store")
        .arg(store.path())
        .args(["script", "--continue-on-error", "--json"])
        .arg(dir.join(file))
        .args(extra)
        .output()
        .expect("runs");
    let code = out.status.code();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let failed = v["failed"].as_u64().unwrap_or(0);
    assert_eq!(
        code,
        Some(if failed > 0 { 1 } else { 0 }),
        "{file} {extra:?}: exit code"
    );
    v
}

#[test]
fn wild_scripts_give_exact_counts_and_reasons() {
    let mut problems = Vec::new();
    for c in CASES {
        let v = run(c.file, c.extra);
        let got = (
            v["applied"].as_u64().unwrap_or(99),
            v["failed"].as_u64().unwrap_or(99),
            v["skipped"].as_u64().unwrap_or(99),
        );
        let failures: Vec<(u64, String)> = v["failures"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| {
                        (
                            f["line"].as_u64().unwrap_or(0),
                            f["message"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let want: Vec<(u64, String)> = c
            .failures
            .iter()
            .map(|(l, m)| (*l, m.to_string()))
            .collect();
        if got != c.counts || failures != want {
            problems.push(format!(
                "{} {:?}: counts {got:?} (want {:?}), failures {failures:?}",
                c.file, c.extra, c.counts
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_encoding_is_reported() {
    assert_eq!(run("01_worm_lockdown_gbk.bat", &[])["encoding"], "GBK");
    assert_eq!(
        run("01_worm_lockdown_gbk.bat", &[])["encoding_chosen_by"],
        "guessed (not valid UTF-8)"
    );
    assert_eq!(run("20_notepad_unicode.cmd", &[])["encoding"], "UTF-16LE");
    assert_eq!(run("33_gbk_firewall_ports.bat", &[])["encoding"], "GBK");
    assert_eq!(run("36_closeport_filter_pairs.bat", &[])["encoding"], "GBK");
    assert_eq!(
        run("29_shared_prefix_block_list.bat", &[])["encoding_chosen_by"],
        "chcp 65001 at line 3"
    );
    assert_eq!(run("02_rem_blocks.bat", &[])["encoding"], "UTF-8");
    assert_eq!(
        run("39_smb_request_action_cp1252.cmd", &[])["encoding"],
        "windows-1252"
    );
    assert_eq!(
        run("40_quoted_names_3389_big5.bat", &[])["encoding"],
        "Big5"
    );
}

#[test]
fn every_fixture_is_in_the_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wild");
    let mut scripts: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".bat") || n.ends_with(".cmd"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 41, "{} fixtures", scripts.len());
    for s in scripts {
        assert!(
            CASES.iter().any(|c| c.file == s),
            "{s} has no expected counts"
        );
    }
}

#[test]
fn menus_stop_when_the_answers_run_out_and_prefixes_are_named() {
    let v = run("28_menu_loop_answers.bat", &["--set", "choice=1"]);
    let skip = &v["skips"][0];
    assert_eq!(skip["line"], 14);
    assert_eq!(skip["command"], "set /p choice=");
    let why = skip["why"].as_str().unwrap_or("");
    assert!(
        why.starts_with("'set /p choice=' asks again (2nd time): the 1 answer given"),
        "{why}"
    );
    let v = run("29_shared_prefix_block_list.bat", &[]);
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .map(|a| a.iter().filter_map(|w| w.as_str()).collect())
        .unwrap_or_default();
    let prefix: Vec<&&str> = warnings
        .iter()
        .filter(|w| w.contains("'filter=' (column 54) could be filterlist, filteraction"))
        .collect();
    assert_eq!(prefix.len(), 2, "{warnings:?}");
    assert!(
        prefix[0].contains("29_shared_prefix_block_list.bat:33: "),
        "{prefix:?}"
    );
    assert!(
        prefix[1].contains("29_shared_prefix_block_list.bat:34: "),
        "{prefix:?}"
    );
}

#[test]
fn a_port_on_icmp_names_netsh_rule_and_the_fix() {
    let v = run("37_closeport_icmp_port.bat", &[]);
    let f = &v["failures"][0];
    assert_eq!(f["column"], 81);
    assert_eq!(
        f["hint"],
        "drop dstport=255 to match all ICMP traffic, or use protocol=TCP or protocol=UDP"
    );
}

#[test]
fn warnings_from_a_netsh_exec_list_name_the_list_file_and_line() {
    let v = run("38_netsh_exec_list.bat", &[]);
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .map(|a| a.iter().filter_map(|w| w.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    assert!(
        warnings[0].ends_with(
            "38_block_list.txt:20: source 198.51.100.7 has bits outside its mask \
             255.255.255.0; `ipsedit check` offers the fix"
        ),
        "{warnings:?}"
    );
    assert!(
        warnings[3].contains("38_block_list.txt:33: 'filter=' (column 47) could be filterlist"),
        "{warnings:?}"
    );
}
