//! The dynamic rules of the ipseccmd export: one dynamic-mode line (no `-w`) per rule
//! ipseccmd made, `[spec]` for a block filter, `(spec)` for a permit filter, a plain spec
//! with `-n` for the rest, as ipseccmd's own import names them ("Block", "Permit",
//! "Negotiate"), so importing the line gives the rule back (id and origin aside).
//!
//! Which exporter writes which dynamic rule (by `DynamicRule::netsh`): a rule that names a
//! main-mode policy (netsh made or changed it) is `ipsedit export netsh`'s, and is only
//! named here as not written; a rule without one is written here and only named in the
//! netsh script. A rule without one whose inbound and outbound actions differ (netsh
//! `set rule actionoutbound=` on an ipseccmd rule) is written by neither: ipseccmd gives a
//! filter one action and netsh needs a main-mode policy; it is refused with the fix.

use super::script::{action_args, auth_args, spec};
use crate::core::model::{AuthMethod, Behavior, ConnectionType, DynamicRule, Snapshot};

/// The lines; what is not written goes to `lost`.
pub(super) fn lines(snap: &Snapshot, lost: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for d in &snap.dynamic {
        let what = format!("dynamic rule {}", d.filter.summary());
        if let Some(r) = &d.netsh {
            lost.push(format!(
                "{what} names main-mode policy '{}' (netsh ipsec dynamic); \
                 `ipsedit export netsh` writes it",
                r.mm_policy
            ));
            continue;
        }
        if let Some(o) = d
            .outbound
            .as_ref()
            .filter(|o| o.behavior != d.action.behavior)
        {
            lost.push(format!(
                "{what} has inbound action {} and outbound action {}; ipseccmd gives a filter \
                 one action, so it is not written: give it a main-mode policy (netsh ipsec \
                 dynamic set rule ... mmpolicy=NAME) and `ipsedit export netsh` writes it",
                d.action.behavior.word(),
                o.behavior.word()
            ));
            continue;
        }
        match line(d, lost) {
            Some(l) => out.push(l),
            None => lost.push(format!(
                "{what} uses a server type (DNS, WINS, DHCP, GATEWAY), which ipseccmd cannot \
                 name: skipped"
            )),
        }
    }
    out
}

fn line(d: &DynamicRule, lost: &mut Vec<String>) -> Option<String> {
    let s = spec(&d.filter)?;
    let a = &d.action;
    let mut l = match (a.behavior, a.name.as_str()) {
        (Behavior::Block, "Block") => format!("ipseccmd -f [{s}]"),
        (Behavior::Permit, "Permit") => format!("ipseccmd -f ({s})"),
        _ => format!("ipseccmd -f {s}{}", action_args(a, lost)),
    };
    // Without -a a dynamic rule has no method (ipseccmd's import), so Kerberos alone is
    // written out.
    if d.authentication == [AuthMethod::Kerberos] {
        l.push_str(" -a KERBEROS");
    } else {
        l.push_str(&auth_args(&d.authentication));
    }
    if let Some(t) = d.tunnel {
        l.push_str(&format!(" -t {t}"));
    }
    match d.connection {
        ConnectionType::All => {}
        ConnectionType::Lan => l.push_str(" -lan"),
        ConnectionType::RemoteAccess => l.push_str(" -dialup"),
    }
    Some(l)
}
