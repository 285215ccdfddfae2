//! Sample snapshots built in code, for the TUI's tests and snapshot images: the KB 813878
//! policy (block UDP 1434 in and out) on a winxp-sp1 host 192.168.1.1/24, plus a second
//! policy and a negotiate action so every pane has something to show. Not used at run time.

use std::net::Ipv4Addr;

use crate::core::model::{
    Address, Behavior, Cipher, Esp, Filter, FilterAction, FilterList, HashAlg, HostContext,
    Interface, OsProfile, Policy, Protocol, Rule, SecurityMethod, Snapshot,
};

/// Exactly the KB 813878 policy as the article's ipseccmd lines make it.
pub fn kb813878() -> Snapshot {
    let mut s = Snapshot::default();
    let mut policy = Policy::new("Block UDP 1434 Filter");
    for (dir, src, dst) in [
        ("Inbound", Address::Any, Address::Me),
        ("Outbound", Address::Me, Address::Any),
    ] {
        let mut list = FilterList::new(format!("Block {dir} UDP 1434 Rule"));
        let mut f = Filter::new(src, dst);
        f.protocol = Protocol::UDP;
        f.dst_port = 1434;
        list.filters.push(f);
        let action = FilterAction::new(format!("Block {dir} UDP 1434 Rule"), Behavior::Block);
        policy.rules.push(Rule::new(
            format!("Block {dir} UDP 1434 Rule"),
            list.id,
            action.id,
        ));
        s.filter_lists.push(list);
        s.filter_actions.push(action);
    }
    s.assigned = Some(policy.id);
    s.policies.push(policy);
    s.host = HostContext {
        profile: OsProfile::WinxpSp1,
        no_default_exempt: None,
        interfaces: vec![Interface {
            addr: Ipv4Addr::new(192, 168, 1, 1),
            prefix: 24,
        }],
        ..HostContext::default()
    };
    s
}

/// KB 813878 plus an unassigned "Secure admin" policy (mirrored TCP 3389 filter, negotiate
/// ESP with soft fallback) and a server, so views 2, 3 and 6 show shared objects and more.
pub fn classroom() -> Snapshot {
    let mut s = kb813878();
    let mut list = FilterList::new("Admin RDP");
    let mut f = Filter::new(
        Address::subnet(Ipv4Addr::new(10, 0, 0, 0), Ipv4Addr::new(255, 0, 0, 0)),
        Address::Me,
    );
    f.protocol = Protocol::TCP;
    f.dst_port = 3389;
    f.mirrored = true;
    f.description = "RDP from the admin LAN".into();
    list.filters.push(f);
    let mut action = FilterAction::new("Require ESP", Behavior::Negotiate);
    action.soft = true;
    action.methods.push(SecurityMethod {
        ah: None,
        esp: Some(Esp {
            encryption: Some(Cipher::TripleDes),
            integrity: Some(HashAlg::Sha1),
        }),
        lifetime_kb: 100_000,
        lifetime_secs: 900,
    });
    let mut policy = Policy::new("Secure admin");
    policy.description = "Negotiate ESP for RDP".into();
    policy
        .rules
        .push(Rule::new("RDP needs ESP", list.id, action.id));
    s.policies.push(policy);
    s.filter_lists.push(list);
    s.filter_actions.push(action);
    s.host.dns_servers.push(Ipv4Addr::new(192, 168, 1, 53));
    s.host.gateways.push(Ipv4Addr::new(192, 168, 1, 254));
    s
}
