//! One bound LDAP connection to a domain controller, secured by TLS, and the entries it
//! reads. Credentials come from the environment (`IPSEDIT_LDAP_USER`,
//! `IPSEDIT_LDAP_PASSWORD`), never from a command-line argument, where `ps` would show them;
//! TLS is verified against `IPSEDIT_LDAP_CA` (or the system's roots) unless the caller asks
//! for `--insecure-tls`. A plain `ldap://` URL is always upgraded with StartTLS before the
//! bind: a password never crosses the network in clear.
//!
//! Must not: interpret what it reads (objects, fleet and gpo do), or print anything.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapConn, LdapConnSettings, Mod, Scope, SearchEntry};

use super::DomainError;
use super::url::{DirectoryUrl, Scheme};

/// The bind identity: a user principal name (`Administrator@EXAMPLE.TEST`) or a DN.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"(hidden)")
            .finish()
    }
}

impl Credentials {
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }

    /// From `IPSEDIT_LDAP_USER` and `IPSEDIT_LDAP_PASSWORD`.
    pub fn from_env() -> Result<Self, DomainError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// As `from_env`, with the variables looked up by `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, DomainError> {
        let user = get("IPSEDIT_LDAP_USER").filter(|u| !u.trim().is_empty());
        let Some(user) = user else {
            return Err(DomainError::Setup(
                "no directory user: set IPSEDIT_LDAP_USER to a user principal name \
                 (Administrator@EXAMPLE.TEST) or a DN"
                    .into(),
            ));
        };
        let Some(password) = get("IPSEDIT_LDAP_PASSWORD").filter(|p| !p.is_empty()) else {
            return Err(DomainError::Setup(format!(
                "no password for {user}: set IPSEDIT_LDAP_PASSWORD (a password is never \
                 taken as a command-line argument)"
            )));
        };
        Ok(Credentials::new(user.trim(), password))
    }
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsPolicy {
    /// Verified against this CA file (PEM), or the system's roots when `None`.
    Verify { ca: Option<PathBuf> },
    /// Not verified (`--insecure-tls`): still encrypted, but anyone in the path can pose
    /// as the server. Callers must say so on every run.
    Insecure,
}

impl TlsPolicy {
    /// `Insecure` when asked; otherwise verified against `IPSEDIT_LDAP_CA` when set.
    pub fn from_env(insecure: bool) -> Self {
        if insecure {
            return TlsPolicy::Insecure;
        }
        TlsPolicy::Verify {
            ca: std::env::var_os("IPSEDIT_LDAP_CA")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// How far a search goes below its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchScope {
    Base,
    OneLevel,
    Subtree,
}

/// One directory entry: its DN and every value as bytes, attribute names lower-cased
/// (LDAP names are case-insensitive; AD answers in its own spelling).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirEntry {
    pub dn: String,
    attrs: BTreeMap<String, Vec<Vec<u8>>>,
}

impl DirEntry {
    pub fn new(dn: impl Into<String>) -> Self {
        DirEntry {
            dn: dn.into(),
            attrs: BTreeMap::new(),
        }
    }

    /// Adds a value (builder style, for tests and fixtures).
    pub fn with(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.attrs
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value.as_ref().to_vec());
        self
    }

    pub fn values(&self, name: &str) -> &[Vec<u8>] {
        self.attrs
            .get(&name.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.values(name).first().map(Vec::as_slice)
    }

    /// The first value as text (lossy: AD's string attributes are UTF-8).
    pub fn text(&self, name: &str) -> Option<String> {
        self.bytes(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn texts(&self, name: &str) -> Vec<String> {
        self.values(name)
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }

    /// The objectClass values, lower-cased.
    pub fn classes(&self) -> Vec<String> {
        self.texts("objectClass")
            .into_iter()
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }

    fn from_search(e: SearchEntry) -> Self {
        let mut out = DirEntry::new(e.dn);
        for (k, vs) in e.attrs {
            let slot = out.attrs.entry(k.to_ascii_lowercase()).or_default();
            slot.extend(vs.into_iter().map(String::into_bytes));
        }
        for (k, vs) in e.bin_attrs {
            out.attrs
                .entry(k.to_ascii_lowercase())
                .or_default()
                .extend(vs);
        }
        out
    }
}

/// What one attribute change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    /// Adds the values (the server refuses one that is there: 20).
    Add,
    /// Deletes exactly these values (the server refuses one that is not there: 16), or
    /// the whole attribute when none are given.
    Delete,
    /// Sets the values (none: removes the attribute).
    Replace,
}

/// One attribute change of an LDAP modify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub op: ChangeOp,
    pub attribute: String,
    pub values: Vec<Vec<u8>>,
}

impl Change {
    pub fn new(op: ChangeOp, attribute: &str, values: Vec<Vec<u8>>) -> Self {
        Change {
            op,
            attribute: attribute.to_string(),
            values,
        }
    }
}

/// Why a write was not done: the server's result code and text, or no answer at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The LDAP result code; `None` when the connection failed.
    pub rc: Option<u32>,
    pub text: String,
}

impl Refusal {
    fn check(r: ldap3::result::Result<ldap3::LdapResult>) -> Result<(), Refusal> {
        match r {
            Ok(res) if res.rc == 0 => Ok(()),
            Ok(res) => Err(Refusal {
                rc: Some(res.rc),
                text: res.text,
            }),
            Err(e) => Err(Refusal {
                rc: None,
                text: e.to_string(),
            }),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rc {
            Some(rc) => f.write_str(&describe_rc(rc, &self.text)),
            None => write!(f, "no answer from the server: {}", self.text),
        }
    }
}

/// A bound connection to one domain controller.
pub struct Directory {
    conn: LdapConn,
    pub url: DirectoryUrl,
    pub user: String,
    /// True when the certificate was not verified (`--insecure-tls`).
    pub insecure: bool,
}

const PAGE: i32 = 500;
const TIMEOUT: Duration = Duration::from_secs(60);

impl Directory {
    /// Connects (StartTLS for `ldap://`, TLS for `ldaps://`) and binds.
    pub fn connect(
        url: &DirectoryUrl,
        creds: &Credentials,
        tls: &TlsPolicy,
    ) -> Result<Self, DomainError> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(Duration::from_secs(15))
            .set_starttls(url.scheme == Scheme::Ldap);
        match tls {
            TlsPolicy::Insecure => settings = settings.set_no_tls_verify(true),
            TlsPolicy::Verify { ca: Some(ca) } => {
                settings = settings.set_config(client_config(ca)?)
            }
            TlsPolicy::Verify { ca: None } => {}
        }
        let connect_err = |reason: String| DomainError::Connect {
            url: url.to_string(),
            reason,
        };
        let mut conn = LdapConn::with_settings(settings, &url.server())
            .map_err(|e| connect_err(explain_connect(&e.to_string(), tls)))?;
        let bind = conn
            .with_timeout(TIMEOUT)
            .simple_bind(&creds.user, &creds.password)
            .map_err(|e| connect_err(e.to_string()))?;
        if bind.rc != 0 {
            return Err(DomainError::Bind {
                url: url.to_string(),
                user: creds.user.clone(),
                reason: describe_rc(bind.rc, &bind.text),
            });
        }
        Ok(Directory {
            conn,
            url: url.clone(),
            user: creds.user.clone(),
            insecure: *tls == TlsPolicy::Insecure,
        })
    }

    /// Every entry matching `filter` (paged, so AD's 1,000-entry page limit never truncates
    /// the answer; search references are skipped).
    pub fn search(
        &mut self,
        base: &str,
        scope: SearchScope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<DirEntry>, DomainError> {
        let err = |reason: String| DomainError::Search {
            base: base.to_string(),
            filter: filter.to_string(),
            reason,
        };
        let scope = match scope {
            SearchScope::Base => Scope::Base,
            SearchScope::OneLevel => Scope::OneLevel,
            SearchScope::Subtree => Scope::Subtree,
        };
        let attrs: Vec<String> = attrs.iter().map(|a| a.to_string()).collect();
        let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE)),
        ];
        let mut stream = self
            .conn
            .with_timeout(TIMEOUT)
            .streaming_search_with(adapters, base, scope, filter, attrs)
            .map_err(|e| err(e.to_string()))?;
        let mut out = Vec::new();
        while let Some(entry) = stream.next().map_err(|e| err(e.to_string()))? {
            out.push(DirEntry::from_search(SearchEntry::construct(entry)));
        }
        let done = stream.result();
        if done.rc != 0 {
            return Err(err(describe_rc(done.rc, &done.text)));
        }
        Ok(out)
    }

    /// Adds an entry with these attributes (each with its values).
    pub fn add(&mut self, dn: &str, attrs: &[(&str, Vec<Vec<u8>>)]) -> Result<(), Refusal> {
        let attrs: Vec<(Vec<u8>, HashSet<Vec<u8>>)> = attrs
            .iter()
            .map(|(n, vs)| (n.as_bytes().to_vec(), vs.iter().cloned().collect()))
            .collect();
        let r = self.conn.with_timeout(TIMEOUT).add(dn, attrs);
        Refusal::check(r)
    }

    /// Applies the changes to one entry as one LDAP modify: the server applies all or none.
    pub fn modify(&mut self, dn: &str, changes: &[Change]) -> Result<(), Refusal> {
        let mods: Vec<Mod<Vec<u8>>> = changes
            .iter()
            .map(|c| {
                let name = c.attribute.as_bytes().to_vec();
                let values: HashSet<Vec<u8>> = c.values.iter().cloned().collect();
                match c.op {
                    ChangeOp::Add => Mod::Add(name, values),
                    ChangeOp::Delete => Mod::Delete(name, values),
                    ChangeOp::Replace => Mod::Replace(name, values),
                }
            })
            .collect();
        let r = self.conn.with_timeout(TIMEOUT).modify(dn, mods);
        Refusal::check(r)
    }

    /// Deletes one entry.
    pub fn delete(&mut self, dn: &str) -> Result<(), Refusal> {
        let r = self.conn.with_timeout(TIMEOUT).delete(dn);
        Refusal::check(r)
    }

    /// Closes the connection politely.
    pub fn close(mut self) {
        let _ = self.conn.unbind();
    }
}

/// A rustls configuration that trusts exactly the CA certificates in `ca` (PEM).
fn client_config(ca: &std::path::Path) -> Result<Arc<rustls::ClientConfig>, DomainError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = |why: String| {
        DomainError::Setup(format!(
            "IPSEDIT_LDAP_CA {}: {why}: point it at the PEM file of the CA that signed the \
             domain controller's certificate",
            ca.display()
        ))
    };
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(ca).map_err(|e| bad(e.to_string()))?;
    for cert in certs {
        let cert = cert.map_err(|e| bad(e.to_string()))?;
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("no certificate in it".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn explain_connect(reason: &str, tls: &TlsPolicy) -> String {
    if reason.contains("certificate") || reason.contains("Certificate") {
        let hint = match tls {
            TlsPolicy::Verify { ca: None } => {
                "set IPSEDIT_LDAP_CA to the PEM file of the domain's CA (or, in a lab only, \
                 pass --insecure-tls)"
            }
            _ => {
                "check that IPSEDIT_LDAP_CA signed the server's certificate and that the \
                  certificate names the host in the URL"
            }
        };
        return format!("{reason}: {hint}");
    }
    reason.to_string()
}

/// LDAP result codes in words (RFC 4511, and AD's habits).
pub fn describe_rc(rc: u32, text: &str) -> String {
    let name = match rc {
        1 => "operations error",
        8 => "strong authentication required (use ldaps:// or StartTLS)",
        10 => "referral (the object is in another naming context)",
        16 => "no such attribute",
        19 => "constraint violation",
        20 => "attribute or value exists",
        21 => "invalid attribute syntax",
        32 => "no such object",
        34 => "invalid DN syntax",
        49 => "invalid credentials",
        50 => "insufficient access rights",
        53 => "unwilling to perform",
        64 => "naming violation",
        65 => "object class violation",
        68 => "entry already exists",
        _ => "error",
    };
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if text.is_empty() {
        format!("{name} ({rc})")
    } else {
        format!("{name} ({rc}): {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn credentials_come_from_the_environment_with_the_fix_named() {
        let env = |pairs: &[(&str, &str)]| {
            let m: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            move |k: &str| m.get(k).cloned()
        };
        let c = Credentials::from_lookup(env(&[
            ("IPSEDIT_LDAP_USER", " Administrator@EXAMPLE.TEST "),
            ("IPSEDIT_LDAP_PASSWORD", "s3cret"),
        ]))
        .expect("complete");
        assert_eq!(c.user, "Administrator@EXAMPLE.TEST");
        assert!(!format!("{c:?}").contains("s3cret"));
        let e = Credentials::from_lookup(env(&[])).expect_err("no user");
        assert_eq!(
            e.to_string(),
            "no directory user: set IPSEDIT_LDAP_USER to a user principal name \
             (Administrator@EXAMPLE.TEST) or a DN"
        );
        assert!(e.is_invalid_input());
        let e = Credentials::from_lookup(env(&[("IPSEDIT_LDAP_USER", "u@X")])).expect_err("no pw");
        assert_eq!(
            e.to_string(),
            "no password for u@X: set IPSEDIT_LDAP_PASSWORD (a password is never taken as a \
             command-line argument)"
        );
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("ca.pem");
        std::fs::write(&p, "not a certificate\n").expect("write");
        let e = client_config(&p).expect_err("empty CA");
        assert_eq!(
            e.to_string(),
            format!(
                "IPSEDIT_LDAP_CA {}: no certificate in it: point it at the PEM file of the CA \
                 that signed the domain controller's certificate",
                p.display()
            )
        );
        let missing = dir.path().join("absent.pem");
        let e = client_config(&missing).expect_err("missing");
        assert!(
            e.to_string()
                .starts_with(&format!("IPSEDIT_LDAP_CA {}: ", missing.display()))
        );
    }

    #[test]
    fn entries_look_attributes_up_case_insensitively() {
        let e = DirEntry::new("CN=x")
            .with("objectClass", "top")
            .with("objectClass", "ipsecPolicy")
            .with("ipsecData", [0u8, 159, 1]);
        assert_eq!(e.classes(), vec!["top", "ipsecpolicy"]);
        assert_eq!(e.bytes("IPSECDATA"), Some(&[0u8, 159, 1][..]));
        assert_eq!(e.text("missing"), None);
        assert_eq!(
            describe_rc(32, "0000208D: NameErr\0"),
            "no such object (32): 0000208D: NameErr"
        );
    }
}
