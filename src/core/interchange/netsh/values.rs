//! Parses and writes netsh parameter values: yes/no, numbers, ports, protocols, addresses
//! and masks, connection types, actions (security methods are in `methods`). Parsing and
//! writing live together so the export writes exactly what the import reads.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::NetshError;
use super::lexer::Arg;
use crate::core::model::{
    Address, Behavior, ConnectionType, HOST_MASK, Protocol, ServerKind, mask_prefix, prefix_mask,
};

pub use super::methods::{mm_methods, mm_methods_text, qm_methods, qm_methods_text};

fn bad(arg: &Arg, line: usize, message: String, hint: &str) -> NetshError {
    NetshError::new(line, arg.value_col, arg.value.clone(), message, hint)
}

pub fn yes_no(arg: &Arg, line: usize) -> Result<bool, NetshError> {
    match arg.value.to_ascii_lowercase().as_str() {
        "yes" | "y" => Ok(true),
        "no" | "n" => Ok(false),
        _ => Err(bad(
            arg,
            line,
            format!("'{}' is not yes or no", arg.value),
            "write yes, y, no or n",
        )),
    }
}

pub fn yes_no_word(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

pub fn number(arg: &Arg, line: usize) -> Result<u32, NetshError> {
    arg.value.parse::<u32>().map_err(|_| {
        bad(
            arg,
            line,
            format!("'{}' is not a whole number", arg.value),
            "write a number such as 180",
        )
    })
}

pub fn port(arg: &Arg, line: usize) -> Result<u16, NetshError> {
    arg.value.parse::<u16>().map_err(|_| {
        bad(
            arg,
            line,
            format!("'{}' is not a port", arg.value),
            "write a port number 0-65535 (0 means any port)",
        )
    })
}

pub fn protocol(arg: &Arg, line: usize) -> Result<Protocol, NetshError> {
    Protocol::parse(&arg.value).ok_or_else(|| {
        bad(
            arg,
            line,
            format!("unknown protocol '{}'", arg.value),
            &format!("write a number 0-255 or one of {}", Protocol::known_names()),
        )
    })
}

/// The netsh word for a protocol: names netsh itself knows, numbers otherwise.
pub fn protocol_word(p: Protocol) -> String {
    match p.0 {
        0 => "ANY".into(),
        1 => "ICMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        255 => "RAW".into(),
        n => n.to_string(),
    }
}

/// A `srcaddr`/`dstaddr` value before its mask is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum AddrValue {
    Me,
    Any,
    Ip(Ipv4Addr),
    Dns(String, Vec<Ipv4Addr>),
    Server(ServerKind),
}

/// Parses an address. DNS names resolve from the host's name table (ipsedit never sends a
/// DNS query).
pub fn address(
    arg: &Arg,
    line: usize,
    names: &BTreeMap<String, Vec<Ipv4Addr>>,
) -> Result<AddrValue, NetshError> {
    let v = arg.value.trim();
    if v.eq_ignore_ascii_case("me") {
        return Ok(AddrValue::Me);
    }
    if v.eq_ignore_ascii_case("any") {
        return Ok(AddrValue::Any);
    }
    if let Some(k) = ServerKind::from_keyword(v) {
        return Ok(AddrValue::Server(k));
    }
    if let Ok(ip) = v.parse::<Ipv4Addr>() {
        return Ok(AddrValue::Ip(ip));
    }
    if v.contains(':') {
        return Err(bad(
            arg,
            line,
            format!("'{v}' is an IPv6 address"),
            "Windows 2000/XP/2003 IPsec filters IPv4 only (IPv6 is never filtered); use an \
             IPv4 address",
        ));
    }
    if v.contains('-') && v.split('-').all(|p| p.parse::<Ipv4Addr>().is_ok()) {
        return Err(bad(
            arg,
            line,
            format!("'{v}' is an address range"),
            "address ranges came with Windows Vista; write a subnet with srcmask/dstmask",
        ));
    }
    let looks_like_name = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && v.chars().any(|c| c.is_ascii_alphabetic());
    if !looks_like_name {
        return Err(bad(
            arg,
            line,
            format!("'{v}' is not an address"),
            "write me, any, an IPv4 address, a DNS name, or DNS, WINS, DHCP or GATEWAY",
        ));
    }
    // A name missing from the table is kept with no addresses (the filter matches
    // nothing yet); the caller warns, as the ipseccmd import does.
    let resolved = names
        .get(&v.to_ascii_lowercase())
        .cloned()
        .unwrap_or_default();
    Ok(AddrValue::Dns(v.to_string(), resolved))
}

/// Parses a mask: dotted (`255.255.255.0`) or a prefix length (`24`). Masks with holes
/// are refused, as netsh refuses them.
pub fn mask(arg: &Arg, line: usize) -> Result<Ipv4Addr, NetshError> {
    let v = arg.value.trim();
    if let Ok(p) = v.parse::<u8>() {
        if p <= 32 {
            return Ok(prefix_mask(p));
        }
    } else if let Ok(m) = v.parse::<Ipv4Addr>() {
        if mask_prefix(m).is_some() {
            return Ok(m);
        }
        return Err(bad(
            arg,
            line,
            format!("'{v}' is not a contiguous mask"),
            "a mask is ones then zeros, e.g. 255.255.0.0 or 16",
        ));
    }
    Err(bad(
        arg,
        line,
        format!("'{v}' is not a mask"),
        "write a dotted mask such as 255.255.255.0 or a prefix length 0-32",
    ))
}

/// Combines an address with its mask into the model's address. netsh's default mask is
/// 255.255.255.255; masks given with me/any/server types/names are ignored (with a warning
/// unless they are the natural one).
pub fn with_mask(
    value: AddrValue,
    mask: Option<Ipv4Addr>,
    which: &str,
    warnings: &mut Vec<String>,
) -> Address {
    let natural = |m: Ipv4Addr, natural: Ipv4Addr, what: &str, warnings: &mut Vec<String>| {
        if m != natural {
            warnings.push(format!(
                "{which}mask={m} ignored: a mask does not apply to {what}"
            ));
        }
    };
    match value {
        AddrValue::Ip(addr) => Address::Ip {
            addr,
            mask: mask.unwrap_or(HOST_MASK),
        },
        AddrValue::Me => {
            if let Some(m) = mask {
                natural(m, HOST_MASK, "'me'", warnings);
            }
            Address::Me
        }
        AddrValue::Any => {
            if let Some(m) = mask {
                natural(m, Ipv4Addr::UNSPECIFIED, "'any'", warnings);
            }
            Address::Any
        }
        AddrValue::Server(k) => {
            if let Some(m) = mask {
                natural(m, HOST_MASK, k.keyword(), warnings);
            }
            Address::Server(k)
        }
        AddrValue::Dns(name, resolved) => {
            if let Some(m) = mask {
                natural(m, HOST_MASK, "a DNS name", warnings);
            }
            Address::Dns { name, resolved }
        }
    }
}

pub fn conntype(arg: &Arg, line: usize) -> Result<ConnectionType, NetshError> {
    match arg.value.to_ascii_lowercase().as_str() {
        "all" => Ok(ConnectionType::All),
        "lan" => Ok(ConnectionType::Lan),
        "dialup" => Ok(ConnectionType::RemoteAccess),
        _ => Err(bad(
            arg,
            line,
            format!("unknown connection type '{}'", arg.value),
            "write lan, dialup or all",
        )),
    }
}

pub fn action(arg: &Arg, line: usize) -> Result<Behavior, NetshError> {
    match arg.value.to_ascii_lowercase().as_str() {
        "permit" => Ok(Behavior::Permit),
        "block" => Ok(Behavior::Block),
        "negotiate" => Ok(Behavior::Negotiate),
        _ => Err(bad(
            arg,
            line,
            format!("unknown action '{}'", arg.value),
            "write permit, block or negotiate",
        )),
    }
}

/// A tunnel endpoint: an IPv4 address; `0`, `0.0.0.0` or `none` remove it (set rule).
pub fn tunnel(arg: &Arg, line: usize) -> Result<Option<Ipv4Addr>, NetshError> {
    let v = arg.value.trim();
    if v == "0" || v.eq_ignore_ascii_case("none") || v.is_empty() {
        return Ok(None);
    }
    match v.parse::<Ipv4Addr>() {
        Ok(ip) if ip.is_unspecified() => Ok(None),
        Ok(ip) => Ok(Some(ip)),
        Err(_) => Err(bad(
            arg,
            line,
            format!("'{v}' is not a tunnel end point"),
            "write the tunnel end point's IPv4 address",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(v: &str) -> Arg {
        Arg {
            key: Some("k".into()),
            value: v.into(),
            col: 1,
            value_col: 3,
            quoted: false,
        }
    }

    #[test]
    fn masks() {
        assert_eq!(
            mask(&arg("24"), 1).ok(),
            Some(Ipv4Addr::new(255, 255, 255, 0))
        );
        assert_eq!(
            mask(&arg("255.255.0.0"), 1).ok(),
            Some(Ipv4Addr::new(255, 255, 0, 0))
        );
        assert!(mask(&arg("33"), 1).is_err());
        assert!(mask(&arg("255.0.255.0"), 1).is_err());
        assert!(mask(&arg("abc"), 1).is_err());
    }

    #[test]
    fn addresses() {
        let names = BTreeMap::from([("db.example".to_string(), vec![Ipv4Addr::new(1, 2, 3, 4)])]);
        assert_eq!(address(&arg("ME"), 1, &names).ok(), Some(AddrValue::Me));
        assert_eq!(
            address(&arg("wins"), 1, &names).ok(),
            Some(AddrValue::Server(ServerKind::Wins))
        );
        assert!(matches!(
            address(&arg("DB.example"), 1, &names),
            Ok(AddrValue::Dns(..))
        ));
        assert_eq!(
            address(&arg("nowhere.example"), 1, &names).ok(),
            Some(AddrValue::Dns("nowhere.example".into(), Vec::new()))
        );
        assert!(address(&arg("fe80::1"), 1, &names).is_err());
        assert!(address(&arg("10.0.0.1-10.0.0.9"), 1, &names).is_err());
    }
}
