//! The LDAP client layer against a real Samba AD DC on loopback: TLS and bind, the raw IPsec
//! objects checked byte for byte against OpenLDAP's `ldapsearch` (an independent client),
//! and references to deleted or missing objects reported with the object named.
//! Needs root and the Samba packages (see `.ci/run`): otherwise SKIPPED, and a failure
//! under CI=true.

mod domain_support;

use std::collections::BTreeMap;

use domain_support::{BASE, Dc, PASSWORD, USER};
use ipsedit::core::domain::objects::{IpsecClass, IpsecContainer, Problem};
use ipsedit::core::domain::{Credentials, Directory, DirectoryUrl, DomainError, TlsPolicy};

fn dc() -> Option<&'static Dc> {
    domain_support::shared(domain_support::unseeded)
}

fn connect(url: &str, tls: TlsPolicy) -> Result<Directory, DomainError> {
    let url = DirectoryUrl::parse(url).expect("test URL");
    Directory::connect(&url, &Credentials::new(USER, PASSWORD), &tls)
}

fn verified(dc: &Dc) -> TlsPolicy {
    TlsPolicy::Verify {
        ca: Some(dc.ca.clone()),
    }
}

/// `dn -> attribute -> values` from `ldapsearch -LLL -o ldif-wrap=no` output.
fn parse_ldif(text: &str) -> BTreeMap<String, BTreeMap<String, Vec<Vec<u8>>>> {
    let mut out = BTreeMap::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut dn = String::new();
        let mut attrs: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
        for line in block.lines() {
            let (name, value) = if let Some((n, v)) = line.split_once(":: ") {
                (n, domain_support::base64(v))
            } else if let Some((n, v)) = line.split_once(": ") {
                (n, v.as_bytes().to_vec())
            } else {
                continue;
            };
            if name == "dn" {
                dn = String::from_utf8(value).expect("utf-8 DN");
            } else {
                attrs
                    .entry(name.to_ascii_lowercase())
                    .or_default()
                    .push(value);
            }
        }
        out.insert(dn.to_ascii_lowercase(), attrs);
    }
    out
}

#[test]
fn the_default_policies_read_byte_for_byte_like_ldapsearch_then_dangling_references() {
    let Some(dc) = dc() else { return };
    let mut dir = connect(&dc.ldaps_url(), verified(dc)).expect("LDAPS with the test CA");
    let container = IpsecContainer::read(&mut dir).expect("read CN=IP Security");
    let policies: Vec<&str> = container
        .of_class(IpsecClass::Policy)
        .filter_map(|o| o.name.as_deref())
        .collect();
    assert_eq!(
        policies,
        vec![
            "Client (Respond Only)",
            "Secure Server (Require Security)",
            "Server (Request Security)"
        ]
    );
    let counts: Vec<usize> = IpsecClass::ALL
        .iter()
        .map(|c| container.of_class(*c).count())
        .collect();
    let total: usize = counts.iter().sum();
    assert_eq!(
        container.problems,
        vec![],
        "Windows' defaults are consistent"
    );

    // The same objects through OpenLDAP's client: classes, DNs, blobs, references.
    let ldif = parse_ldif(&dc.ldapsearch(
        &container.dn,
        "(objectClass=ipsecBase)",
        &[
            "objectClass",
            "ipsecData",
            "ipsecID",
            "ipsecNFAReference",
            "ipsecOwnersReference",
        ],
    ));
    assert_eq!(
        ldif.len(),
        total,
        "ldapsearch sees as many objects ({counts:?})"
    );
    for o in &container.objects {
        let theirs = ldif
            .get(&o.dn.to_ascii_lowercase())
            .unwrap_or_else(|| panic!("ldapsearch lacks {}", o.dn));
        let data = theirs
            .get("ipsecdata")
            .map(|v| v[0].clone())
            .unwrap_or_default();
        assert_eq!(o.data, data, "ipsecData of {}", o.dn);
        assert!(!o.data.is_empty(), "{} has a blob", o.dn);
        let class = o.class.ldap_name().as_bytes().to_vec();
        assert!(
            theirs["objectclass"].contains(&class),
            "{} is {}",
            o.dn,
            o.class
        );
        let nfa: Vec<String> = o
            .references
            .iter()
            .filter(|r| r.attribute == "ipsecNFAReference")
            .map(|r| r.dn.clone())
            .collect();
        let their_nfa: Vec<String> = theirs
            .get("ipsecnfareference")
            .map(|v| {
                v.iter()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(nfa, their_nfa, "NFA references of {}", o.dn);
        assert_eq!(
            o.ipsec_id.as_deref().map(str::as_bytes),
            theirs.get("ipsecid").map(|v| v[0].as_slice())
        );
        assert!(
            o.object_guid.is_some() && o.when_changed.is_some(),
            "{}",
            o.dn
        );
    }
    let server_policy = container
        .of_class(IpsecClass::Policy)
        .find(|o| o.name.as_deref() == Some("Server (Request Security)"))
        .expect("default policy");
    assert_eq!(
        server_policy.data.len(),
        25,
        "MS-GPIPSEC's 25-byte policy blob"
    );

    // A policy whose NFA is deleted afterwards: AD keeps a \0ADEL: DN in the reference.
    let c = &container.dn;
    let nfa = format!("CN=ipsecNFA{{0badf00d-0000-4000-8000-000000000001}},{c}");
    let pol = format!("CN=ipsecPolicy{{0badf00d-0000-4000-8000-000000000002}},{c}");
    dc.ldapmodify(&format!(
        "dn: {nfa}\nchangetype: add\nobjectClass: ipsecNFA\nipsecName: doomed rule\n\
         ipsecData:: AQID\n\n\
         dn: {pol}\nchangetype: add\nobjectClass: ipsecPolicy\nipsecName: Dangling test\n\
         ipsecData:: AQID\nipsecNFAReference: {nfa}\n\n\
         dn: {nfa}\nchangetype: delete\n"
    ))
    .expect("ldapmodify adds and deletes");
    let after = IpsecContainer::read(&mut dir).expect("read again");
    let dangling: Vec<&Problem> = after.problems.iter().collect();
    assert_eq!(dangling.len(), 1, "{dangling:#?}");
    let text = dangling[0].to_string();
    assert!(
        text.starts_with(&format!(
            "ipsecPolicy 'Dangling test' ({pol}): ipsecNFAReference points to a deleted object \
             (CN=ipsecNFA{{0badf00d-0000-4000-8000-000000000001}}\\0ADEL:"
        )),
        "{text}"
    );
    assert!(
        text.ends_with(": remove the reference or restore the object"),
        "{text}"
    );
    dc.ldapmodify(&format!("dn: {pol}\nchangetype: delete\n"))
        .expect("clean up");
    dir.close();
}

#[test]
fn starttls_on_plain_ldap_binds_and_reads() {
    let Some(dc) = dc() else { return };
    let mut dir = connect(&dc.ldap_url(), verified(dc)).expect("StartTLS with the test CA");
    let root = dir
        .search(
            BASE,
            ipsedit::core::domain::connection::SearchScope::Base,
            "(objectClass=*)",
            &["name"],
        )
        .expect("base entry");
    assert_eq!(root.len(), 1);
    assert_eq!(root[0].text("name").as_deref(), Some("example"));
    dir.close();
}

#[test]
fn an_unverified_certificate_is_refused_unless_insecure() {
    let Some(dc) = dc() else { return };
    let Err(e) = connect(&dc.ldaps_url(), TlsPolicy::Verify { ca: None }) else {
        panic!("the test CA is in no system store: the connection must fail");
    };
    let text = e.to_string();
    assert!(
        text.starts_with("cannot connect to ldaps://127.0.0.1:636/DC=example,DC=test: ")
            && text.ends_with(
                ": set IPSEDIT_LDAP_CA to the PEM file of the domain's CA (or, in a lab only, \
                 pass --insecure-tls)"
            ),
        "{text}"
    );
    let dir = connect(&dc.ldaps_url(), TlsPolicy::Insecure).expect("insecure still binds");
    assert!(dir.insecure);
    dir.close();
}

#[test]
fn a_wrong_password_is_a_bind_error_naming_the_user() {
    let Some(dc) = dc() else { return };
    let url = DirectoryUrl::parse(&dc.ldaps_url()).expect("url");
    let Err(e) = Directory::connect(&url, &Credentials::new(USER, "wrong"), &verified(dc)) else {
        panic!("a wrong password must not bind");
    };
    let text = e.to_string();
    assert!(
        text.starts_with(
            "the bind as Administrator@EXAMPLE.TEST to ldaps://127.0.0.1:636/DC=example,DC=test \
             was refused: invalid credentials (49)"
        ),
        "{text}"
    );
}
