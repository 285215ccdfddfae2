//! Import and export of the formats administrators used: ipseccmd/ipsecpol command lines,
//! netsh ipsec scripts, batch files that run them, netdiag reports. Pure: text in, model
//! changes out.

pub mod batch;
pub mod capture;
pub mod export_ipseccmd;
pub mod ipseccmd;
pub mod netdiag;
pub mod netsh;
pub mod registry;

/// A comment line of a Windows command script, as both netsh and batch files take them:
/// `# …`, `rem …`, and labels or `::` comments (`:` first).
pub fn is_script_comment(line: &str) -> bool {
    let line = line.trim_start();
    let first = line.split_whitespace().next().unwrap_or("");
    line.starts_with('#') || line.starts_with(':') || first.eq_ignore_ascii_case("rem")
}

#[cfg(test)]
mod tests {
    use super::is_script_comment;

    #[test]
    fn script_comments() {
        assert!(is_script_comment("# x"));
        assert!(is_script_comment("REM block slammer"));
        assert!(is_script_comment("rem"));
        assert!(is_script_comment(":: x"));
        assert!(is_script_comment(":label"));
        assert!(!is_script_comment("remove"));
        assert!(!is_script_comment("netsh ipsec static add policy x"));
    }
}
