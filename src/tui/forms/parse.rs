//! Field syntax: text as the admin types it in a form, to model values and back. Runs on
//! every keystroke, so it only checks syntax; the engine checks meaning. Messages quote the
//! offending text and say what is accepted.

use std::net::Ipv4Addr;

use crate::core::interchange::netsh::field;

use crate::core::model::{
    Address, AuthMethod, Cipher, Esp, HashAlg, HostContext, Interface, Protocol, SecurityMethod,
    mask_prefix,
};

/// An address field: the netsh importer's own checks (`netsh::field`), so a value the
/// import refuses is refused here in the same words. The form also takes `a.b.c.d/MASK`
/// in one field (the mask part checked as `srcmask=`), and ipseccmd's `0` (me) and `*`
/// (any). A non-ASCII character is pointed at as well, since it is often a pasted dash.
pub fn address(text: &str, host: &HostContext) -> Result<Address, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(
            "required: me, any, an address, a subnet (a.b.c.d/24) or DNS/WINS/DHCP/GATEWAY".into(),
        );
    }
    match t {
        "0" => return Ok(Address::Me),
        "*" => return Ok(Address::Any),
        _ => {}
    }
    let (addr, mask) = match t.split_once('/') {
        Some((a, m)) => (a.trim(), Some(m.trim())),
        None => (t, None),
    };
    field::address_with_mask(addr, mask, &host.names).map_err(|e| {
        let mut text = e.to_string();
        if let Some((i, c)) = t.char_indices().find(|(_, c)| !c.is_ascii()) {
            text.push_str(&format!(
                " (character {} is {c:?}, U+{:04X}: type a plain ASCII '-' or '.')",
                t[..i].chars().count() + 1,
                c as u32
            ));
        }
        text
    })
}

pub fn address_text(a: &Address) -> String {
    match a {
        Address::Ip { addr, mask } if mask_prefix(*mask).is_none() => format!("{addr}/{mask}"),
        other => other.to_string(),
    }
}

/// A protocol field: the importer's check; empty means any.
pub fn protocol(text: &str) -> Result<Protocol, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Protocol::ANY);
    }
    field::protocol(t).map_err(|e| e.to_string())
}

/// A port field: the importer's check; empty, `*` and `any` also mean any (0).
pub fn port(text: &str) -> Result<u16, String> {
    let t = text.trim();
    if t.is_empty() || t == "*" || t.eq_ignore_ascii_case("any") {
        return Ok(0);
    }
    field::port(t).map_err(|e| e.to_string())
}

pub fn port_text(p: u16) -> String {
    if p == 0 { String::new() } else { p.to_string() }
}

pub fn number(text: &str, what: &str) -> Result<u32, String> {
    let t = text.trim();
    t.parse::<u32>()
        .map_err(|_| format!("{t:?} is not a number of {what}"))
}

/// A tunnel end point: the import's `tunnel=` check (`netsh::field::tunnel`); empty, `0`,
/// `none` and 0.0.0.0 mean none.
pub fn optional_ip(text: &str) -> Result<Option<Ipv4Addr>, String> {
    field::tunnel(text).map_err(|e| e.to_string())
}

/// Comma/space separated IPv4 addresses.
pub fn ip_list(text: &str) -> Result<Vec<Ipv4Addr>, String> {
    words(text)
        .map(|w| {
            w.parse()
                .map_err(|_| format!("{w:?} is not an IPv4 address"))
        })
        .collect()
}

pub fn ip_list_text(ips: &[Ipv4Addr]) -> String {
    ips.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Host interfaces as `a.b.c.d/prefix`, comma separated.
pub fn interfaces(text: &str) -> Result<Vec<Interface>, String> {
    words(text)
        .map(|w| {
            let (a, p) = w
                .split_once('/')
                .ok_or_else(|| format!("{w:?}: write address/prefix, e.g. 192.168.1.1/24"))?;
            let addr = a
                .parse()
                .map_err(|_| format!("{a:?} is not an IPv4 address"))?;
            let prefix: u8 = p
                .parse()
                .ok()
                .filter(|p| *p <= 32)
                .ok_or_else(|| format!("{p:?} is not a prefix length 0-32"))?;
            Ok(Interface { addr, prefix })
        })
        .collect()
}

pub fn interfaces_text(i: &[Interface]) -> String {
    i.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Authentication methods in order: `kerberos`, `cert:CA name`, `psk:key`, comma separated.
pub fn auth(text: &str) -> Result<Vec<AuthMethod>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let lower = part.to_ascii_lowercase();
        if lower == "kerberos" {
            out.push(AuthMethod::Kerberos);
        } else if let Some(ca) = strip_ci(part, "cert:") {
            out.push(AuthMethod::Certificate {
                root_ca: ca.trim().to_string(),
            });
        } else if let Some(key) = strip_ci(part, "psk:") {
            out.push(AuthMethod::Preshared {
                key: key.trim().to_string(),
            });
        } else {
            return Err(format!("{part:?}: use kerberos, cert:CA NAME or psk:KEY"));
        }
    }
    if out.is_empty() {
        return Err("at least one method: kerberos, cert:CA NAME or psk:KEY".into());
    }
    Ok(out)
}

pub fn auth_text(a: &[AuthMethod]) -> String {
    a.iter()
        .map(|m| match m {
            AuthMethod::Kerberos => "kerberos".to_string(),
            AuthMethod::Certificate { root_ca } => format!("cert:{root_ca}"),
            AuthMethod::Preshared { key } => format!("psk:{key}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Security methods in netsh syntax: `ESP[3DES,SHA1]:100000k/900s AH[MD5]`, space separated,
/// `AH[SHA1]+ESP[DES,MD5]` for both.
pub fn methods(text: &str) -> Result<Vec<SecurityMethod>, String> {
    text.split_whitespace().map(method).collect()
}

fn method(word: &str) -> Result<SecurityMethod, String> {
    let (spec, life) = match word.split_once(':') {
        Some((s, l)) => (s, Some(l)),
        None => (word, None),
    };
    let mut m = SecurityMethod {
        ah: None,
        esp: None,
        lifetime_kb: 0,
        lifetime_secs: 0,
    };
    for part in spec.split('+') {
        let upper = part.to_ascii_uppercase();
        let inner = |prefix: &str| {
            upper
                .strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(']'))
                .map(str::to_string)
        };
        if let Some(h) = inner("AH[") {
            m.ah = Some(hash(&h).ok_or_else(|| format!("{part:?}: AH takes MD5 or SHA1"))?);
        } else if let Some(e) = inner("ESP[") {
            let (c, h) = e
                .split_once(',')
                .ok_or_else(|| format!("{part:?}: write ESP[cipher,hash], e.g. ESP[3DES,SHA1]"))?;
            let encryption = match c.trim() {
                "DES" => Some(Cipher::Des),
                "3DES" => Some(Cipher::TripleDes),
                "NONE" => None,
                other => return Err(format!("{other:?}: ESP cipher is DES, 3DES or None")),
            };
            let integrity = match h.trim() {
                "NONE" => None,
                other => Some(
                    hash(other)
                        .ok_or_else(|| format!("{other:?}: ESP hash is MD5, SHA1 or None"))?,
                ),
            };
            m.esp = Some(Esp {
                encryption,
                integrity,
            });
        } else {
            return Err(format!(
                "{part:?}: use ESP[cipher,hash], AH[hash] or AH[..]+ESP[..]"
            ));
        }
    }
    if let Some(l) = life {
        for piece in l.split('/') {
            let p = piece.trim().to_ascii_lowercase();
            if let Some(k) = p.strip_suffix('k') {
                m.lifetime_kb = k
                    .parse()
                    .map_err(|_| format!("{piece:?} is not a lifetime in KB"))?;
            } else if let Some(s) = p.strip_suffix('s') {
                m.lifetime_secs = s
                    .parse()
                    .map_err(|_| format!("{piece:?} is not a lifetime in seconds"))?;
            } else {
                return Err(format!("{piece:?}: lifetimes are NNNk or NNNs"));
            }
        }
    }
    Ok(m)
}

fn hash(s: &str) -> Option<HashAlg> {
    match s.trim() {
        "MD5" => Some(HashAlg::Md5),
        "SHA1" | "SHA" => Some(HashAlg::Sha1),
        _ => None,
    }
}

pub fn methods_text(ms: &[SecurityMethod]) -> String {
    ms.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
}

/// `s` without `prefix` (ASCII, any case). `get` keeps a non-ASCII character that
/// straddles the prefix length from panicking: such text simply does not match.
fn strip_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_ci_on_non_ascii() {
        assert_eq!(strip_ci("abcé", "cert:"), None);
        assert_eq!(strip_ci("cédé", "cert:"), None);
        assert_eq!(strip_ci("CERT:é", "cert:"), Some("é"));
        assert_eq!(strip_ci("ab", "cert:"), None);
    }

    #[test]
    fn addresses() {
        let h = HostContext::default();
        assert_eq!(address("me", &h), Ok(Address::Me));
        assert_eq!(address("*", &h), Ok(Address::Any));
        assert_eq!(
            address("wins", &h),
            Ok(Address::Server(crate::core::model::ServerKind::Wins))
        );
        assert_eq!(
            address("10.0.0.0/8", &h),
            Ok(Address::subnet(
                Ipv4Addr::new(10, 0, 0, 0),
                Ipv4Addr::new(255, 0, 0, 0)
            ))
        );
        assert!(
            address("10.0.0.0/33", &h)
                .expect_err("must fail")
                .contains("'33' is not a mask")
        );
        // As on import: a name missing from the table is kept, resolving to nothing
        // (check's W006 then names the filter).
        assert_eq!(
            address("server.example", &h),
            Ok(Address::Dns {
                name: "server.example".into(),
                resolved: vec![]
            })
        );
        assert!(address("1.2.3", &h).is_err());
    }

    /// The words of `netsh ... srcmask=255.0.255.0` and `srcaddr=10.0.0.300`, minus the
    /// position: one validator for the import and the form.
    #[test]
    fn refusals_are_the_importers() {
        let h = HostContext::default();
        let import = |line: &str| {
            let mut s = crate::core::model::Snapshot::default();
            let r = crate::core::interchange::netsh::apply_script(
                &mut s,
                line,
                crate::core::interchange::netsh::Mode::Transaction,
            );
            let e = r.errors.first().expect("the import refuses it");
            format!("{}; {}", e.message, e.hint)
        };
        for (field, script) in [
            (
                "10.0.0.0/255.0.255.0",
                "netsh ipsec static add filter filterlist=L srcaddr=10.0.0.0 \
                 srcmask=255.0.255.0 dstaddr=me",
            ),
            (
                "10.0.0.300",
                "netsh ipsec static add filter filterlist=L srcaddr=10.0.0.300 dstaddr=me",
            ),
        ] {
            assert_eq!(address(field, &h), Err(import(script)), "{field}");
        }
        assert_eq!(
            port("65536"),
            Err("'65536' is not a port; write a port number 0-65535 (0 means any port)".into())
        );
        assert_eq!(
            address("10.0.0.1\u{2013}9", &h),
            Err(
                "'10.0.0.1\u{2013}9' is not an address; write me, any, an IPv4 address, a DNS \
                 name, or DNS, WINS, DHCP or GATEWAY (character 9 is '\u{2013}', U+2013: type \
                 a plain ASCII '-' or '.')"
                    .into()
            )
        );
    }

    #[test]
    fn methods_round_trip() {
        let text = "ESP[3DES,SHA1]:100000k/900s AH[MD5] AH[SHA1]+ESP[None,MD5]";
        let ms = methods(text).expect("parses");
        assert_eq!(ms.len(), 3);
        assert_eq!(methods_text(&ms), text);
        assert!(
            methods("ESP[RC4,MD5]")
                .expect_err("must fail")
                .contains("RC4")
        );
    }

    #[test]
    fn ports_and_auth() {
        assert_eq!(port(""), Ok(0));
        assert_eq!(port("1434"), Ok(1434));
        assert!(port("99999").expect_err("must fail").contains("99999"));
        let a = auth("kerberos, psk:secret").expect("auth");
        assert_eq!(auth_text(&a), "kerberos, psk:secret");
        assert!(auth("").is_err());
    }
}
