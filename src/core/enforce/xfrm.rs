//! The effective table as Linux xfrm policies (`ip xfrm policy`), the kernel's IPsec
//! security policy database: the same idea as Windows IPsec filters.
//!
//! Each IPv4 row becomes a policy per direction (`dir in` and `dir out`: the engine
//! matches rows on addresses, not on a direction) with priority `PRIORITY_BASE + row
//! index`, so the kernel's "lowest priority number wins" is the table's evaluation order.
//! Permit rows are `action allow`, block rows `action block`. Negotiate rows require ESP
//! (`tmpl proto esp mode transport level required`): with no IKE daemon and no SA, the
//! kernel drops them. `inpass` makes the inbound template optional (`level use`: clear
//! inbound traffic is accepted); `soft` makes the outbound one optional (clear outbound
//! traffic goes out, the fallback a peer that does not answer IKE gets). The IPv6
//! exemption needs no policy: these IPv4 policies never see IPv6. A row without a
//! protocol but with ports becomes one policy for TCP and one for UDP. A row whose
//! selector repeats an earlier row's is never reached and is left out (the kernel refuses
//! two policies with one selector).
//!
//! xfrm has no atomic batch. [`install_plan`] orders the commands so that no intermediate
//! state is more permissive than the old or the new one: first a guard that blocks
//! everything (priority 0), then the old policies go, the new ones come, and the guard goes
//! last. [`remove_plan`] deletes exactly the recorded policies.
//!
//! Pure: returns `ip -batch` lines; `src/cli/apply.rs` runs `ip`.

use std::collections::HashSet;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::{Rule, Verdict, net_text};
use crate::core::engine::Net;

/// Priority of row 0; row N gets `PRIORITY_BASE + N`. The guard uses 0.
pub const PRIORITY_BASE: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    In,
    Out,
}

impl Dir {
    pub fn word(self) -> &'static str {
        match self {
            Dir::In => "in",
            Dir::Out => "out",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Block,
    /// Allow, but only through ESP: `required` drops clear traffic, `optional` lets it by.
    Esp {
        optional: bool,
    },
}

/// What the kernel keys a policy on: direction and selector (priority is not part of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Selector {
    pub dir: Dir,
    pub src: (u32, u8),
    pub dst: (u32, u8),
    /// 0 = any.
    pub protocol: u8,
    pub src_port: u16,
    pub dst_port: u16,
}

/// One xfrm policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub selector: Selector,
    pub priority: u32,
    pub action: Action,
    /// The table row it comes from (`None` for the guard).
    pub row: Option<usize>,
}

impl Selector {
    fn text(&self) -> String {
        let net = |(a, p): (u32, u8)| {
            let n = Net::new(std::net::Ipv4Addr::from(a), p);
            if p == 32 {
                format!("{}/32", net_text(n))
            } else {
                net_text(n)
            }
        };
        let mut s = format!("src {} dst {}", net(self.src), net(self.dst));
        if self.protocol != 0 {
            let _ = write!(s, " proto {}", self.protocol);
            if self.src_port != 0 {
                let _ = write!(s, " sport {}", self.src_port);
            }
            if self.dst_port != 0 {
                let _ = write!(s, " dport {}", self.dst_port);
            }
        }
        let _ = write!(s, " dir {}", self.dir.word());
        s
    }
}

impl Policy {
    /// The `ip -batch` line that adds it.
    pub fn add_line(&self) -> String {
        let action = match self.action {
            Action::Allow => "action allow".to_string(),
            Action::Block => "action block".to_string(),
            Action::Esp { optional } => format!(
                "action allow tmpl proto esp mode transport level {}",
                if optional { "use" } else { "required" }
            ),
        };
        format!(
            "xfrm policy add {} priority {} {action}",
            self.selector.text(),
            self.priority
        )
    }

    /// The `ip -batch` line that deletes it.
    pub fn delete_line(&self) -> String {
        format!("xfrm policy delete {}", self.selector.text())
    }
}

/// The policies for `rules`, in evaluation order.
pub fn policies(rules: &[Rule]) -> Vec<Policy> {
    let mut seen: HashSet<Selector> = HashSet::new();
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| !r.v6) {
        let ports = r.src_port != 0 || r.dst_port != 0;
        let protocols: &[u8] = match (r.protocol, ports) {
            (0, true) => &[6, 17],
            (p, _) => &[p][..],
        };
        for &protocol in protocols {
            if ports && protocol != 6 && protocol != 17 {
                continue; // ports on a protocol without ports: no packet matches
            }
            for dir in [Dir::In, Dir::Out] {
                let selector = Selector {
                    dir,
                    src: (r.src.addr, r.src.prefix),
                    dst: (r.dst.addr, r.dst.prefix),
                    protocol,
                    src_port: r.src_port,
                    dst_port: r.dst_port,
                };
                if !seen.insert(selector) {
                    continue;
                }
                let action = match (r.verdict, dir) {
                    (Verdict::Accept, _) => Action::Allow,
                    (Verdict::Drop, _) => Action::Block,
                    (Verdict::Negotiate { inpass, .. }, Dir::In) => {
                        Action::Esp { optional: inpass }
                    }
                    (Verdict::Negotiate { soft, .. }, Dir::Out) => Action::Esp { optional: soft },
                };
                out.push(Policy {
                    selector,
                    priority: PRIORITY_BASE
                        + u32::try_from(r.row).unwrap_or(u32::MAX - PRIORITY_BASE),
                    action,
                    row: Some(r.row),
                });
            }
        }
    }
    out
}

/// Guard policies blocking everything in both directions, with selectors that collide with
/// none of `taken` (source split into 2, 4, 8... prefixes until no selector repeats).
pub fn guard(taken: &[Policy]) -> Vec<Policy> {
    let used: HashSet<Selector> = taken.iter().map(|p| p.selector).collect();
    for bits in 1u8..=8 {
        let mut g = Vec::new();
        for i in 0..(1u32 << bits) {
            for dir in [Dir::In, Dir::Out] {
                g.push(Policy {
                    selector: Selector {
                        dir,
                        src: (i << (32 - u32::from(bits)), bits),
                        dst: (0, 0),
                        protocol: 0,
                        src_port: 0,
                        dst_port: 0,
                    },
                    priority: 0,
                    action: Action::Block,
                    row: None,
                });
            }
        }
        if g.iter().all(|p| !used.contains(&p.selector)) {
            return g;
        }
    }
    Vec::new()
}

/// `ip -batch` lines replacing `old` (what ipsedit installed before) with `new`.
pub fn install_plan(old: &[Policy], new: &[Policy]) -> Vec<String> {
    let taken: Vec<Policy> = old.iter().chain(new).copied().collect();
    let g = guard(&taken);
    let mut lines = Vec::new();
    lines.extend(g.iter().map(Policy::add_line));
    lines.extend(old.iter().map(Policy::delete_line));
    lines.extend(new.iter().map(Policy::add_line));
    lines.extend(g.iter().map(Policy::delete_line));
    lines
}

/// `ip -batch` lines removing exactly `installed`.
pub fn remove_plan(installed: &[Policy]) -> Vec<String> {
    installed.iter().map(Policy::delete_line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::enforce::{rules, testing::kb811832_table};

    #[test]
    fn kb811832_rows_become_prioritised_policies() {
        let t = kb811832_table(Some(1));
        let lines: Vec<String> = policies(&rules(&t, |n| n))
            .iter()
            .map(Policy::add_line)
            .collect();
        assert_eq!(
            lines,
            [
                "xfrm policy add src 10.10.1.2/32 dst 0.0.0.0/0 proto 17 sport 500 dport 500 dir in priority 100 action allow",
                "xfrm policy add src 10.10.1.2/32 dst 0.0.0.0/0 proto 17 sport 500 dport 500 dir out priority 100 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 10.10.1.2/32 proto 17 sport 500 dport 500 dir in priority 101 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 10.10.1.2/32 proto 17 sport 500 dport 500 dir out priority 101 action allow",
                "xfrm policy add src 10.10.1.2/32 dst 224.0.0.0/4 dir in priority 102 action allow",
                "xfrm policy add src 10.10.1.2/32 dst 224.0.0.0/4 dir out priority 102 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 224.0.0.0/4 dir in priority 103 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 224.0.0.0/4 dir out priority 103 action allow",
                "xfrm policy add src 10.10.1.2/32 dst 255.255.255.255/32 dir in priority 104 action allow",
                "xfrm policy add src 10.10.1.2/32 dst 255.255.255.255/32 dir out priority 104 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 255.255.255.255/32 dir in priority 105 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 255.255.255.255/32 dir out priority 105 action allow",
                "xfrm policy add src 10.10.1.2/32 dst 10.10.1.255/32 dir in priority 106 action allow",
                "xfrm policy add src 10.10.1.2/32 dst 10.10.1.255/32 dir out priority 106 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 10.10.1.255/32 dir in priority 107 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 10.10.1.255/32 dir out priority 107 action allow",
                "xfrm policy add src 0.0.0.0/0 dst 10.10.1.2/32 proto 6 dport 445 dir in priority 109 action allow tmpl proto esp mode transport level use",
                "xfrm policy add src 0.0.0.0/0 dst 10.10.1.2/32 proto 6 dport 445 dir out priority 109 action allow tmpl proto esp mode transport level required",
                "xfrm policy add src 0.0.0.0/0 dst 10.10.1.2/32 dir in priority 110 action block",
                "xfrm policy add src 0.0.0.0/0 dst 10.10.1.2/32 dir out priority 110 action block",
            ]
        );
    }

    #[test]
    fn install_guards_the_swap_and_remove_deletes_what_was_recorded() {
        let t = kb811832_table(Some(1));
        let new = policies(&rules(&t, |n| n));
        let old = vec![new[new.len() - 1]];
        let plan = install_plan(&old, &new);
        assert_eq!(
            &plan[..4],
            [
                "xfrm policy add src 0.0.0.0/1 dst 0.0.0.0/0 dir in priority 0 action block",
                "xfrm policy add src 0.0.0.0/1 dst 0.0.0.0/0 dir out priority 0 action block",
                "xfrm policy add src 128.0.0.0/1 dst 0.0.0.0/0 dir in priority 0 action block",
                "xfrm policy add src 128.0.0.0/1 dst 0.0.0.0/0 dir out priority 0 action block",
            ]
        );
        assert_eq!(
            plan[4],
            "xfrm policy delete src 0.0.0.0/0 dst 10.10.1.2/32 dir out"
        );
        assert_eq!(plan[5], new[0].add_line());
        assert_eq!(plan.len(), 4 + 1 + new.len() + 4);
        assert_eq!(
            plan[plan.len() - 1],
            "xfrm policy delete src 128.0.0.0/1 dst 0.0.0.0/0 dir out"
        );
        assert_eq!(
            remove_plan(&old),
            ["xfrm policy delete src 0.0.0.0/0 dst 10.10.1.2/32 dir out"]
        );
    }

    #[test]
    fn guard_avoids_a_selector_the_policy_uses() {
        let mut p = policies(&rules(&kb811832_table(Some(1)), |n| n));
        p[0].selector = Selector {
            dir: Dir::In,
            src: (0, 1),
            dst: (0, 0),
            protocol: 0,
            src_port: 0,
            dst_port: 0,
        };
        let g = guard(&p);
        assert_eq!(g.len(), 8);
        assert_eq!(g[0].selector.src, (0, 2));
    }
}
