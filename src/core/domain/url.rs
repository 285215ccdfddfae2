//! `ldap://HOST[:PORT]/DC=example,DC=test` and `ldaps://...`: which server, how, and the
//! domain's base DN. Parsing only; never connects.

use std::fmt;

/// How the connection is secured: StartTLS on the LDAP port, or TLS from the first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `ldap://`: port 389, always upgraded with StartTLS before the bind.
    Ldap,
    /// `ldaps://`: port 636, TLS from the start.
    Ldaps,
}

/// A parsed directory URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUrl {
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without its brackets).
    pub host: String,
    pub port: u16,
    /// The domain's DN, e.g. `DC=example,DC=test`.
    pub base_dn: String,
}

const EXAMPLE: &str = "ldaps://dc1.example.test/DC=example,DC=test";

/// True when `text` names a directory rather than a store folder.
pub fn is_directory_url(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    lower.starts_with("ldap://") || lower.starts_with("ldaps://")
}

impl DirectoryUrl {
    pub fn parse(text: &str) -> Result<Self, super::DomainError> {
        let bad = |why: String| super::DomainError::Url(format!("directory URL '{text}': {why}"));
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let (scheme, rest, default_port) = if lower.starts_with("ldaps://") {
            (Scheme::Ldaps, &t["ldaps://".len()..], 636)
        } else if lower.starts_with("ldap://") {
            (Scheme::Ldap, &t["ldap://".len()..], 389)
        } else {
            return Err(bad(format!(
                "it must start with ldap:// or ldaps://, like {EXAMPLE}"
            )));
        };
        let Some((authority, path)) = rest.split_once('/') else {
            return Err(bad(format!(
                "no base DN after the host: add the domain's DN, like {EXAMPLE}"
            )));
        };
        if authority.contains('@') {
            return Err(bad(
                "a user name does not belong in the URL: set IPSEDIT_LDAP_USER instead".into(),
            ));
        }
        let (host, port) = split_host_port(authority).map_err(bad)?;
        let port = port.unwrap_or(default_port);
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let base_dn = percent_decode(path).map_err(bad)?;
        check_dn(&base_dn).map_err(bad)?;
        Ok(DirectoryUrl {
            scheme,
            host,
            port,
            base_dn,
        })
    }

    /// The URL the LDAP client connects to (no DN): `ldap://host:port`.
    pub fn server(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Ldap => "ldap",
            Scheme::Ldaps => "ldaps",
        };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }

    /// The domain's DNS name from its DN (`DC=example,DC=test` -> `example.test`), when the
    /// DN is made of DC components only.
    pub fn domain_name(&self) -> Option<String> {
        let parts: Option<Vec<&str>> = self
            .base_dn
            .split(',')
            .map(|rdn| {
                let (k, v) = rdn.split_once('=')?;
                k.trim().eq_ignore_ascii_case("dc").then_some(v.trim())
            })
            .collect();
        parts.map(|p| p.join("."))
    }
}

impl fmt::Display for DirectoryUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.server(), self.base_dn)
    }
}

fn split_host_port(authority: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((h, after)) = rest.split_once(']') else {
            return Err("an IPv6 address needs its closing ']'".into());
        };
        match after {
            "" => (h, None),
            p if p.starts_with(':') => (h, Some(&p[1..])),
            _ => return Err(format!("unexpected '{after}' after the IPv6 address")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(format!(
            "no host: name the domain controller, like {EXAMPLE}"
        ));
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(format!("'{host}' is not a host name or IP address"));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(format!("port '{p}' is not a number 1-65535")),
        },
    };
    Ok((host.to_string(), port))
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "'%' at byte {} of the DN is not followed by two hex digits",
                        i + 1
                    )
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the DN is not valid UTF-8 once decoded".into())
}

fn check_dn(dn: &str) -> Result<(), String> {
    if dn.trim().is_empty() {
        return Err(format!(
            "no base DN after the host: add the domain's DN, like {EXAMPLE}"
        ));
    }
    for rdn in split_dn(dn) {
        let Some((k, v)) = rdn.split_once('=') else {
            return Err(format!(
                "'{rdn}' in the DN is not NAME=VALUE (write DC=example,DC=test)"
            ));
        };
        if k.trim().is_empty() || v.trim().is_empty() {
            return Err(format!("'{rdn}' in the DN has an empty name or value"));
        }
    }
    Ok(())
}

/// Splits a DN into its RDNs at unescaped commas.
pub fn split_dn(dn: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => {
                out.push(dn[start..i].trim());
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    out.push(dn[start..].trim());
    out
}

/// The parent DN (`OU=a,DC=x` -> `DC=x`); `None` for a single RDN.
pub fn parent_dn(dn: &str) -> Option<&str> {
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => return Some(dn[i + 1..].trim_start()),
            _ => escaped = false,
        }
    }
    None
}

/// DNs compare case-insensitively and without spaces around separators.
pub fn dn_key(dn: &str) -> String {
    split_dn(dn)
        .into_iter()
        .map(|rdn| match rdn.split_once('=') {
            Some((k, v)) => format!("{}={}", k.trim(), v.trim()).to_lowercase(),
            None => rdn.to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        DirectoryUrl::parse(s).expect_err("must fail").to_string()
    }

    #[test]
    fn parses_schemes_ports_and_dns() {
        let u = DirectoryUrl::parse("ldap://127.0.0.1/DC=example,DC=test").expect("valid");
        assert_eq!(
            u,
            DirectoryUrl {
                scheme: Scheme::Ldap,
                host: "127.0.0.1".into(),
                port: 389,
                base_dn: "DC=example,DC=test".into()
            }
        );
        assert_eq!(u.server(), "ldap://127.0.0.1:389");
        assert_eq!(u.domain_name().as_deref(), Some("example.test"));
        let s =
            DirectoryUrl::parse("LDAPS://dc1.example.test:3269/OU=Lab%20Hosts,DC=example,DC=test")
                .expect("valid");
        assert_eq!(s.scheme, Scheme::Ldaps);
        assert_eq!(s.port, 3269);
        assert_eq!(s.base_dn, "OU=Lab Hosts,DC=example,DC=test");
        assert_eq!(s.domain_name(), None);
        let v6 = DirectoryUrl::parse("ldaps://[::1]/DC=x").expect("valid");
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 636));
        assert_eq!(v6.server(), "ldaps://[::1]:636");
    }

    #[test]
    fn errors_name_the_url_and_the_fix() {
        assert_eq!(
            err("http://x/DC=a"),
            "directory URL 'http://x/DC=a': it must start with ldap:// or ldaps://, like \
             ldaps://dc1.example.test/DC=example,DC=test"
        );
        assert_eq!(
            err("ldap://dc1"),
            "directory URL 'ldap://dc1': no base DN after the host: add the domain's DN, like \
             ldaps://dc1.example.test/DC=example,DC=test"
        );
        assert_eq!(
            err("ldap://dc1:99999/DC=a"),
            "directory URL 'ldap://dc1:99999/DC=a': port '99999' is not a number 1-65535"
        );
        assert_eq!(
            err("ldap://dc1/example.test"),
            "directory URL 'ldap://dc1/example.test': 'example.test' in the DN is not \
             NAME=VALUE (write DC=example,DC=test)"
        );
        assert_eq!(
            err("ldap://admin@dc1/DC=a"),
            "directory URL 'ldap://admin@dc1/DC=a': a user name does not belong in the URL: \
             set IPSEDIT_LDAP_USER instead"
        );
        assert_eq!(
            err("ldap://dc1/DC=%zz"),
            "directory URL 'ldap://dc1/DC=%zz': '%' at byte 4 of the DN is not followed by \
             two hex digits"
        );
        assert!(is_directory_url(" LDAP://x/DC=a"));
        assert!(!is_directory_url("/var/lib/store"));
    }

    #[test]
    fn dn_helpers_respect_escaped_commas() {
        assert_eq!(
            split_dn(r"CN=Smith\, J,OU=Lab, DC=x"),
            vec![r"CN=Smith\, J", "OU=Lab", "DC=x"]
        );
        assert_eq!(parent_dn(r"CN=Smith\, J,OU=Lab,DC=x"), Some("OU=Lab,DC=x"));
        assert_eq!(parent_dn("DC=x"), None);
        assert_eq!(
            dn_key("OU=Lab , dc=Example,DC=TEST"),
            "ou=lab,dc=example,dc=test"
        );
    }
}
