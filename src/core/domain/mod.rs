//! The domain store: Active Directory over LDAP.
//!
//! Owns: the directory URL (`url`), the connection with its credentials and TLS policy
//! (`connection`), the raw IPsec objects under `CN=IP Security,CN=System,<domain>`
//! (`objects`), Group Policy's choice of the one IPsec policy per computer (`gpo`), the
//! computers and the `--hosts FILE` sheet (`hosts`), and the fleet read that ties them
//! together (`fleet`), the fleet's questions answered once per distinct effective table
//! (`fleet_query`); the policy store read through the registry codec (`read`, `attrs`),
//! written back object by object (`write`), Group Policy assignment (`assign`) and the
//! `Store` backend on top (`store::LdapStore`).
//!
//! Must not: decode `ipsecData` blobs (the registry codec in `interchange::registry` does
//! that; `read` feeds it `objects::RawIpsecObject`s), print to a terminal, or import a
//! terminal crate.

pub mod assign;
pub mod attrs;
pub mod connection;
pub mod fleet;
pub mod fleet_query;
pub mod gpo;
pub mod hosts;
pub mod objects;
pub mod read;
pub mod store;
pub mod url;
pub mod write;

pub use connection::{Credentials, DirEntry, Directory, TlsPolicy};
pub use url::{DirectoryUrl, Scheme};

static DOMAIN_STORE_OPEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Set by the front end when the store it opened is a domain: `ipseccmd -w DS` and `netsh
/// ipsec static set store location=domain` then write to it instead of failing.
pub fn set_domain_store_open(open: bool) {
    DOMAIN_STORE_OPEN.store(open, std::sync::atomic::Ordering::Relaxed);
}

/// True when the open store is a domain (see `set_domain_store_open`).
pub fn domain_store_open() -> bool {
    DOMAIN_STORE_OPEN.load(std::sync::atomic::Ordering::Relaxed)
}

/// Everything that can go wrong talking to a directory, naming the place and the fix.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The directory URL is malformed.
    #[error("{0}")]
    Url(String),
    /// Credentials or TLS settings are missing or unreadable.
    #[error("{0}")]
    Setup(String),
    /// The server could not be reached, or TLS failed.
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    /// The server refused the bind.
    #[error("the bind as {user} to {url} was refused: {reason}")]
    Bind {
        url: String,
        user: String,
        reason: String,
    },
    /// A search failed.
    #[error("the LDAP search under {base} ({filter}) failed: {reason}")]
    Search {
        base: String,
        filter: String,
        reason: String,
    },
    /// An object read is not what the schema promises.
    #[error("{dn}: {reason}")]
    Object { dn: String, reason: String },
    /// References between the stored objects are broken: each problem names its object.
    #[error("the IPsec objects under {container} cannot be read:\n  {}", problems.join("\n  "))]
    Integrity {
        container: String,
        problems: Vec<String>,
    },
}

impl DomainError {
    /// True when the user's input (URL, settings, files) is at fault: exit 2, not 1.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, DomainError::Url(_) | DomainError::Setup(_))
    }
}
