//! Filter lists and their filters. Lists are shared: many rules may reference one.

use serde::{Deserialize, Serialize};

use super::{Address, Id, Protocol};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterList {
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Ordered for display only: the driver orders rows by weight, not by list position.
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// The object as Windows stored it, for byte-for-byte write-back when unedited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<super::StoredObject>,
}

impl FilterList {
    pub fn new(name: impl Into<String>) -> Self {
        FilterList {
            id: Id::new_v4(),
            name: name.into(),
            description: String::new(),
            filters: Vec::new(),
            stored: None,
        }
    }
}

/// One filter. Filters have no name on Windows; netdiag prints their id as "Filter Id".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub id: Id,
    #[serde(default)]
    pub description: String,
    pub source: Address,
    pub destination: Address,
    #[serde(default = "any_protocol")]
    pub protocol: Protocol,
    /// 0 means any port.
    #[serde(default)]
    pub src_port: u16,
    /// 0 means any port.
    #[serde(default)]
    pub dst_port: u16,
    /// A mirrored filter also matches the reverse traffic (addresses and ports swapped).
    #[serde(default)]
    pub mirrored: bool,
}

fn any_protocol() -> Protocol {
    Protocol::ANY
}

impl Filter {
    pub fn new(source: Address, destination: Address) -> Self {
        Filter {
            id: Id::new_v4(),
            description: String::new(),
            source,
            destination,
            protocol: Protocol::ANY,
            src_port: 0,
            dst_port: 0,
            mirrored: false,
        }
    }

    /// One line for lists and reports: `any -> me  UDP  src *  dst 1434  one-way`.
    pub fn summary(&self) -> String {
        let port = |p: u16| {
            if p == 0 {
                "*".to_string()
            } else {
                p.to_string()
            }
        };
        format!(
            "{} -> {}  {}  src {}  dst {}  {}",
            self.source,
            self.destination,
            self.protocol,
            port(self.src_port),
            port(self.dst_port),
            if self.mirrored { "mirrored" } else { "one-way" }
        )
    }

    /// Same traffic description, ignoring identity and description.
    pub fn same_spec(&self, other: &Filter) -> bool {
        self.source == other.source
            && self.destination == other.destination
            && self.protocol == other.protocol
            && self.src_port == other.src_port
            && self.dst_port == other.dst_port
            && self.mirrored == other.mirrored
    }
}
