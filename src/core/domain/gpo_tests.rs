//! Group Policy resolution on hand-built trees, with exact answers.

use super::*;

const D: &str = "DC=example,DC=test";

fn gpo_dn(n: &str) -> String {
    format!("CN={{{n}}},CN=Policies,CN=System,{D}")
}

fn link(n: &str, options: u32) -> String {
    format!("[LDAP://{};{options}]", gpo_dn(n).to_lowercase())
}

fn som(dn: &str, links: &[(&str, u32)], block: bool) -> Som {
    let text: String = links.iter().map(|(n, o)| link(n, *o)).collect();
    Som {
        dn: dn.to_string(),
        links: parse_gplink(&text).expect("valid gPLink"),
        block_inheritance: block,
    }
}

fn gpo(n: &str, ipsec: Option<&str>) -> Gpo {
    Gpo {
        dn: gpo_dn(n),
        display_name: format!("GPO {n}"),
        computer_disabled: false,
        ipsec_policy: ipsec.map(|p| format!("CN=ipsecPolicy{{{p}}},CN=IP Security,CN=System,{D}")),
    }
}

/// Domain links A (IPsec PA); Sales links B (PB) then C (PC); East under Sales links D
/// (no IPsec); Lab blocks inheritance and links nothing; Quiet links only a disabled link.
fn tree() -> GroupPolicy {
    let mut gp = GroupPolicy::new(D);
    gp.add_som(som(D, &[("A", 0)], false));
    gp.add_som(som(&format!("OU=Sales,{D}"), &[("B", 0), ("C", 0)], false));
    gp.add_som(som(&format!("OU=East,OU=Sales,{D}"), &[("D", 0)], false));
    gp.add_som(som(&format!("OU=Lab,{D}"), &[], true));
    gp.add_som(som(&format!("OU=Quiet,{D}"), &[("B", 1)], false));
    for (n, p) in [
        ("A", Some("PA")),
        ("B", Some("PB")),
        ("C", Some("PC")),
        ("D", None),
    ] {
        gp.add_gpo(gpo(n, p));
    }
    gp
}

fn winner(gp: &GroupPolicy, container: &str) -> Option<(String, String)> {
    gp.resolve(container).ipsec.map(|i| (i.gpo_name, i.som_dn))
}

fn applied(gp: &GroupPolicy, container: &str) -> Vec<String> {
    gp.resolve(container)
        .applied
        .into_iter()
        .map(|a| {
            format!(
                "{}{}",
                a.display_name,
                if a.enforced { " (enforced)" } else { "" }
            )
        })
        .collect()
}

#[test]
fn parses_gplink_options_in_stored_order() {
    let links = parse_gplink(" [LDAP://cn=a,dc=x;0][LDAP://CN=b,DC=x;1] [ldap://cn=c,dc=x;2]")
        .expect("valid");
    assert_eq!(
        links,
        vec![
            GpLink {
                gpo_dn: "cn=a,dc=x".into(),
                disabled: false,
                enforced: false
            },
            GpLink {
                gpo_dn: "CN=b,DC=x".into(),
                disabled: true,
                enforced: false
            },
            GpLink {
                gpo_dn: "cn=c,dc=x".into(),
                disabled: false,
                enforced: true
            },
        ]
    );
    assert_eq!(parse_gplink(" ").expect("blank"), vec![]);
    assert_eq!(
        parse_gplink("[LDAP://cn=a;x]").expect_err("bad options"),
        "gPLink '[LDAP://cn=a;x]': options 'x' of link 'LDAP://cn=a;x' are not a number"
    );
    assert_eq!(
        parse_gplink("[LDAP://cn=a;0").expect_err("unclosed"),
        "gPLink '[LDAP://cn=a;0': a link is not closed by ']'"
    );
    assert_eq!(
        parse_gplink("[cn=a;0]").expect_err("no scheme"),
        "gPLink '[cn=a;0]': link 'cn=a;0' does not start with LDAP://"
    );
}

#[test]
fn the_closest_container_and_the_last_link_win() {
    let gp = tree();
    assert_eq!(
        winner(&gp, &format!("CN=Computers,{D}")),
        Some(("GPO A".into(), D.into())),
        "a plain container inherits the domain's links"
    );
    assert_eq!(
        applied(&gp, &format!("OU=East,OU=Sales,{D}")),
        vec!["GPO A", "GPO B", "GPO C", "GPO D"]
    );
    assert_eq!(
        winner(&gp, &format!("OU=East,OU=Sales,{D}")),
        Some(("GPO C".into(), format!("OU=Sales,{D}"))),
        "D carries no IPsec policy, so Sales' link order 1 (the last entry, C) decides"
    );
    assert_eq!(
        winner(&gp, "ou=sales,dc=EXAMPLE,dc=test"),
        Some(("GPO C".into(), format!("OU=Sales,{D}"))),
        "DNs compare case-insensitively"
    );
}

#[test]
fn blocked_inheritance_and_disabled_links_drop_gpos() {
    let gp = tree();
    assert_eq!(applied(&gp, &format!("OU=Lab,{D}")), Vec::<String>::new());
    assert_eq!(
        winner(&gp, &format!("OU=Lab,{D}")),
        None,
        "the local policy applies"
    );
    assert_eq!(applied(&gp, &format!("OU=Quiet,{D}")), vec!["GPO A"]);
    let mut off = tree();
    off.add_gpo(Gpo {
        computer_disabled: true,
        ..gpo("C", Some("PC"))
    });
    assert_eq!(
        winner(&off, &format!("OU=Sales,{D}")),
        Some(("GPO B".into(), format!("OU=Sales,{D}"))),
        "a GPO with its computer settings disabled gives computers nothing"
    );
}

#[test]
fn enforced_links_pass_blocks_and_the_highest_enforced_wins() {
    let mut gp = tree();
    gp.add_som(som(D, &[("A", 0), ("E", 2)], false));
    gp.add_gpo(gpo("E", Some("PE")));
    gp.add_som(som(&format!("OU=Lab,{D}"), &[("F", 2)], true));
    gp.add_gpo(gpo("F", Some("PF")));
    assert_eq!(
        applied(&gp, &format!("OU=Lab,{D}")),
        vec!["GPO F (enforced)", "GPO E (enforced)"],
        "the block stops A but not the enforced E; enforced links go closest first"
    );
    assert_eq!(
        winner(&gp, &format!("OU=Lab,{D}")),
        Some(("GPO E".into(), D.into()))
    );
    assert_eq!(
        winner(&gp, &format!("OU=East,OU=Sales,{D}")),
        Some(("GPO E".into(), D.into())),
        "an enforced domain link beats the closer Sales links"
    );
}

#[test]
fn links_to_missing_gpos_are_reported_not_fatal() {
    let mut gp = tree();
    gp.add_som(som(&format!("OU=Lab,{D}"), &[("GONE", 0)], true));
    let r = gp.resolve(&format!("OU=Lab,{D}"));
    assert_eq!(r.missing_gpos, vec![gpo_dn("GONE").to_lowercase()]);
    assert_eq!(r.ipsec, None);
}

#[test]
fn assignment_objects_name_their_gpo() {
    let g = gpo_dn("31B2F340-016D-11D2-945F-00C04FB984F9");
    assert_eq!(gpo_of_assignment(&assignment_dn(&g)), Some(g.as_str()));
    assert_eq!(
        gpo_of_assignment(&format!("CN=Other,CN=Windows,CN=Microsoft,CN=Machine,{g}")),
        None
    );
    assert_eq!(gpo_of_assignment("CN=IPSEC,DC=x"), None);
}
