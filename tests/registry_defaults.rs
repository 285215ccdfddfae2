//! Windows' three default policies, with the blobs Windows wrote (Samba's copy in
//! `provision.ldif`): they decode to the rules, filter lists and filter actions the snap-in
//! shows, their effective tables are exact, and ipsedit's own encoder (not its decoder)
//! writes the same bytes as Windows, apart from fields the spec says to ignore.

mod engine_support;
mod registry_support;

use std::collections::BTreeMap;

use engine_support::{host, rendered};
use ipsedit::core::engine::EffectiveTable;
use ipsedit::core::interchange::registry::from_model::fresh_objects;
use ipsedit::core::interchange::registry::negotiation::NegotiationBlob;
use ipsedit::core::interchange::registry::{Class, ObjRef, read_objects};
use ipsedit::core::model::{Address, AuthMethod, Behavior, OsProfile, Snapshot};
use registry_support::*;

/// (policy, [(rule, filter list, filter action, active with Kerberos)], default response active)
type PolicyShape = (String, Vec<(String, String, String, bool)>, bool);

fn read() -> Option<(Snapshot, Vec<String>)> {
    if !require(PROVISION_LDIF, "samba-ad-provision", "registry_defaults") {
        return None;
    }
    let r = read_objects(&defaults()).expect("Windows' defaults read");
    Some((r.snapshot, r.notes))
}

#[test]
fn default_policies_decode_to_what_windows_shows() {
    let Some((s, notes)) = read() else { return };
    let shape: Vec<PolicyShape> = s
        .policies
        .iter()
        .map(|p| {
            let rules = p
                .rules
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        s.filter_list(r.filter_list).expect("list").name.clone(),
                        s.filter_action(r.filter_action)
                            .expect("action")
                            .name
                            .clone(),
                        r.active && r.authentication == [AuthMethod::Kerberos],
                    )
                })
                .collect();
            (p.name.clone(), rules, p.default_response.active)
        })
        .collect();
    let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string(), true);
    assert_eq!(
        shape,
        vec![
            (
                "Server (Request Security)".to_string(),
                vec![
                    t(
                        "Permit unsecure ICMP packets to pass through.",
                        "All ICMP Traffic",
                        "Permit"
                    ),
                    t(
                        "Request Security (Optional) Rule",
                        "All IP Traffic",
                        "Request Security (Optional)"
                    ),
                ],
                true
            ),
            ("Client (Respond Only)".to_string(), vec![], true),
            (
                "Secure Server (Require Security)".to_string(),
                vec![
                    t(
                        "Permit unsecure ICMP packets to pass through.",
                        "All ICMP Traffic",
                        "Permit"
                    ),
                    t("Require Security", "All IP Traffic", "Require Security"),
                ],
                true
            ),
        ]
    );
    // Filter lists: me <-> any, mirrored.
    let lists: Vec<(String, Vec<String>)> = s
        .filter_lists
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                l.filters.iter().map(|f| f.summary()).collect(),
            )
        })
        .collect();
    assert_eq!(
        lists,
        vec![
            (
                "All IP Traffic".to_string(),
                vec!["me -> any  ANY  src *  dst *  mirrored".to_string()]
            ),
            (
                "All ICMP Traffic".to_string(),
                vec!["me -> any  ICMP  src *  dst *  mirrored".to_string()]
            ),
        ]
    );
    assert_eq!(s.filter_lists[1].filters[0].description, "ICMP");
    assert!(s.filter_lists[0].filters[0].source == Address::Me);
    // Filter actions: what netsh would call them.
    let actions: Vec<(String, Behavior, Vec<String>, bool, bool, bool)> = s
        .filter_actions
        .iter()
        .map(|a| {
            (
                a.name.clone(),
                a.behavior,
                a.methods.iter().map(|m| m.to_string()).collect(),
                a.inpass,
                a.soft,
                a.session_key_pfs,
            )
        })
        .collect();
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        actions,
        vec![
            (
                "Request Security (Optional)".to_string(),
                Behavior::Negotiate,
                v(&[
                    "ESP[3DES,SHA1]:100000k/900s",
                    "ESP[DES,SHA1]:100000k/900s",
                    "AH[SHA1]:100000k/300s",
                    "AH[MD5]:100000k/300s"
                ]),
                true,
                true,
                false
            ),
            (
                "Permit".to_string(),
                Behavior::Permit,
                vec![],
                false,
                false,
                false
            ),
            (
                "Require Security".to_string(),
                Behavior::Negotiate,
                v(&[
                    "ESP[3DES,SHA1]:100000k/900s",
                    "ESP[3DES,MD5]:100000k/900s",
                    "ESP[DES,SHA1]:100000k/900s",
                    "ESP[DES,MD5]:100000k/900s"
                ]),
                true,
                false,
                false
            ),
        ]
    );
    // Default response rules keep Windows' six default offers (held as "the defaults").
    assert!(
        s.policies
            .iter()
            .all(|p| p.default_response.methods.is_empty())
    );
    // Main mode: Windows' defaults, 480 minutes, unlimited quick modes.
    assert!(s.policies.iter().all(|p| p.key_exchange.methods.is_empty()
        && p.key_exchange.lifetime_minutes == 480
        && p.key_exchange.lifetime_sessions == 0
        && !p.key_exchange.master_key_pfs));
    assert_eq!(
        notes,
        vec![
            "ipsecNFA{6A1F5C6F-72B7-11D2-ACF0-0060B0ECCA17} (\"Version Information Object\") \
             is used by no policy; left out"
                .to_string()
        ]
    );
}

#[test]
fn default_policies_effective_tables() {
    let Some((s, _)) = read() else { return };
    let h = host(OsProfile::Ws2003, None, &[("192.0.2.10", 24)]);
    let tables: BTreeMap<String, Vec<String>> = s
        .policies
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                rendered(&EffectiveTable::build(&s, Some(p.id), &h)),
            )
        })
        .collect();
    let exempt = [
        "outbound 192.0.2.10/32 -> 0.0.0.0/0 udp 500:500 permit ike",
        "inbound 0.0.0.0/0 -> 192.0.2.10/32 udp 500:500 permit ike",
        "both ::/0 -> ::/0 any 0:0 permit ipv6",
    ];
    let with = |rows: &[&str]| {
        exempt
            .iter()
            .chain(rows)
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(tables["Client (Respond Only)"], with(&[]));
    assert_eq!(
        tables["Server (Request Security)"],
        with(&[
            "outbound 192.0.2.10/32 -> 0.0.0.0/0 1 0:0 permit w260 Permit unsecure ICMP packets to pass through.",
            "inbound 0.0.0.0/0 -> 192.0.2.10/32 1 0:0 permit w260 Permit unsecure ICMP packets to pass through.",
            "outbound 192.0.2.10/32 -> 0.0.0.0/0 any 0:0 negotiate w256 Request Security (Optional) Rule",
            "inbound 0.0.0.0/0 -> 192.0.2.10/32 any 0:0 negotiate w256 Request Security (Optional) Rule",
        ])
    );
    assert_eq!(
        tables["Secure Server (Require Security)"],
        with(&[
            "outbound 192.0.2.10/32 -> 0.0.0.0/0 1 0:0 permit w260 Permit unsecure ICMP packets to pass through.",
            "inbound 0.0.0.0/0 -> 192.0.2.10/32 1 0:0 permit w260 Permit unsecure ICMP packets to pass through.",
            "outbound 192.0.2.10/32 -> 0.0.0.0/0 any 0:0 negotiate w256 Require Security",
            "inbound 0.0.0.0/0 -> 192.0.2.10/32 any 0:0 negotiate w256 Require Security",
        ])
    );
}

/// ipsedit's encoder, fed the decoded model, writes Windows' bytes: compared with the
/// real blobs, with only the ignored fields zeroed (and the ISAKMP instance GUID, which
/// Windows sets to a GUID of its own and the model does not keep).
#[test]
fn encoder_writes_windows_bytes() {
    let Some((s, _)) = read() else { return };
    let set = defaults();
    let real: BTreeMap<ObjRef, Vec<u8>> = set
        .objects
        .iter()
        .map(|o| (o.reference(), o.data.clone()))
        .collect();
    let mut w = Default::default();
    let fresh = fresh_objects(&s, None, &mut w);
    let mut compared = 0;
    for f in &fresh {
        let r = f.object.reference();
        let want = real
            .get(&r)
            .unwrap_or_else(|| panic!("{r} is a real object"));
        let mut want = want.clone();
        let mut got = f.object.data.clone();
        match r.class {
            Class::Isakmp => {
                got[20..36].fill(0);
                for range in isakmp_ignored(4).into_iter().chain(std::iter::once(20..36)) {
                    want[range].fill(0);
                }
            }
            Class::NegotiationPolicy => {
                let b = NegotiationBlob::decode(&want).expect("decodes");
                for range in negotiation_ignored(&b) {
                    want[range].fill(0);
                }
            }
            _ => {}
        }
        assert_eq!(hexs(&got), hexs(&want), "{r}");
        compared += 1;
    }
    // 3 policies, 3 ISAKMP, 7 NFAs, 3 default-response and 2 standard actions... and the
    // 2 filter lists: every object but the unused version object.
    assert_eq!(compared, 21);
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
