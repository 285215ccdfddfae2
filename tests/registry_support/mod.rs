//! Helpers for the registry tests: Windows' default policies read from Samba's copy
//! (`/usr/share/samba/setup/provision.ldif`, Debian package `samba-ad-provision`), and
//! the rule for tests that need a package: FAIL under CI=true, SKIPPED loudly outside.

#![allow(dead_code)]

pub mod hive;

use ipsedit::core::interchange::registry::{ObjectSet, RawObject};

pub const PROVISION_LDIF: &str = "/usr/share/samba/setup/provision.ldif";

/// `true` when the test may run; otherwise prints SKIPPED (or panics under CI=true).
pub fn require(path: &str, package: &str, test: &str) -> bool {
    if std::path::Path::new(path).exists() {
        return true;
    }
    let msg =
        format!("{test}: {path} is missing: install the Debian package {package} (.ci/run does)");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("\n*** SKIPPED *** {msg}\n");
    false
}

fn base64(text: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The IPsec objects of an LDIF text (continuation lines joined, `::` values base64).
pub fn ldif_objects(text: &str) -> Vec<RawObject> {
    let text = text.replace("\r\n", "\n").replace("\n ", "");
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut dn = None;
        let mut attrs: Vec<(String, Vec<u8>)> = Vec::new();
        for line in block.lines().filter(|l| !l.starts_with('#')) {
            let Some((name, rest)) = line.split_once(':') else {
                continue;
            };
            let value = match rest.strip_prefix(':') {
                Some(b64) => base64(b64.trim()),
                None => rest.trim_start().as_bytes().to_vec(),
            };
            if name == "dn" {
                dn = Some(String::from_utf8_lossy(&value).into_owned());
            } else {
                attrs.push((name.to_string(), value));
            }
        }
        let Some(dn) = dn else { continue };
        if !attrs.iter().any(|(n, _)| n == "ipsecData") {
            continue;
        }
        out.push(
            RawObject::from_directory(&dn, attrs.iter().map(|(n, v)| (n.as_str(), v.as_slice())))
                .expect("an ipsec object"),
        );
    }
    out
}

/// Windows' default policies as an object set.
pub fn defaults() -> ObjectSet {
    let text = std::fs::read_to_string(PROVISION_LDIF).expect("provision.ldif is readable");
    ObjectSet {
        location: "CN=IP Security,CN=System,${DOMAINDN}".into(),
        objects: ldif_objects(&text),
        active: None,
    }
}

/// The "Version Information Object": an NFA no policy uses, whose blob is not an NFA blob.
pub const VERSION_OBJECT: &str = "ipsecNFA{6A1F5C6F-72B7-11D2-ACF0-0060B0ECCA17}";

/// Windows' default policies as a file in regedit's form (UTF-16LE with BOM), built from
/// the LDIF objects with their references rewritten as registry paths; no ActivePolicy.
/// With the version object, which no policy uses: ipsedit keeps it as read, so the file
/// comes back byte for byte.
pub fn defaults_reg() -> Vec<u8> {
    use ipsedit::core::interchange::registry::LOCAL_STORE;
    use ipsedit::core::interchange::registry::regfile::{OutKey, utf16_file, write};
    let set = defaults();
    let mut objs: Vec<&RawObject> = set.objects.iter().collect();
    objs.sort_by_key(|o| o.reference().key_name().to_ascii_lowercase());
    let values: Vec<_> = objs.iter().map(|o| o.to_values(LOCAL_STORE)).collect();
    let mut keys = vec![OutKey {
        path: format!("HKEY_LOCAL_MACHINE\\{LOCAL_STORE}"),
        values: &[],
    }];
    for (o, v) in objs.iter().zip(&values) {
        keys.push(OutKey {
            path: format!(
                "HKEY_LOCAL_MACHINE\\{LOCAL_STORE}\\{}",
                o.reference().key_name()
            ),
            values: v,
        });
    }
    utf16_file(&write(&keys))
}

/// Ignored ranges of an ISAKMP blob with `n` methods (Zero fields, versions,
/// PFS-Identity-Required): where Windows 2000 left junk and ipsedit writes zeros.
pub fn isakmp_ignored(n: usize) -> Vec<std::ops::Range<usize>> {
    let mut r = vec![36..40, 60..80];
    for i in 0..n {
        let s = 84 + 64 * i;
        r.extend([s..s + 4, s + 24..s + 36, s + 37..s + 44, s + 60..s + 64]);
    }
    r
}

/// Ignored ranges of a negotiation blob: the unused algorithm slots of each offer.
pub fn negotiation_ignored(
    blob: &ipsedit::core::interchange::registry::negotiation::NegotiationBlob,
) -> Vec<std::ops::Range<usize>> {
    let mut r = Vec::new();
    for (i, o) in blob.offers.iter().enumerate() {
        let s = 24 + 80 * i;
        for j in o.algorithms.len()..3 {
            r.push(s + 20 + 20 * j..s + 40 + 20 * j);
        }
    }
    r
}

/// A snapshot's static content with `stored` dropped, in id order, as JSON: what must
/// survive a round trip through Windows' storage.
pub fn content(s: &ipsedit::core::model::Snapshot) -> String {
    let mut s = s.clone();
    for p in &mut s.policies {
        p.stored = None;
        p.key_exchange.stored = None;
        p.default_response.rule_stored = None;
        p.default_response.action_stored = None;
        p.rules.iter_mut().for_each(|r| r.stored = None);
    }
    s.filter_lists.iter_mut().for_each(|l| l.stored = None);
    s.filter_actions.iter_mut().for_each(|a| a.stored = None);
    s.policies.sort_by_key(|p| p.id);
    s.filter_lists.sort_by_key(|l| l.id);
    s.filter_actions.sort_by_key(|a| a.id);
    s.dynamic.clear();
    s.host = Default::default();
    serde_json::to_string_pretty(&s).expect("json")
}
