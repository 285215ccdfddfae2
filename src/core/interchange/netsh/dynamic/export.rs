//! The dynamic part of the netsh export: `ipsec dynamic add mmpolicy`, `add qmpolicy`,
//! then `add rule` for each rule a `netsh ipsec dynamic` command made (policies first, so
//! every rule finds the policies it names on import). Applying the lines to an empty store
//! gives the same policies and rules (ids and `origin` aside).
//!
//! Which exporter writes which dynamic rule (by `DynamicRule::netsh`): a rule that names a
//! main-mode policy (made or changed by netsh) is written here; a rule ipseccmd made names
//! none, netsh cannot add it without one, so `ipsedit export ipseccmd` writes it and this
//! script only names it in a comment and a warning. Neither writes a rule the other
//! writes, so running both scripts gives every rule once.

use super::super::export::{address, auth_params, quotable, quote};
use super::super::values::{mm_methods_text, protocol_word, qm_methods_text, yes_no_word};
use crate::core::model::{
    AuthMethod, Behavior, ConnectionType, DynamicRule, NetshRuleRefs, Snapshot,
};

/// What keeps the dynamic part from being written: unquotable or duplicate names.
pub fn problems(snap: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    let spd = &snap.host.spd;
    for (kind, names) in [
        (
            "dynamic mmpolicy",
            spd.mm_policies
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "dynamic qmpolicy",
            spd.qm_policies.iter().map(|p| p.name.as_str()).collect(),
        ),
    ] {
        let mut seen = std::collections::HashSet::new();
        for n in names {
            if n.trim().is_empty() || !quotable(n) {
                out.push(format!(
                    "a {kind} is named '{n}': netsh needs a name without quotes or line \
                     breaks: rename it"
                ));
            } else if !seen.insert(n.to_lowercase()) {
                out.push(format!(
                    "two {kind}s are named '{n}' (ignoring case): rename one"
                ));
            }
        }
    }
    for d in snap.dynamic.iter().filter(|d| d.netsh.is_some()) {
        for a in &d.authentication {
            let text = match a {
                AuthMethod::Preshared { key } => key,
                AuthMethod::Certificate { root_ca } => root_ca,
                AuthMethod::Kerberos => continue,
            };
            if text.is_empty() || !quotable(text) {
                out.push(format!(
                    "dynamic rule {}: a preshared key or root CA is empty or holds a quote",
                    d.filter.summary()
                ));
            }
        }
        if let Some(r) = &d.netsh
            && [Some(&r.mm_policy), r.qm_policy.as_ref()]
                .into_iter()
                .flatten()
                .any(|n| n.trim().is_empty() || !quotable(n))
        {
            out.push(format!(
                "dynamic rule {} names a policy netsh cannot quote",
                d.filter.summary()
            ));
        }
    }
    out
}

/// The lines, and warnings for what is left to the ipseccmd export or cannot be imported.
pub fn lines(snap: &Snapshot, warnings: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for p in &snap.host.spd.mm_policies {
        let mut line = format!("ipsec dynamic add mmpolicy name={}", quote(&p.name));
        if p.qm_per_mm != 0 {
            line.push_str(&format!(" qmpermm={}", p.qm_per_mm));
        }
        if p.lifetime_minutes != 480 {
            line.push_str(&format!(" mmlifetime={}", p.lifetime_minutes));
        }
        if p.soft_sa_expiration_secs != 0 {
            line.push_str(&format!(
                " softsaexpirationtime={}",
                p.soft_sa_expiration_secs
            ));
        }
        if !p.methods.is_empty() {
            line.push_str(&format!(
                " mmsecmethods={}",
                quote(&mm_methods_text(&p.methods))
            ));
        }
        out.push(line);
    }
    for p in &snap.host.spd.qm_policies {
        let mut line = format!("ipsec dynamic add qmpolicy name={}", quote(&p.name));
        if p.soft {
            line.push_str(" soft=yes");
        }
        line.push_str(&format!(" pfsgroup={}", p.pfs_group.word()));
        if !p.methods.is_empty() {
            line.push_str(&format!(
                " qmsecmethods={}",
                quote(&qm_methods_text(&p.methods))
            ));
        }
        out.push(line);
    }
    for d in &snap.dynamic {
        match &d.netsh {
            Some(refs) => out.push(rule_line(snap, d, refs, warnings)),
            None => {
                warnings.push(format!(
                    "dynamic rule {} came from ipseccmd and names no main-mode policy, so \
                     netsh cannot add it: `ipsedit export ipseccmd` writes it",
                    d.filter.summary()
                ));
                out.push(format!(
                    "# dynamic rule from ipseccmd, written by `ipsedit export ipseccmd`: {}",
                    d.origin.replace(|c: char| c.is_control(), " ")
                ));
            }
        }
    }
    out
}

fn rule_line(
    snap: &Snapshot,
    d: &DynamicRule,
    refs: &NetshRuleRefs,
    warnings: &mut Vec<String>,
) -> String {
    let f = &d.filter;
    let what = format!("dynamic rule {}", f.summary());
    let mut line = "ipsec dynamic add rule".to_string();
    line.push_str(&address(&f.source, "src", &what, snap, warnings));
    line.push_str(&address(&f.destination, "dst", &what, snap, warnings));
    line.push_str(&format!(" mmpolicy={}", quote(&refs.mm_policy)));
    if let Some(q) = &refs.qm_policy {
        line.push_str(&format!(" qmpolicy={}", quote(q)));
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
    if d.connection != ConnectionType::All {
        line.push_str(&format!(" conntype={}", d.connection.word()));
    }
    if let Some(t) = d.tunnel {
        line.push_str(&format!(" tunneldstaddress={t}"));
    }
    let inbound: Behavior = d.action.behavior;
    let outbound = d.outbound.as_ref().map_or(inbound, |o| o.behavior);
    line.push_str(&format!(
        " actioninbound={} actionoutbound={}",
        inbound.word(),
        outbound.word()
    ));
    line.push_str(&auth_params(&d.authentication));
    super::super::export::importable(line, f, &what, warnings)
}
