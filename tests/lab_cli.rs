//! `apply` and `unapply` without touching a kernel: `--dry-run` prints exactly what would be
//! loaded, and bad namespace names are refused with exit 2.

use std::path::Path;
use std::process::Command;

fn ipsedit(args: &[&str]) -> (i32, String, String) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/kb811832");
    let out = Command::new(env!("CARGO_BIN_EXE_ipsedit"))
        .arg("--from")
        .arg(sample)
        .args(args)
        .env(
            "IPSEDIT_RUN_DIR",
            std::env::temp_dir().join("ipsedit-lab-cli-none"),
        )
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn nft_dry_run_prints_the_table_it_would_load() {
    let (code, out, err) = ipsedit(&["apply", "--backend", "nft", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..6],
        [
            "# written by ipsedit: the effective table, in evaluation order",
            "table inet ipsedit",
            "delete table inet ipsedit",
            "table inet ipsedit {",
            "\tchain input {",
            "\t\ttype filter hook input priority filter; policy accept;",
        ]
    );
    // KB 811832 on winxp-sp1, NoDefaultExempt absent (0): Kerberos first, the block last.
    assert_eq!(
        lines[6],
        "\t\tmeta nfproto ipv4 ip saddr 10.10.1.2 meta l4proto 17 th sport 88 counter accept comment \"row 0 kerberos exemption\""
    );
    assert!(out.contains(
        "\t\tmeta nfproto ipv4 ip daddr 10.10.1.2 counter drop comment \"row 19 filter\"\n\t\tcounter accept comment \"no match\"\n"
    ));
}

#[test]
fn xfrm_dry_run_prints_the_guarded_plan() {
    let (code, out, err) = ipsedit(&[
        "apply",
        "--backend",
        "xfrm",
        "--no-default-exempt",
        "1",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "ip xfrm policy add src 0.0.0.0/1 dst 0.0.0.0/0 dir in priority 0 action block"
    );
    assert!(
        lines.contains(
            &"ip xfrm policy add src 0.0.0.0/0 dst 10.10.1.2/32 dir in priority 109 action block"
        ),
        "{out}"
    );
    assert_eq!(
        lines[lines.len() - 1],
        "ip xfrm policy delete src 128.0.0.0/1 dst 0.0.0.0/0 dir out"
    );
    // 4 guard adds, no old policies, 9 rows x 2 directions (IPv6 needs none), 4 guard deletes.
    assert_eq!(lines.len(), 4 + 18 + 4);
}

#[test]
fn unsafe_namespace_names_are_refused() {
    let (code, _, err) = ipsedit(&[
        "apply",
        "--backend",
        "nft",
        "--netns",
        "../etc",
        "--dry-run",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--netns \"../etc\": a namespace name is letters"),
        "{err}"
    );
    let (code, out, _) = ipsedit(&["unapply", "--backend", "xfrm", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("nothing to remove: no record of an ipsedit xfrm install"),
        "{out}"
    );
}
