//! The policy model: every object of docs/domain.md "Objects", serialisable, with no behaviour
//! beyond lookups. Rules reference filter lists and filter actions by id, so those are shared
//! as on Windows. Pure data: no I/O, no terminal.

mod action;
mod address;
mod dynamic;
mod filter;
mod host;
mod lookup;
mod policy;
mod protocol;
mod snapshot;
mod stored;

pub use action::{Behavior, Cipher, Esp, FilterAction, HashAlg, SecurityMethod};
pub use address::{Address, HOST_MASK, ServerKind, mask_prefix, prefix_mask};
pub use dynamic::{
    DynamicConfig, DynamicMmPolicy, DynamicQmPolicy, DynamicSpd, NetshRuleRefs, PfsGroup,
};
pub use filter::{Filter, FilterList};
pub use host::{BootMode, HostContext, Interface, OsProfile};
pub use lookup::{Derived, LookupCache};
pub use policy::{
    AuthMethod, ConnectionType, DEFAULT_POLL_MINUTES, DefaultResponse, DhGroup, KeyExchange,
    MainModeMethod, Policy, Rule,
};
pub use protocol::Protocol;
pub use snapshot::{DynamicRule, Snapshot, Usage, UsageCounts};
pub use stored::{StoredObject, StoredValue, UnreferencedObject};

/// Object identity. Windows uses GUIDs; so do we, so objects keep them across import/export.
pub type Id = uuid::Uuid;
