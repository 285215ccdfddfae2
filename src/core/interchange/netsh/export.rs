//! Writes a netsh script that recreates a store (or one policy with the filter lists and
//! filter actions its rules use): run it with `netsh -f FILE` on Server 2003, or with
//! `ipsedit netsh -f FILE`. Applying the script to an empty store and exporting again
//! gives the same script (ids aside, since netsh gives new objects new GUIDs).
//!
//! The whole-store script also carries the dynamic part after the `set config` lines
//! (`dynamic::export`: policies, then the rules netsh made; rules ipseccmd made are
//! `export ipseccmd`'s and only named). A filter pairing a server type with anything but
//! `me`, which netsh refuses, is written as a comment with a warning (`importable`).
//!
//! netsh refers to objects by name, so names must be unique (ignoring case) and must not
//! contain quotes; the export refuses a store that breaks this, naming the objects. Host
//! settings netsh has no command for go into `# ipsedit` directives (see `directive`).

use std::collections::HashSet;

use super::directive;
use super::values::{mm_methods_text, protocol_word, qm_methods_text, yes_no_word};
use crate::core::model::{
    Address, AuthMethod, ConnectionType, DefaultResponse, FilterAction, FilterList, HOST_MASK, Id,
    Policy, Snapshot, mask_prefix,
};

/// Why a store cannot be written as a netsh script.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("no policy named '{0}'")]
    NoSuchPolicy(String),
    #[error("{0}")]
    Inexpressible(String),
}

/// A script and what it could not say exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub script: String,
    pub warnings: Vec<String>,
}

/// Quotes a name or description for netsh. Callers check `quotable` first.
pub fn quote(s: &str) -> String {
    format!("\"{s}\"")
}

pub(super) fn quotable(s: &str) -> bool {
    !s.chars()
        .any(|c| matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}') || c == '\n' || c == '\r')
}

struct Checker {
    problems: Vec<String>,
}

impl Checker {
    fn text(&mut self, what: &str, s: &str) {
        if !quotable(s) {
            self.problems.push(format!(
                "{what} contains a quote or a line break, which a netsh script cannot carry: \
                 rename it"
            ));
        }
    }

    fn names<'a>(&mut self, kind: &str, names: impl Iterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for n in names {
            if n.trim().is_empty() {
                self.problems
                    .push(format!("a {kind} has an empty name: netsh needs one"));
            } else if !seen.insert(n.to_lowercase()) {
                self.problems.push(format!(
                    "two {kind}s are named '{n}' (ignoring case); netsh refers to them by \
                     name: rename one"
                ));
            }
            self.text(&format!("{kind} name '{n}'"), n);
        }
    }
}

/// The script for the whole store (`policy` = None) or one policy.
pub fn export_script(snap: &Snapshot, policy: Option<&str>) -> Result<Export, ExportError> {
    let policies: Vec<&Policy> = match policy {
        Some(name) => vec![
            snap.policy_named(name)
                .ok_or_else(|| ExportError::NoSuchPolicy(name.to_string()))?,
        ],
        None => snap.policies.iter().collect(),
    };
    // With one policy, only the lists and actions its rules use, in store order.
    let used_lists: HashSet<Id> = policies
        .iter()
        .flat_map(|p| p.rules.iter().map(|r| r.filter_list))
        .collect();
    let used_actions: HashSet<Id> = policies
        .iter()
        .flat_map(|p| p.rules.iter().map(|r| r.filter_action))
        .collect();
    let lists: Vec<&FilterList> = snap
        .filter_lists
        .iter()
        .filter(|l| policy.is_none() || used_lists.contains(&l.id))
        .collect();
    let actions: Vec<&FilterAction> = snap
        .filter_actions
        .iter()
        .filter(|a| policy.is_none() || used_actions.contains(&a.id))
        .collect();

    let mut check = Checker {
        problems: Vec::new(),
    };
    check.names("policy", snap.policies.iter().map(|p| p.name.as_str()));
    check.names(
        "filter list",
        snap.filter_lists.iter().map(|l| l.name.as_str()),
    );
    check.names(
        "filter action",
        snap.filter_actions.iter().map(|a| a.name.as_str()),
    );
    for p in &policies {
        check.names(
            &format!("rule of policy '{}'", p.name),
            p.rules.iter().map(|r| r.name.as_str()),
        );
        check.text(
            &format!("the description of policy '{}'", p.name),
            &p.description,
        );
        for r in &p.rules {
            check.text(
                &format!("the description of rule '{}'", r.name),
                &r.description,
            );
            if snap.filter_list(r.filter_list).is_none()
                || snap.filter_action(r.filter_action).is_none()
            {
                check.problems.push(format!(
                    "rule '{}' of policy '{}' refers to a missing filter list or filter \
                     action (`ipsedit check` shows it): fix the rule first",
                    r.name, p.name
                ));
            }
            auth_problems(&mut check, &r.authentication, &format!("rule '{}'", r.name));
        }
        auth_problems(
            &mut check,
            &p.default_response.authentication,
            &format!("the default response rule of '{}'", p.name),
        );
    }
    for l in &lists {
        check.text(
            &format!("the description of filter list '{}'", l.name),
            &l.description,
        );
        for f in &l.filters {
            check.text(
                &format!("a filter description in '{}'", l.name),
                &f.description,
            );
        }
    }
    for a in &actions {
        check.text(
            &format!("the description of filter action '{}'", a.name),
            &a.description,
        );
    }
    if let Some(b) = &snap.host.boot_exemptions {
        check.text("the boot exemptions", b);
    }
    if policy.is_none() {
        check.problems.extend(super::dynamic::export_problems(snap));
    }
    if !check.problems.is_empty() {
        return Err(ExportError::Inexpressible(format!(
            "cannot write a netsh script that recreates this store:\n  {}",
            check.problems.join("\n  ")
        )));
    }

    let mut warnings = Vec::new();
    let mut out: Vec<String> = vec![
        "# netsh ipsec script written by ipsedit.".into(),
        "# On Windows Server 2003: netsh -f THIS_FILE. In ipsedit: ipsedit netsh -f THIS_FILE."
            .into(),
        "# Lines starting with '# ipsedit' are ipsedit's own settings; netsh skips them.".into(),
    ];
    out.extend(directive::write(&snap.host));
    if policy.is_none() {
        out.extend(super::dynamic::export_lines(&snap.host));
        out.extend(super::dynamic::export_dynamic(snap, &mut warnings));
    }
    out.push("pushd ipsec static".into());
    for a in &actions {
        out.push(action_line(a));
    }
    for l in &lists {
        let mut line = format!("add filterlist name={}", quote(&l.name));
        if !l.description.is_empty() {
            line.push_str(&format!(" description={}", quote(&l.description)));
        }
        out.push(line);
        for f in &l.filters {
            let mut line = format!("add filter filterlist={}", quote(&l.name));
            line.push_str(&address(&f.source, "src", &l.name, snap, &mut warnings));
            line.push_str(&address(
                &f.destination,
                "dst",
                &l.name,
                snap,
                &mut warnings,
            ));
            if !f.description.is_empty() {
                line.push_str(&format!(" description={}", quote(&f.description)));
            }
            if !f.protocol.is_any() {
                line.push_str(&format!(" protocol={}", protocol_word(f.protocol)));
            }
            if f.src_port != 0 {
                line.push_str(&format!(" srcport={}", f.src_port));
            }
            if f.dst_port != 0 {
                line.push_str(&format!(" dstport={}", f.dst_port));
            }
            line.push_str(&format!(" mirrored={}", yes_no_word(f.mirrored)));
            out.push(importable(
                line,
                f,
                &format!("a filter of filter list '{}' ({})", l.name, f.summary()),
                &mut warnings,
            ));
        }
    }
    for p in &policies {
        out.extend(policy_lines(snap, p));
    }
    if let Some(a) = snap
        .assigned_policy()
        .filter(|a| policies.iter().any(|p| p.id == a.id))
    {
        out.push(format!("set policy name={} assign=yes", quote(&a.name)));
    }
    out.push("popd".into());
    let mut script = out.join("\n");
    script.push('\n');
    Ok(Export { script, warnings })
}

/// A filter line, or the line commented out with a warning when netsh (and ipsedit's
/// import) would refuse it: a server type (DNS, WINS, DHCP, GATEWAY) paired with anything
/// but `me`, which a registry import can hold. Commented out, the rest of the script still
/// imports; the warning names the filter and the fix.
pub(super) fn importable(
    line: String,
    f: &crate::core::model::Filter,
    what: &str,
    warnings: &mut Vec<String>,
) -> String {
    let paired = |this: &Address, other: &Address| {
        matches!(this, Address::Server(_)) && !matches!(other, Address::Me)
    };
    if !(paired(&f.source, &f.destination) || paired(&f.destination, &f.source)) {
        return line;
    }
    warnings.push(format!(
        "{what} pairs a server type with an address other than me, which netsh refuses: \
         the script carries it as a comment; change the other address to me (or the server \
         type to the server's IP address) and export again"
    ));
    format!("# not importable (netsh pairs a server type only with me): {line}")
}

fn auth_problems(check: &mut Checker, auth: &[AuthMethod], what: &str) {
    let kerberos = auth.iter().filter(|a| **a == AuthMethod::Kerberos).count();
    if kerberos > 1 {
        check.problems.push(format!(
            "{what} lists Kerberos twice; netsh can name it once"
        ));
    }
    for a in auth {
        match a {
            AuthMethod::Preshared { key } => check.text(&format!("a preshared key of {what}"), key),
            AuthMethod::Certificate { root_ca } => {
                check.text(&format!("a root CA of {what}"), root_ca)
            }
            AuthMethod::Kerberos => {}
        }
        if matches!(a, AuthMethod::Preshared { key } if key.is_empty())
            || matches!(a, AuthMethod::Certificate { root_ca } if root_ca.is_empty())
        {
            check
                .problems
                .push(format!("{what} has an empty preshared key or root CA"));
        }
    }
}

fn action_line(a: &FilterAction) -> String {
    let mut line = format!("add filteraction name={}", quote(&a.name));
    if !a.description.is_empty() {
        line.push_str(&format!(" description={}", quote(&a.description)));
    }
    line.push_str(&format!(" action={}", a.behavior.word()));
    if a.session_key_pfs {
        line.push_str(" qmpfs=yes");
    }
    if a.inpass {
        line.push_str(" inpass=yes");
    }
    if a.soft {
        line.push_str(" soft=yes");
    }
    if !a.methods.is_empty() {
        line.push_str(&format!(
            " qmsecmethods={}",
            quote(&qm_methods_text(&a.methods))
        ));
    }
    line
}

pub(super) fn address(
    a: &Address,
    dir: &str,
    list: &str,
    snap: &Snapshot,
    warnings: &mut Vec<String>,
) -> String {
    match a {
        Address::Me => format!(" {dir}addr=me"),
        Address::Any => format!(" {dir}addr=any"),
        Address::Server(k) => format!(" {dir}addr={}", k.keyword()),
        Address::Dns { name, resolved } => {
            if snap.host.names.get(&name.to_ascii_lowercase()) != Some(resolved) {
                warnings.push(format!(
                    "filter list '{list}': the name {name} resolved to {resolved:?} when the \
                     filter was made, but the name table now says otherwise; the script \
                     resolves it again from the table"
                ));
            }
            format!(" {dir}addr={name}")
        }
        Address::Ip { addr, mask } => {
            if mask_prefix(*mask).is_none() {
                warnings.push(format!(
                    "filter list '{list}': mask {mask} is not contiguous; netsh (and ipsedit's \
                     import) refuse it: fix it with `ipsedit check`"
                ));
            }
            if *mask == HOST_MASK {
                format!(" {dir}addr={addr}")
            } else {
                format!(" {dir}addr={addr} {dir}mask={mask}")
            }
        }
    }
}

/// `kerberos=`, `psk=`, `rootca=` in preference order; nothing for the default
/// (Kerberos alone).
pub(super) fn auth_params(auth: &[AuthMethod]) -> String {
    if auth == [AuthMethod::Kerberos] {
        return String::new();
    }
    if auth.is_empty() {
        return " kerberos=no".into();
    }
    auth.iter()
        .map(|a| match a {
            AuthMethod::Kerberos => " kerberos=yes".to_string(),
            AuthMethod::Preshared { key } => format!(" psk={}", quote(key)),
            AuthMethod::Certificate { root_ca } => format!(" rootca={}", quote(root_ca)),
        })
        .collect()
}

fn policy_lines(snap: &Snapshot, p: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = format!("add policy name={}", quote(&p.name));
    if !p.description.is_empty() {
        line.push_str(&format!(" description={}", quote(&p.description)));
    }
    let k = &p.key_exchange;
    if k.master_key_pfs {
        line.push_str(" mmpfs=yes");
    }
    if k.lifetime_sessions != 0 {
        line.push_str(&format!(" qmpermm={}", k.lifetime_sessions));
    }
    if k.lifetime_minutes != 480 {
        line.push_str(&format!(" mmlifetime={}", k.lifetime_minutes));
    }
    line.push_str(&format!(
        " activatedefaultrule={}",
        yes_no_word(p.default_response.active)
    ));
    if p.polling_interval_min != crate::core::model::DEFAULT_POLL_MINUTES {
        line.push_str(&format!(" pollinginterval={}", p.polling_interval_min));
    }
    if !k.methods.is_empty() {
        line.push_str(&format!(
            " mmsecmethods={}",
            quote(&mm_methods_text(&k.methods))
        ));
    }
    out.push(line);
    let dr = &p.default_response;
    let default = DefaultResponse::default();
    if dr.authentication != default.authentication || !dr.methods.is_empty() || dr.session_key_pfs {
        let mut line = format!("set defaultrule policy={}", quote(&p.name));
        if dr.session_key_pfs {
            line.push_str(" qmpfs=yes");
        }
        if !dr.methods.is_empty() {
            line.push_str(&format!(
                " qmsecmethods={}",
                quote(&qm_methods_text(&dr.methods))
            ));
        }
        line.push_str(&auth_params(&dr.authentication));
        out.push(line);
    }
    for r in &p.rules {
        let (Some(l), Some(a)) = (
            snap.filter_list(r.filter_list),
            snap.filter_action(r.filter_action),
        ) else {
            continue;
        };
        let mut line = format!(
            "add rule name={} policy={} filterlist={} filteraction={}",
            quote(&r.name),
            quote(&p.name),
            quote(&l.name),
            quote(&a.name)
        );
        if let Some(t) = r.tunnel {
            line.push_str(&format!(" tunnel={t}"));
        }
        if r.connection != ConnectionType::All {
            line.push_str(&format!(" conntype={}", r.connection.word()));
        }
        line.push_str(&format!(" activate={}", yes_no_word(r.active)));
        if !r.description.is_empty() {
            line.push_str(&format!(" description={}", quote(&r.description)));
        }
        line.push_str(&auth_params(&r.authentication));
        out.push(line);
    }
    out
}
