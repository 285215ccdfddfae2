//! Writes ipseccmd command lines (`ipseccmd -file` input) that rebuild a store's static
//! policies as far as ipseccmd can, and says plainly what it cannot: ipseccmd gives every
//! rule its own filter list and filter action (named after the rule), so sharing, the
//! lists' and actions' own names and all descriptions are lost; it cannot make an inactive
//! rule, a rule without filters, or a filter on a DNS/WINS/DHCP/GATEWAY server type.
//! Every such loss is a `#` comment in the script and an entry of `lost`. The whole-store
//! script ends with the dynamic rules ipseccmd made (`dynamic`).

use std::collections::HashMap;

use crate::core::model::{
    Address, AuthMethod, Behavior, ConnectionType, Filter, FilterAction, HOST_MASK, HashAlg, Id,
    Policy, SecurityMethod, Snapshot,
};

/// The script and what it could not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpseccmdExport {
    pub script: String,
    pub lost: Vec<String>,
}

fn hash_word(h: Option<HashAlg>) -> &'static str {
    match h {
        Some(HashAlg::Md5) => "MD5",
        Some(HashAlg::Sha1) => "SHA",
        None => "NONE",
    }
}

fn method_word(m: &SecurityMethod, pfs: bool) -> String {
    let mut parts = Vec::new();
    if let Some(ah) = m.ah {
        parts.push(format!("AH[{}]", hash_word(Some(ah))));
    }
    if let Some(esp) = m.esp {
        parts.push(format!(
            "ESP[{},{}]",
            esp.encryption.map_or("NONE", |c| c.word()),
            hash_word(esp.integrity)
        ));
    }
    let mut s = parts.join("+");
    match (m.lifetime_secs, m.lifetime_kb) {
        (0, 0) => {}
        (s_, 0) => s.push_str(&format!("{s_}S")),
        (0, k) => s.push_str(&format!("{k}K")),
        (s_, k) => s.push_str(&format!("{s_}S/{k}K")),
    }
    if pfs {
        s.push_str("PFS");
    }
    s
}

fn address(a: &Address) -> Option<String> {
    match a {
        Address::Me => Some("0".into()),
        Address::Any => Some("*".into()),
        Address::Ip { addr, mask } if *mask == HOST_MASK => Some(addr.to_string()),
        Address::Ip { addr, mask } => Some(format!("{addr}/{mask}")),
        Address::Dns { name, .. } => Some(name.clone()),
        Address::Server(_) => None,
    }
}

/// One filter spec: `SRC[:PORT]=DST[:PORT][:PROTO]` (`+` when mirrored).
pub fn spec(f: &Filter) -> Option<String> {
    let mut s = address(&f.source)?;
    if f.src_port != 0 {
        s.push_str(&format!(":{}", f.src_port));
    }
    s.push(if f.mirrored { '+' } else { '=' });
    s.push_str(&address(&f.destination)?);
    let proto = (!f.protocol.is_any()).then(|| {
        f.protocol
            .name()
            .filter(|n| matches!(*n, "ICMP" | "TCP" | "UDP" | "RAW"))
            .map_or(f.protocol.0.to_string(), str::to_string)
    });
    match (f.dst_port, proto) {
        (0, None) => {}
        (0, Some(p)) => s.push_str(&format!("::{p}")),
        (d, None) => s.push_str(&format!(":{d}")),
        (d, Some(p)) => s.push_str(&format!(":{d}:{p}")),
    }
    Some(s)
}

pub(super) fn action_args(a: &FilterAction, lost: &mut Vec<String>) -> String {
    match a.behavior {
        Behavior::Block => " -n BLOCK".into(),
        Behavior::Permit => " -n PASS".into(),
        Behavior::Negotiate => {
            let mut words: Vec<String> = a
                .methods
                .iter()
                .map(|m| method_word(m, a.session_key_pfs))
                .collect();
            if a.methods.is_empty() {
                lost.push(format!(
                    "filter action '{}' offers Windows' default methods; ipseccmd writes its \
                     own default list (ESP[3DES,SHA], ESP[3DES,MD5], ESP[DES,SHA], ESP[DES,MD5])",
                    a.name
                ));
            }
            if a.inpass {
                words.push("INPASS".into());
            }
            let mut s = if words.is_empty() {
                String::new()
            } else {
                format!(" -n {}", words.join(" "))
            };
            if a.soft {
                s.push_str(" -soft");
            }
            s
        }
    }
}

pub(super) fn auth_args(auth: &[AuthMethod]) -> String {
    if auth.is_empty() || auth == [AuthMethod::Kerberos] {
        return String::new();
    }
    let words: Vec<String> = auth
        .iter()
        .map(|a| match a {
            AuthMethod::Kerberos => "KERBEROS".into(),
            AuthMethod::Preshared { key } => format!("PRESHARE:\"{key}\""),
            AuthMethod::Certificate { root_ca } => format!("CERT:\"{root_ca}\""),
        })
        .collect();
    format!(" -a {}", words.join(" "))
}

fn main_mode_args(p: &Policy) -> String {
    let k = &p.key_exchange;
    let mut s = String::new();
    if !k.methods.is_empty() {
        let m: Vec<String> = k
            .methods
            .iter()
            .map(|m| {
                let g = m.dh_group.number();
                format!(
                    "{}-{}-{g}",
                    m.encryption.word(),
                    hash_word(Some(m.integrity))
                )
            })
            .collect();
        s.push_str(&format!(" -1s {}", m.join(" ")));
    }
    let mut rekey = Vec::new();
    if k.lifetime_sessions != 0 {
        rekey.push(format!("{}Q", k.lifetime_sessions));
    }
    if k.lifetime_minutes != 480 {
        rekey.push(format!("{}S", u64::from(k.lifetime_minutes) * 60));
    }
    if !rekey.is_empty() {
        s.push_str(&format!(" -1k {}", rekey.join("/")));
    }
    if k.master_key_pfs {
        s.push_str(" -1p");
    }
    s
}

fn policy_switch(p: &Policy) -> String {
    if p.polling_interval_min == crate::core::model::DEFAULT_POLL_MINUTES {
        format!("-p \"{}\"", p.name)
    } else {
        format!("-p \"{}:{}\"", p.name, p.polling_interval_min)
    }
}

/// The script for every policy, or only `policy`. Errs with the name when no such policy.
pub fn export(snap: &Snapshot, policy: Option<&str>) -> Result<IpseccmdExport, String> {
    let policies: Vec<&Policy> = match policy {
        Some(n) => vec![snap.policy_named(n).ok_or_else(|| n.to_string())?],
        None => snap.policies.iter().collect(),
    };
    let mut lost = Vec::new();
    let mut lines = vec![
        "# ipseccmd commands written by ipsedit (ipseccmd -file on Windows XP SP2 / Server \
         2003, or ipsedit ipseccmd -file)."
            .to_string(),
    ];
    // How many rules use each list/action: ipseccmd cannot share them.
    let mut list_users: HashMap<Id, usize> = HashMap::new();
    let mut action_users: HashMap<Id, usize> = HashMap::new();
    for p in &snap.policies {
        for r in &p.rules {
            *list_users.entry(r.filter_list).or_default() += 1;
            *action_users.entry(r.filter_action).or_default() += 1;
        }
    }
    for p in &policies {
        if !p.description.is_empty() {
            lost.push(format!("the description of policy '{}'", p.name));
        }
        let head = format!("ipseccmd -w REG {}", policy_switch(p));
        let mm = main_mode_args(p);
        let mut wrote = false;
        for r in &p.rules {
            let what = format!("rule '{}' of policy '{}'", r.name, p.name);
            let (Some(list), Some(action)) = (
                snap.filter_list(r.filter_list),
                snap.filter_action(r.filter_action),
            ) else {
                lost.push(format!(
                    "{what}: its filter list or action is missing; skipped"
                ));
                continue;
            };
            if !r.active {
                lost.push(format!(
                    "{what} is inactive; ipseccmd cannot make an inactive rule: skipped"
                ));
                continue;
            }
            if list_users.get(&list.id).copied().unwrap_or(0) > 1 {
                lost.push(format!(
                    "filter list '{}' is shared by several rules; ipseccmd gives {what} its own copy",
                    list.name
                ));
            }
            if action_users.get(&action.id).copied().unwrap_or(0) > 1 {
                lost.push(format!(
                    "filter action '{}' is shared by several rules; ipseccmd gives {what} its own copy",
                    action.name
                ));
            }
            if !r.description.is_empty()
                || !list.description.is_empty()
                || !action.description.is_empty()
                || list.filters.iter().any(|f| !f.description.is_empty())
            {
                lost.push(format!(
                    "descriptions of {what}, its filter list, action or filters"
                ));
            }
            let mut specs = Vec::new();
            for f in &list.filters {
                match spec(f) {
                    Some(s) => specs.push(s),
                    None => lost.push(format!(
                        "a filter of '{}' uses a server type (DNS, WINS, DHCP, GATEWAY), which \
                         ipseccmd cannot name: skipped",
                        list.name
                    )),
                }
            }
            if specs.is_empty() {
                lost.push(format!("{what} has no filter ipseccmd can write: skipped"));
                continue;
            }
            let mut line = format!("{head} -r \"{}\" -f {}", r.name, specs.join(" "));
            line.push_str(&action_args(action, &mut lost));
            line.push_str(&auth_args(&r.authentication));
            if let Some(t) = r.tunnel {
                line.push_str(&format!(" -t {t}"));
            }
            match r.connection {
                ConnectionType::All => {}
                ConnectionType::Lan => line.push_str(" -lan"),
                ConnectionType::RemoteAccess => line.push_str(" -dialup"),
            }
            line.push_str(&mm);
            lines.push(line);
            wrote = true;
        }
        let dr = &p.default_response;
        if dr.active {
            let mut line = format!("{head} -f DEFAULT");
            if !dr.methods.is_empty() {
                let m: Vec<String> = dr.methods.iter().map(|m| method_word(m, false)).collect();
                line.push_str(&format!(" -n {}", m.join(" ")));
            }
            line.push_str(&auth_args(&dr.authentication));
            lines.push(line);
            wrote = true;
        }
        if !wrote {
            lines.push(format!("{head}{mm}"));
        }
        if snap.assigned == Some(p.id) {
            lines.push(format!("{head} -x"));
        }
    }
    if policy.is_none() {
        lines.extend(super::dynamic::lines(snap, &mut lost));
    }
    if policy.is_none() && snap.host.no_default_exempt.is_some() {
        lost.push(
            "NoDefaultExempt is a registry value, not an ipseccmd setting (see the reg add \
             comment)"
                .into(),
        );
        if let Some(v) = snap.host.no_default_exempt {
            lines.push(format!(
                "# reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\IPSEC /v NoDefaultExempt /t REG_DWORD /d {v}"
            ));
        }
    }
    lost.dedup();
    let mut script = String::new();
    for l in &lost {
        script.push_str(&format!("# not expressible in ipseccmd: {l}\n"));
    }
    script.push_str(&lines.join("\n"));
    script.push('\n');
    Ok(IpseccmdExport { script, lost })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Protocol;
    use std::net::Ipv4Addr;

    #[test]
    fn specs() {
        let mut f = Filter::new(Address::Any, Address::Me);
        f.protocol = Protocol::UDP;
        f.dst_port = 1434;
        assert_eq!(spec(&f).as_deref(), Some("*=0:1434:UDP"));
        f.mirrored = true;
        f.dst_port = 0;
        assert_eq!(spec(&f).as_deref(), Some("*+0::UDP"));
        let g = Filter::new(
            Address::subnet(Ipv4Addr::new(10, 0, 0, 0), Ipv4Addr::new(255, 0, 0, 0)),
            Address::Any,
        );
        assert_eq!(spec(&g).as_deref(), Some("10.0.0.0/255.0.0.0=*"));
    }
}
