//! Windows' own storage of a legacy IPsec policy ([MS-GPIPSEC]; `MS-GPIPSEC.md`): the five
//! object kinds with their binary `ipsecData` blobs, as registry keys under
//! `HKLM\SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local`.
//!
//! Layers, each usable on its own (the directory store reuses the first three):
//! - `wire`, `guids` and the blob codecs (`policy_blob`, `negotiation`, `nfa`, `filter`):
//!   bytes <-> typed blobs, tolerant of junk in ignored fields, writing zeros there;
//! - `objects`: `RawObject` (class, GUID, names, blob, references) and registry values;
//! - `to_model` / `from_model`: a set of objects <-> the model `Snapshot`, keeping each
//!   object's stored values so unedited objects are written back byte for byte.
//!
//! Pure: bytes and text in, model out. It does no I/O and must not touch a terminal; the
//! `.reg` text format and hive files live in `regfile` and the CLI.

pub mod filter;
mod filters_map;
pub mod from_model;
pub mod guids;
pub mod hive;
pub mod negotiation;
pub mod nfa;
pub mod objects;
pub mod policy_blob;
pub mod regfile;
pub mod regstore;
pub mod to_model;
pub mod wire;

pub use from_model::{Exported, export_objects};
pub use objects::{Class, LOCAL_STORE, ObjRef, RawObject};
pub use to_model::{ObjectSet, Read, read_objects};
