//! Enforcement on a Linux kernel: the effective table compiled to nftables text (`nft`)
//! and to `ip xfrm policy` commands (`xfrm`), and the lab's address mapping (`map`).
//!
//! Pure text generation: nothing here spawns a process, opens a socket or reads the host.
//! The CLI (`src/cli/apply.rs`, `src/cli/lab/`) loads what this produces. Nothing from the
//! store (policy, rule or list names) is written into the generated text: rules are
//! labelled with the row index and fixed words only, so a name cannot inject syntax.
//!
//! Shared model: [`rules`] turns the table into [`Rule`]s in evaluation order (exemption
//! rows first, then filter rows by weight), optionally through an address map. Both
//! backends keep that order: nft as rule order in one chain per hook, xfrm as priorities
//! (`PRIORITY_BASE + row index`, lower wins).

pub mod map;
pub mod nft;
pub mod xfrm;

use serde::{Deserialize, Serialize};

use crate::core::engine::{EffectiveTable, Net, Row};
use crate::core::model::Behavior;

/// What a compiled rule does with a matching packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Accept,
    Drop,
    /// Negotiate security: only protected traffic, except inbound clear traffic with
    /// `inpass` and outbound fallback to clear with `soft`.
    Negotiate {
        inpass: bool,
        soft: bool,
    },
}

/// One row of the effective table, ready for a backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The row's index in the effective table.
    pub row: usize,
    /// The IPv6 exemption row: matches all IPv6 and no IPv4.
    pub v6: bool,
    pub src: Net,
    pub dst: Net,
    /// 0 = any.
    pub protocol: u8,
    /// 0 = any.
    pub src_port: u16,
    pub dst_port: u16,
    pub verdict: Verdict,
    /// Fixed words naming the row's origin ("kerberos exemption", "filter", "dynamic").
    pub label: &'static str,
}

/// The rules of `table` in evaluation order, each address prefix passed through `map`
/// (the identity for `apply`; the lab's documentation-range mapping for `lab`).
pub fn rules(table: &EffectiveTable, map: impl Fn(Net) -> Net) -> Vec<Rule> {
    table
        .rows
        .iter()
        .map(|r| Rule {
            row: r.index,
            v6: r.header.v6,
            src: map(r.header.src),
            dst: map(r.header.dst),
            protocol: r.header.protocol,
            src_port: r.header.src_port,
            dst_port: r.header.dst_port,
            verdict: verdict(r),
            label: label(r),
        })
        .collect()
}

fn verdict(r: &Row) -> Verdict {
    match r.action {
        Behavior::Permit => Verdict::Accept,
        Behavior::Block => Verdict::Drop,
        Behavior::Negotiate => Verdict::Negotiate {
            inpass: r.inpass,
            soft: r.soft,
        },
    }
}

fn label(r: &Row) -> &'static str {
    use crate::core::engine::{Exemption, OriginKind};
    match (r.origin.kind, r.origin.exemption) {
        (OriginKind::Exemption, Some(Exemption::Kerberos)) => "kerberos exemption",
        (OriginKind::Exemption, Some(Exemption::Ike)) => "ike exemption",
        (OriginKind::Exemption, Some(Exemption::Rsvp)) => "rsvp exemption",
        (OriginKind::Exemption, Some(Exemption::Multicast)) => "multicast exemption",
        (OriginKind::Exemption, Some(Exemption::Broadcast)) => "broadcast exemption",
        (OriginKind::Exemption, Some(Exemption::Ipv6)) => "ipv6 exemption",
        (OriginKind::Exemption, None) => "exemption",
        (OriginKind::Filter, _) => "filter",
        (OriginKind::Dynamic, _) => "dynamic rule",
    }
}

/// `a.b.c.d/len`, or `a.b.c.d` for a host.
pub fn net_text(n: Net) -> String {
    let a = std::net::Ipv4Addr::from(n.addr);
    if n.prefix == 32 {
        a.to_string()
    } else {
        format!("{a}/{}", n.prefix)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::core::engine::EffectiveTable;
    use crate::core::model::{
        Address, Behavior, Filter, FilterAction, FilterList, HostContext, Id, Interface, OsProfile,
        Policy, Protocol, Rule, Snapshot,
    };

    /// KB 811832's block-all-inbound policy on winxp-sp1, host 10.10.1.2/24, plus one
    /// negotiate rule (TCP 445 to me, inpass) so that every verdict kind appears.
    pub fn kb811832_table(nde: Option<u32>) -> EffectiveTable {
        let mut s = Snapshot::default();
        let mut host = HostContext {
            profile: OsProfile::WinxpSp1,
            ..HostContext::default()
        };
        host.interfaces = vec![Interface {
            addr: "10.10.1.2".parse().expect("ip"),
            prefix: 24,
        }];
        host.no_default_exempt = nde;
        s.host = host.clone();
        let block = FilterAction::new("Block", Behavior::Block);
        let mut neg = FilterAction::new("Secure SMB", Behavior::Negotiate);
        neg.inpass = true;
        let mut all = FilterList::new("All inbound");
        all.filters.push(Filter::new(Address::Any, Address::Me));
        let mut smb = FilterList::new("SMB");
        let mut f = Filter::new(Address::Any, Address::Me);
        f.protocol = Protocol(6);
        f.dst_port = 445;
        smb.filters.push(f);
        let mut p = Policy::new("Block All Inbound");
        p.rules
            .push(Rule::new("Block all inbound", all.id, block.id));
        p.rules.push(Rule::new("Secure SMB", smb.id, neg.id));
        let pid: Id = p.id;
        s.filter_actions.extend([block, neg]);
        s.filter_lists.extend([all, smb]);
        s.policies.push(p);
        s.assigned = Some(pid);
        EffectiveTable::build(&s, None, &host)
    }
}
