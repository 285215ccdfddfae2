//! Filter specs: `SRC[/MASK][:PORT]=DST[/MASK][:PORT][:PROTO]` (`+` for mirrored), the
//! dynamic-mode `[spec]` / `(spec)` wrappers, `DEFAULT`, and the repair of specs a shell
//! split at stray spaces.
//!
//! Owns turning one spec's text into a model `Filter`. It resolves DNS names only from the
//! host name table (ipsedit never queries DNS) and never decides what the filter is for.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use crate::core::model::{Address, Filter, HostContext, Protocol, mask_prefix, prefix_mask};

use super::IpseccmdError;

/// How a dynamic-mode spec was wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wrap {
    /// Takes its action from `-n`.
    Plain,
    /// `[spec]`: a block filter.
    Block,
    /// `(spec)`: a pass-through (permit) filter.
    Pass,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Spec {
    /// `DEFAULT`: the policy's default response rule.
    Default,
    Filter {
        wrap: Wrap,
        filter: Filter,
    },
}

/// Joins fragments of one spec that a shell split at stray spaces (`*=0: 1434: UDP` arrives
/// as `*=0:`, `1434:`, `UDP`), and splits arguments that hold several specs
/// (`-f "a=b c=d"`). A fragment joins its predecessor when the predecessor ends with a
/// separator (`:` `=` `+` `/` or an opening bracket) or the fragment starts with one (or
/// with a closing bracket). Each repair is reported with the original and repaired text.
/// The specs are appended to `specs`; only the fragments of the spec being joined are held
/// on the way (a 1 MiB `-f` list is not copied twice).
pub(super) fn repair_spec_fragments<'a>(
    values: &'a [String],
    specs: &mut Vec<Cow<'a, str>>,
    warnings: &mut Vec<String>,
) {
    const JOIN_AFTER: &[char] = &[':', '=', '+', '/', '[', '('];
    const JOIN_BEFORE: &[char] = &[':', '=', '+', '/', ']', ')'];
    let first = specs.len();
    // The fragments of the last spec once it has more than one, and its first fragment.
    let mut parts: Vec<&str> = Vec::new();
    let mut start = "";
    let mut report = |parts: &mut Vec<&str>, spec: Option<&Cow<'_, str>>| {
        if let (true, Some(spec)) = (parts.len() > 1, spec) {
            warnings.push(format!(
                "repaired filter spec '{}' to '{spec}' (stray spaces removed)",
                parts.join(" ")
            ));
        }
        parts.clear();
    };
    for fragment in values.iter().flat_map(|v| v.split_whitespace()) {
        let joins = specs.len() > first
            && specs.last().is_some_and(|prev| {
                prev.ends_with(JOIN_AFTER) || fragment.starts_with(JOIN_BEFORE)
            });
        match specs.last_mut() {
            Some(prev) if joins => {
                if parts.is_empty() {
                    parts.push(start);
                }
                prev.to_mut().push_str(fragment);
                parts.push(fragment);
            }
            _ => {
                report(&mut parts, specs.last());
                specs.push(Cow::Borrowed(fragment));
                start = fragment;
            }
        }
    }
    report(&mut parts, specs.last());
}

/// Parses one spec. DNS names resolve from `host.names`; unresolved names and address bits
/// outside a mask produce warnings, not errors (docs/domain.md, "Addresses, protocols, ports").
pub(super) fn parse_spec(
    text: &str,
    host: &HostContext,
    warnings: &mut Vec<String>,
) -> Result<Spec, IpseccmdError> {
    if text.eq_ignore_ascii_case("DEFAULT") {
        return Ok(Spec::Default);
    }
    let (wrap, inner) = unwrap_brackets(text)?;
    let (left, right, mirrored) = split_sides(text, inner)?;
    if right.is_empty() || right.starts_with(':') {
        return Err(missing_destination(text, left));
    }
    if left.is_empty() || left.starts_with(':') {
        return Err(IpseccmdError::new(
            text,
            format!("filter spec '{text}' has no source address"),
            "write SRC=DST[:PORT][:PROTO], with 0 for me and * for any, e.g. '*=0:1434:UDP'",
        ));
    }

    let left_parts: Vec<&str> = left.split(':').collect();
    let right_parts: Vec<&str> = right.split(':').collect();
    if left_parts.len() > 2 || right_parts.len() > 3 {
        return Err(IpseccmdError::new(
            text,
            format!("filter spec '{text}' has too many ':'"),
            "write SRC[/MASK][:PORT]=DST[/MASK][:PORT][:PROTO], e.g. '*=0:1434:UDP'",
        ));
    }
    // An empty protocol (`…:80:`) is "any" like an empty port (`…::TCP`); an empty field
    // that is the last of two (`0=*:`) says nothing and is refused.
    if right_parts.len() == 2 && right_parts.last().is_some_and(|p| p.is_empty())
        || left_parts.len() > 1 && left_parts.last().is_some_and(|p| p.is_empty())
    {
        return Err(IpseccmdError::new(
            text,
            format!("filter spec '{text}' has an empty field after ':'"),
            "put a port or protocol after ':' or drop the ':', e.g. '*=0:1434:UDP' or '*=0::ICMP'",
        ));
    }

    let source = parse_address(
        text,
        left_parts.first().copied().unwrap_or(""),
        host,
        warnings,
    )?;
    let destination = parse_address(
        text,
        right_parts.first().copied().unwrap_or(""),
        host,
        warnings,
    )?;
    let src_port = match left_parts.get(1) {
        Some(p) => parse_port(text, p)?,
        None => 0,
    };
    // With two fields after the destination, the second is the port; with one, it is the
    // port when numeric and otherwise a protocol name (`*=0:ICMP`).
    let (dst_port, protocol) = match (right_parts.get(1), right_parts.get(2)) {
        (Some(port), Some(proto)) => (parse_port(text, port)?, parse_protocol(text, proto)?),
        (Some(field), None) if field.chars().all(|c| c.is_ascii_digit()) => {
            (parse_port(text, field)?, Protocol::ANY)
        }
        (Some(field), None) => (0, parse_protocol(text, field)?),
        _ => (0, Protocol::ANY),
    };
    check_ports(text, protocol, src_port.max(dst_port))?;

    let mut filter = Filter::new(source, destination);
    filter.protocol = protocol;
    filter.src_port = src_port;
    filter.dst_port = dst_port;
    filter.mirrored = mirrored;
    Ok(Spec::Filter { wrap, filter })
}

fn unwrap_brackets(text: &str) -> Result<(Wrap, &str), IpseccmdError> {
    let (wrap, inner) = if let Some(rest) = text.strip_prefix('[') {
        (Wrap::Block, rest.strip_suffix(']'))
    } else if let Some(rest) = text.strip_prefix('(') {
        (Wrap::Pass, rest.strip_suffix(')'))
    } else {
        (Wrap::Plain, Some(text))
    };
    match inner {
        Some(inner) if !inner.contains(['[', ']', '(', ')']) => Ok((wrap, inner)),
        _ => {
            let fix = match text.chars().find(|c| "[]()".contains(*c)) {
                Some('[' | ']') => {
                    "write [SPEC] for a block filter, e.g. '[*=0:1434:UDP]' (quote it in a Unix shell)"
                }
                _ => {
                    "write (SPEC) for a pass-through filter, e.g. '(*=0:1434:UDP)' (quote it in a Unix shell)"
                }
            };
            Err(IpseccmdError::new(
                text,
                format!("unbalanced brackets in filter spec '{text}'"),
                fix,
            ))
        }
    }
}

fn split_sides<'a>(text: &str, inner: &'a str) -> Result<(&'a str, &'a str, bool), IpseccmdError> {
    let separators = inner.matches(['=', '+']).count();
    match (inner.split_once('='), inner.split_once('+')) {
        (Some((l, r)), None) if separators == 1 => Ok((l, r, false)),
        (None, Some((l, r))) if separators == 1 => Ok((l, r, true)),
        _ if separators == 0 => Err(IpseccmdError::new(
            text,
            format!("'{text}' is not a filter spec: it has no '=' or '+'"),
            "write SRC=DST[:PORT][:PROTO] ('+' instead of '=' for mirrored), e.g. '*=0:1434:UDP'; \
             a port or protocol belongs after a ':' in the spec before it",
        )),
        _ => Err(IpseccmdError::new(
            text,
            format!("filter spec '{text}' has more than one '=' or '+'"),
            "give each filter as its own spec, separated by spaces: '*=0:80:TCP *=0:443:TCP'",
        )),
    }
}

/// `*0=:1434:UDP` is the seed article's misprinted template (KB 813878): say what it meant.
fn missing_destination(text: &str, left: &str) -> IpseccmdError {
    let hint = if left.starts_with(['*', '0']) && left.len() == 2 {
        "this is the article's misprinted template '*0=:PortNumber:Protocol': the address goes \
         before each port; write '0=*:1434:UDP' for me to any (outbound) or '*=0:1434:UDP' for \
         any to me (inbound)"
    } else {
        "write SRC=DST[:PORT][:PROTO], with 0 for me and * for any, e.g. '*=0:1434:UDP'"
    };
    IpseccmdError::new(
        text,
        format!("filter spec '{text}' has no destination address"),
        hint,
    )
}

fn parse_address(
    spec: &str,
    text: &str,
    host: &HostContext,
    warnings: &mut Vec<String>,
) -> Result<Address, IpseccmdError> {
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (text, None),
    };
    let mask_not_allowed = |what: &str| {
        IpseccmdError::new(
            spec,
            format!("a mask cannot follow {what} in filter spec '{spec}'"),
            "masks belong to IP addresses, e.g. '10.0.0.0/255.0.0.0' or '10.0.0.0/8'",
        )
    };
    match addr {
        // ipseccmd takes a mask after 0 (`0/255.255.255.255=…`, as generated scripts
        // write it): "me" is this computer's own addresses, so a host mask says nothing
        // more and any other mask is ignored with a warning.
        "0" => {
            if let Some(m) = mask
                && m != "255.255.255.255"
                && m != "32"
            {
                warnings.push(format!(
                    "mask '/{m}' after 0 (me) in filter spec '{spec}' ignored: 0 means this \
                     computer's own addresses"
                ));
            }
            return Ok(Address::Me);
        }
        "*" => return mask.map_or(Ok(Address::Any), |_| Err(mask_not_allowed("* (any)"))),
        _ => {}
    }
    if addr.contains('*') {
        if mask.is_some() {
            return Err(mask_not_allowed("star notation"));
        }
        return star_notation(spec, addr);
    }
    if !addr.is_empty() && addr.chars().all(|c| c.is_ascii_digit() || c == '.') {
        let ip: Ipv4Addr = addr.parse().map_err(|_| {
            IpseccmdError::new(
                spec,
                format!("'{addr}' in filter spec '{spec}' is not an IPv4 address"),
                "write four numbers 0-255 separated by dots, e.g. 192.168.1.1",
            )
        })?;
        let Some(mask_text) = mask else {
            return Ok(Address::host(ip));
        };
        let mask = parse_mask(spec, mask_text)?;
        if u32::from(ip) & !u32::from(mask) != 0 {
            let network = Ipv4Addr::from(u32::from(ip) & u32::from(mask));
            warnings.push(format!(
                "address {ip} in filter spec '{spec}' has bits outside its mask {mask}; \
                 kept as written (the subnet is {network}); `ipsedit check` reports it"
            ));
        }
        return Ok(Address::subnet(ip, mask));
    }
    if !is_host_name(addr) {
        return Err(IpseccmdError::new(
            spec,
            format!("'{addr}' in filter spec '{spec}' is not an address"),
            "use 0 (me), * (any), an IPv4 address with optional /mask, star notation \
             (144.92.*.*) or a DNS name",
        ));
    }
    if mask.is_some() {
        return Err(mask_not_allowed("a DNS name"));
    }
    let resolved = host
        .names
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(addr))
        .map(|(_, addrs)| addrs.clone())
        .unwrap_or_default();
    if resolved.is_empty() {
        warnings.push(format!(
            "DNS name '{addr}' is not in the host name table, so its filter matches no address \
             yet; ipsedit never queries DNS: add the name and its addresses to the store's host \
             names (`ipsedit config set name HOST ADDR[,ADDR]`) and run this command again"
        ));
    }
    Ok(Address::Dns {
        name: addr.to_string(),
        resolved,
    })
}

fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
}

/// `144.92.*.*` = 144.92.0.0 / 255.255.0.0: a star is a zero octet with a zero mask octet.
fn star_notation(spec: &str, addr: &str) -> Result<Address, IpseccmdError> {
    let octets: Vec<&str> = addr.split('.').collect();
    let bad = || {
        IpseccmdError::new(
            spec,
            format!("'{addr}' in filter spec '{spec}' is not valid star notation"),
            "write four octets with trailing stars, e.g. 144.92.*.* (= 144.92.0.0/16)",
        )
    };
    if octets.len() != 4 {
        return Err(bad());
    }
    let mut ip = [0u8; 4];
    let mut mask = [0u8; 4];
    for (i, octet) in octets.iter().enumerate() {
        if *octet == "*" {
            continue;
        }
        ip[i] = octet.parse().map_err(|_| bad())?;
        mask[i] = 255;
    }
    let mask = Ipv4Addr::from(mask);
    if mask_prefix(mask).is_none() {
        return Err(IpseccmdError::new(
            spec,
            format!(
                "star notation '{addr}' in filter spec '{spec}' gives a mask that is not contiguous ({mask})"
            ),
            "stars must be the trailing octets, e.g. 144.92.*.*",
        ));
    }
    Ok(Address::subnet(Ipv4Addr::from(ip), mask))
}

fn parse_mask(spec: &str, text: &str) -> Result<Ipv4Addr, IpseccmdError> {
    let mask = if !text.contains('.') {
        match text.parse::<u8>() {
            Ok(p) if p <= 32 => prefix_mask(p),
            _ => {
                return Err(IpseccmdError::new(
                    spec,
                    format!(
                        "mask '/{text}' in filter spec '{spec}' is not a prefix length 0-32 or a dotted mask"
                    ),
                    "write /24 or /255.255.255.0",
                ));
            }
        }
    } else {
        text.parse::<Ipv4Addr>().map_err(|_| {
            IpseccmdError::new(
                spec,
                format!("mask '{text}' in filter spec '{spec}' is not a dotted mask"),
                "write a mask like 255.255.255.0 or a prefix length like /24",
            )
        })?
    };
    if mask_prefix(mask).is_none() {
        return Err(IpseccmdError::new(
            spec,
            format!("mask {mask} in filter spec '{spec}' is not contiguous"),
            "a mask is ones followed by zeros, e.g. 255.255.0.0 (/16) or 255.255.255.0 (/24)",
        ));
    }
    Ok(mask)
}

fn parse_port(spec: &str, text: &str) -> Result<u16, IpseccmdError> {
    if text.is_empty() {
        return Ok(0);
    }
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(IpseccmdError::new(
            spec,
            format!("port '{text}' in filter spec '{spec}' is not a number"),
            "write a port 0-65535 (0 = any), e.g. '*=0:1434:UDP'",
        ));
    }
    text.parse::<u16>().map_err(|_| {
        IpseccmdError::new(
            spec,
            format!("port {text} in filter spec '{spec}' is out of range 0-65535"),
            "write a port 0-65535 (0 = any), e.g. '*=0:1434:UDP'",
        )
    })
}

fn parse_protocol(spec: &str, text: &str) -> Result<Protocol, IpseccmdError> {
    if text.is_empty() {
        return Ok(Protocol::ANY);
    }
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse::<u8>().map(Protocol).map_err(|_| {
            IpseccmdError::new(
                spec,
                format!("protocol number {text} in filter spec '{spec}' is out of range 0-255"),
                format!("use a number 0-255 or one of {}", Protocol::known_names()),
            )
        });
    }
    Protocol::parse(text).ok_or_else(|| {
        IpseccmdError::new(
            spec,
            format!("unknown protocol '{text}' in filter spec '{spec}'"),
            format!("use a number 0-255 or one of {}", Protocol::known_names()),
        )
    })
}

/// docs/domain.md, "Addresses, protocols, ports": a port is only valid with TCP or UDP.
fn check_ports(spec: &str, protocol: Protocol, any_port: u16) -> Result<(), IpseccmdError> {
    if any_port == 0 || protocol.has_ports() {
        return Ok(());
    }
    if protocol.is_any() {
        return Err(IpseccmdError::new(
            spec,
            format!("filter spec '{spec}' gives a port but no protocol"),
            "ports need TCP or UDP: add ':TCP' or ':UDP' after the port, e.g. '*=0:1434:UDP'",
        ));
    }
    Err(IpseccmdError::new(
        spec,
        format!(
            "filter spec '{spec}' gives a port with protocol {protocol}; ports apply only to TCP and UDP"
        ),
        format!("drop the port ('*=0::{protocol}') or use TCP or UDP"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::HOST_MASK;

    fn repair(values: &[&str]) -> (Vec<String>, Vec<String>) {
        let values: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        let (mut specs, mut warnings) = (Vec::new(), Vec::new());
        repair_spec_fragments(&values, &mut specs, &mut warnings);
        (specs.into_iter().map(Cow::into_owned).collect(), warnings)
    }

    #[test]
    fn stray_spaces_are_joined() {
        let (specs, warnings) = repair(&["*=0:", "1434:", "UDP"]);
        assert_eq!(specs, ["*=0:1434:UDP"]);
        assert_eq!(
            warnings,
            ["repaired filter spec '*=0: 1434: UDP' to '*=0:1434:UDP' (stray spaces removed)"]
        );
        let (specs, _) = repair(&["[*=0:", "1434:", "UDP]"]);
        assert_eq!(specs, ["[*=0:1434:UDP]"]);
        let (specs, _) = repair(&["*=0 :80:TCP", "0=*:80:TCP"]);
        assert_eq!(specs, ["*=0:80:TCP", "0=*:80:TCP"]);
        let (specs, warnings) = repair(&["1.2.3.4=0:", "80:TCP", "*=0", ":", "22:TCP", "0=*"]);
        assert_eq!(specs, ["1.2.3.4=0:80:TCP", "*=0:22:TCP", "0=*"]);
        assert_eq!(
            warnings,
            [
                "repaired filter spec '1.2.3.4=0: 80:TCP' to '1.2.3.4=0:80:TCP' (stray spaces removed)",
                "repaired filter spec '*=0 : 22:TCP' to '*=0:22:TCP' (stray spaces removed)"
            ]
        );
    }

    #[test]
    fn a_second_list_does_not_join_the_first() {
        let values = vec!["*=0:".to_string()];
        let more = vec![":80".to_string()];
        let (mut specs, mut warnings) = (Vec::new(), Vec::new());
        repair_spec_fragments(&values, &mut specs, &mut warnings);
        repair_spec_fragments(&more, &mut specs, &mut warnings);
        assert_eq!(specs, ["*=0:", ":80"]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn several_specs_in_one_argument() {
        let (specs, warnings) = repair(&["*=0:80:TCP *=0:443:TCP"]);
        assert_eq!(specs, ["*=0:80:TCP", "*=0:443:TCP"]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn prefix_mask_and_mirrored() {
        let mut w = Vec::new();
        let spec = parse_spec("10.1.0.0/16+0:23:TCP", &HostContext::default(), &mut w);
        let Ok(Spec::Filter { filter, wrap }) = spec else {
            panic!("{spec:?}");
        };
        assert_eq!(wrap, Wrap::Plain);
        assert_eq!(
            filter.source,
            Address::subnet(Ipv4Addr::new(10, 1, 0, 0), Ipv4Addr::new(255, 255, 0, 0))
        );
        assert_eq!(filter.destination, Address::Me);
        assert_eq!(
            (filter.src_port, filter.dst_port, filter.protocol),
            (0, 23, Protocol::TCP)
        );
        assert!(filter.mirrored);
        assert!(w.is_empty());
    }

    #[test]
    fn host_mask_defaults_and_protocol_only() {
        let mut w = Vec::new();
        let Ok(Spec::Filter { filter, .. }) =
            parse_spec("0=10.0.0.1:ICMP", &HostContext::default(), &mut w)
        else {
            panic!("did not parse");
        };
        assert_eq!(
            filter.destination,
            Address::Ip {
                addr: Ipv4Addr::new(10, 0, 0, 1),
                mask: HOST_MASK
            }
        );
        assert_eq!(filter.protocol, Protocol::ICMP);
    }
}
