//! `show --json`, streamed: the document is serialized straight from the snapshot through a
//! buffered stdout, with no JSON tree of the whole store (at 100,000 filters a tree took
//! 835 MiB). Small objects (an action, a policy's key exchange) are still built as
//! `Value`s one at a time; what grows with the policy (filters, rules, lists, actions,
//! dynamic rules) is serialized element by element. Keys come in sorted order, as the
//! `Value` form printed them, so the output is the same document, byte for byte.
//!
//! Strings pass through `TerminalSafe`, a formatter that escapes what `json_safe` escapes
//! (DEL, C1 controls, bidi marks) as `\uXXXX`, so the stream stays valid JSON and safe for
//! a terminal. Owns the JSON layout of `show`; prints nothing else.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::Ipv4Addr;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::ser::Formatter;

use super::{action_json, auth_word, default_response_json, dynamic_json, key_exchange_json};
use crate::cli::CliError;
use crate::core::model::{
    Address, Filter, FilterAction, FilterList, HOST_MASK, Id, Policy, Rule, Snapshot, UsageCounts,
};
use crate::core::text::is_unsafe_char;

/// Writes the `show --json` document for `policies` to stdout.
pub fn print(snap: &Snapshot, policies: &[&Policy]) -> Result<(), CliError> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = write(&mut out, snap, policies).and_then(|()| out.flush());
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(141),
        Err(e) => Err(CliError::Failed(format!("cannot write the output: {e}"))),
    }
}

/// The document, followed by a line end, into `w`.
pub fn write<W: Write>(mut w: W, snap: &Snapshot, policies: &[&Policy]) -> io::Result<()> {
    let doc = Doc::new(snap, policies);
    let mut ser = serde_json::Serializer::with_formatter(&mut w, TerminalSafe::default());
    doc.serialize(&mut ser).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

struct Doc<'a> {
    snap: &'a Snapshot,
    policies: &'a [&'a Policy],
    lists: HashMap<Id, &'a FilterList>,
    actions: HashMap<Id, &'a FilterAction>,
    usage: UsageCounts,
}

impl<'a> Doc<'a> {
    fn new(snap: &'a Snapshot, policies: &'a [&'a Policy]) -> Self {
        let mut lists = HashMap::new();
        for l in &snap.filter_lists {
            // The first list with a GUID, as `Snapshot::filter_list` finds it.
            lists.entry(l.id).or_insert(l);
        }
        let mut actions = HashMap::new();
        for a in &snap.filter_actions {
            actions.entry(a.id).or_insert(a);
        }
        Doc {
            snap,
            policies,
            lists,
            actions,
            usage: snap.usage_counts(),
        }
    }
}

/// A sequence serialized from an iterator made on demand.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let iter = (self.0)().into_iter();
        let mut seq = s.serialize_seq(None)?;
        for item in iter {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

impl Serialize for Doc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let snap = self.snap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("assigned", &snap.assigned_policy().map(|p| &p.name))?;
        m.serialize_entry("dynamic", &Seq(|| snap.dynamic.iter().map(dynamic_json)))?;
        m.serialize_entry(
            "filter_actions",
            &Seq(|| {
                snap.filter_actions.iter().map(|a| {
                    let mut v = action_json(a);
                    v["used_by_rules"] = self.usage.action(a.id).into();
                    v
                })
            }),
        )?;
        m.serialize_entry(
            "filter_lists",
            &Seq(|| {
                snap.filter_lists.iter().map(|l| ListOut {
                    list: l,
                    used_by_rules: Some(self.usage.list(l.id)),
                })
            }),
        )?;
        m.serialize_entry("host", &crate::cli::config::to_json(&snap.host))?;
        m.serialize_entry(
            "policies",
            &Seq(|| self.policies.iter().map(|p| PolicyOut { doc: self, p })),
        )?;
        m.end()
    }
}

/// A filter list: in `filter_lists` with its usage, under a rule without it (and without
/// its description).
struct ListOut<'a> {
    list: &'a FilterList,
    used_by_rules: Option<usize>,
}

impl Serialize for ListOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.list;
        let mut m = s.serialize_map(None)?;
        if self.used_by_rules.is_some() {
            m.serialize_entry("description", &l.description)?;
        }
        m.serialize_entry("filters", &Seq(|| l.filters.iter().map(FilterOut)))?;
        m.serialize_entry("id", &l.id)?;
        m.serialize_entry("name", &l.name)?;
        if let Some(n) = self.used_by_rules {
            m.serialize_entry("used_by_rules", &n)?;
        }
        m.end()
    }
}

struct PolicyOut<'a> {
    doc: &'a Doc<'a>,
    p: &'a Policy,
}

impl Serialize for PolicyOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.p;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("assigned", &(self.doc.snap.assigned == Some(p.id)))?;
        m.serialize_entry("default_response", &default_response_json(p))?;
        m.serialize_entry("description", &p.description)?;
        m.serialize_entry("id", &p.id)?;
        m.serialize_entry("key_exchange", &key_exchange_json(p))?;
        m.serialize_entry("name", &p.name)?;
        m.serialize_entry("polling_interval_min", &p.polling_interval_min)?;
        m.serialize_entry(
            "rules",
            &Seq(|| p.rules.iter().map(|r| RuleOut { doc: self.doc, r })),
        )?;
        m.end()
    }
}

struct RuleOut<'a> {
    doc: &'a Doc<'a>,
    r: &'a Rule,
}

impl Serialize for RuleOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.r;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("active", &r.active)?;
        m.serialize_entry(
            "authentication",
            &Seq(|| r.authentication.iter().map(auth_word)),
        )?;
        m.serialize_entry("connection", &r.connection.word())?;
        m.serialize_entry("description", &r.description)?;
        m.serialize_entry(
            "filter_action",
            &self
                .doc
                .actions
                .get(&r.filter_action)
                .map(|a| action_json(a)),
        )?;
        m.serialize_entry(
            "filter_list",
            &self.doc.lists.get(&r.filter_list).map(|l| ListOut {
                list: l,
                used_by_rules: None,
            }),
        )?;
        m.serialize_entry("id", &r.id)?;
        m.serialize_entry("name", &r.name)?;
        m.serialize_entry("tunnel", &r.tunnel.map(|t| t.to_string()))?;
        m.end()
    }
}

/// One filter, as `show::filter_json` builds it, without the tree.
struct FilterOut<'a>(&'a Filter);

impl Serialize for FilterOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("description", &f.description)?;
        m.serialize_entry("destination", &AddressOut(&f.destination))?;
        m.serialize_entry("dst_port", &f.dst_port)?;
        m.serialize_entry("id", &f.id)?;
        m.serialize_entry("mirrored", &f.mirrored)?;
        m.serialize_entry("protocol", &f.protocol.number())?;
        match f.protocol.name() {
            Some(name) => m.serialize_entry("protocol_name", name)?,
            None => m.serialize_entry("protocol_name", &f.protocol.to_string())?,
        }
        m.serialize_entry("source", &AddressOut(&f.source))?;
        m.serialize_entry("src_port", &f.src_port)?;
        m.end()
    }
}

struct AddressOut<'a>(&'a Address);

impl Serialize for AddressOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        let mut m = s.serialize_map(None)?;
        match a {
            Address::Me => m.serialize_entry("kind", "me")?,
            Address::Any => m.serialize_entry("kind", "any")?,
            Address::Ip { addr, mask } => {
                let addr = Dotted::of(*addr);
                m.serialize_entry("addr", addr.as_str())?;
                m.serialize_entry("kind", "ip")?;
                m.serialize_entry("mask", Dotted::of(*mask).as_str())?;
                if *mask == HOST_MASK {
                    // What `Address`'s Display writes for a host, without formatting again.
                    m.serialize_entry("text", addr.as_str())?;
                } else {
                    m.serialize_entry("text", &a.to_string())?;
                }
            }
            Address::Dns { name, resolved } => {
                m.serialize_entry("kind", "dns")?;
                m.serialize_entry("name", name)?;
                m.serialize_entry("resolved", &Seq(|| resolved.iter().map(|r| r.to_string())))?;
            }
            Address::Server(k) => {
                m.serialize_entry("kind", "server")?;
                m.serialize_entry("server", k.keyword())?;
            }
        }
        m.end()
    }
}

/// An IPv4 address in dotted form, written into a stack buffer: `Ipv4Addr::to_string`
/// allocated and went through the formatting machinery twice per filter.
struct Dotted {
    buf: [u8; 15],
    len: usize,
}

impl Dotted {
    fn of(a: Ipv4Addr) -> Dotted {
        let mut d = Dotted {
            buf: [0; 15],
            len: 0,
        };
        for (i, octet) in a.octets().into_iter().enumerate() {
            if i > 0 {
                d.push(b'.');
            }
            if octet >= 100 {
                d.push(b'0' + octet / 100);
            }
            if octet >= 10 {
                d.push(b'0' + octet / 10 % 10);
            }
            d.push(b'0' + octet % 10);
        }
        d
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and dots were written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

/// serde_json's pretty formatter (two-space indent), with the characters a terminal would
/// act on (DEL, C1 controls, bidi marks) escaped inside strings; serde_json escapes C0
/// itself. The indentation is written in one call per line, not two bytes at a time.
#[derive(Default)]
struct TerminalSafe {
    indent: usize,
    has_value: bool,
}

/// Enough spaces for any depth the document has (deeper levels write them in pieces).
const SPACES: &[u8; 64] = b"                                                                ";

impl TerminalSafe {
    fn newline_indent<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        w.write_all(if comma { b",\n" } else { b"\n" })?;
        let mut n = self.indent * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.indent = self.indent.saturating_sub(1);
        if self.has_value {
            self.newline_indent(w, false)?;
        }
        w.write_all(bracket)
    }
}

impl Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Printable ASCII (serde_json has escaped C0 already) needs no look per character.
        if fragment.bytes().all(|b| b < 0x7F) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe_char(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                write!(w, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.indent += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.newline_indent(w, !first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.indent += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.newline_indent(w, !first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_is_what_ipv4addr_displays() {
        for n in (0..=u32::MAX)
            .step_by(16_777_259)
            .chain([0, 1, 10, 99, 100, u32::MAX])
        {
            let a = Ipv4Addr::from(n.rotate_left(7));
            assert_eq!(Dotted::of(a).as_str(), a.to_string());
        }
    }

    #[test]
    fn the_formatter_indents_as_serde_json_pretty_does() {
        let v = serde_json::json!({"a": [1, {"b": [], "c": {}}, [[2]]], "d": {"e": "x\u{7f}"}});
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, TerminalSafe::default());
        v.serialize(&mut ser).expect("serializes");
        let pretty = serde_json::to_string_pretty(&v).expect("pretty");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            pretty.replace('\u{7f}', "\\u007f")
        );
    }
}
