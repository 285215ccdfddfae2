//! The importer's own value checks on one bare value, for front ends that edit the same
//! fields (the TUI's forms): a value `netsh` import refuses is refused with the same
//! words, minus the position (there is no script line). Owns no parsing of its own: each
//! function hands the value to `values` as a one-argument command would.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use super::lexer::Arg;
use super::lookup::{self, Kind};
use super::values;
use super::{Cmd, NetshError};
use crate::core::model::{Address, Id, Protocol, ServerKind, Snapshot};

pub use super::values::AddrValue;

/// Why a value is refused: the import error's message and fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub hint: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hint.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}; {}", self.message, self.hint)
        }
    }
}

impl From<NetshError> for Refusal {
    fn from(e: NetshError) -> Refusal {
        Refusal {
            message: e.message,
            hint: e.hint,
        }
    }
}

fn arg(value: &str) -> Arg {
    Arg {
        key: None,
        value: value.to_string(),
        col: 1,
        value_col: 1,
        quoted: false,
    }
}

/// The kinds of named objects whose names [`object_name`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Policy,
    FilterList,
    FilterAction,
}

/// `name=` of `add policy|filterlist|filteraction` (and `newname=` of `set`): not empty,
/// no control characters, and unique among its kind ignoring case; `except` is the object
/// being renamed. The same checks and words as the import.
pub fn object_name(
    snap: &Snapshot,
    kind: Named,
    name: &str,
    except: Option<Id>,
) -> Result<(), Refusal> {
    if let Err(message) = crate::core::text::check_name(name) {
        return Err(Refusal {
            message,
            hint: String::new(),
        });
    }
    let kind = match kind {
        Named::Policy => Kind::Policy,
        Named::FilterList => Kind::FilterList,
        Named::FilterAction => Kind::FilterAction,
    };
    let cmd = Cmd {
        line: 1,
        end_col: 1,
        name: "",
        col: 1,
    };
    Ok(lookup::unique(snap, kind, &arg(name), except, &cmd)?)
}

/// netsh pairs a server type only with `me` (the server talks to this host): the refusal
/// for `key` (`srcaddr` or `dstaddr`) holding server type `kind` when the other address is
/// not me. The import and the filter form both word it here.
pub fn server_pairing(key: &str, kind: ServerKind, other_is_me: bool) -> Option<Refusal> {
    if other_is_me {
        return None;
    }
    let other_key = if key == "srcaddr" {
        "dstaddr"
    } else {
        "srcaddr"
    };
    Some(Refusal {
        message: format!(
            "{key}={} is a server type: the other address must be me",
            kind.keyword()
        ),
        hint: format!("write {other_key}=me, or give the server's IP address instead"),
    })
}

/// The filter form's source and destination, checked as a pair like `add filter` does.
/// `Err` carries the form key to show it under (`source` or `destination`).
pub fn address_pair(src: &Address, dst: &Address) -> Result<(), (&'static str, Refusal)> {
    for (key, field, this, other) in [
        ("srcaddr", "source", src, dst),
        ("dstaddr", "destination", dst, src),
    ] {
        if let Address::Server(k) = this
            && let Some(r) = server_pairing(key, *k, matches!(other, Address::Me))
        {
            return Err((field, r));
        }
    }
    Ok(())
}

/// `tunnel=` of a rule: an IPv4 end point, or none (`0`, `none`, empty, 0.0.0.0).
pub fn tunnel(value: &str) -> Result<Option<Ipv4Addr>, Refusal> {
    Ok(values::tunnel(&arg(value), 1)?)
}

/// `srcport=`/`dstport=`.
pub fn port(value: &str) -> Result<u16, Refusal> {
    Ok(values::port(&arg(value), 1)?)
}

/// `protocol=`.
pub fn protocol(value: &str) -> Result<Protocol, Refusal> {
    Ok(values::protocol(&arg(value), 1)?)
}

/// `srcmask=`/`dstmask=`: dotted and contiguous, or a prefix length.
pub fn mask(value: &str) -> Result<Ipv4Addr, Refusal> {
    Ok(values::mask(&arg(value), 1)?)
}

/// `srcaddr=`/`dstaddr=`: me, any, an IPv4 address, a server type or a DNS name (looked
/// up in `names`, keys lower case; a missing name resolves to no address, as on import).
pub fn address(value: &str, names: &BTreeMap<String, Vec<Ipv4Addr>>) -> Result<AddrValue, Refusal> {
    Ok(values::address(&arg(value), 1, names)?)
}

/// An address and its optional mask, combined as the import combines them; a mask the
/// import would ignore (on me, any, a server type or a name) is refused with the
/// import's warning, since a form has nowhere to keep it.
pub fn address_with_mask(
    addr: &str,
    mask: Option<&str>,
    names: &BTreeMap<String, Vec<Ipv4Addr>>,
) -> Result<Address, Refusal> {
    let value = address(addr, names)?;
    let mask = mask.map(self::mask).transpose()?;
    let mut warnings = Vec::new();
    let a = values::with_mask(value, mask, "", &mut warnings);
    match warnings.into_iter().next() {
        Some(w) => Err(Refusal {
            message: w,
            hint: "drop the mask, or write an IPv4 address before it".into(),
        }),
        None => Ok(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_the_import_words() {
        let names = BTreeMap::new();
        assert_eq!(
            mask("255.0.255.0").map_err(|e| e.to_string()),
            Err(
                "'255.0.255.0' is not a contiguous mask; a mask is ones then zeros, e.g. \
                 255.255.0.0 or 16"
                    .into()
            )
        );
        assert_eq!(
            address("10.0.0.300", &names).map_err(|e| e.message),
            Err("'10.0.0.300' is not an address".into())
        );
        assert_eq!(
            port("65536").map_err(|e| e.message),
            Err("'65536' is not a port".into())
        );
        assert_eq!(
            address_with_mask("me", Some("24"), &names).map_err(|e| e.message),
            Err("mask=255.255.255.0 ignored: a mask does not apply to 'me'".into())
        );
        assert_eq!(
            address_with_mask("10.0.0.0", Some("255.0.0.0"), &names),
            Ok(Address::Ip {
                addr: Ipv4Addr::new(10, 0, 0, 0),
                mask: Ipv4Addr::new(255, 0, 0, 0)
            })
        );
    }
}
