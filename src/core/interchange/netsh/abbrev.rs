//! NetShell's abbreviation rule: a command word may be shortened to any prefix that names
//! exactly one command of its context (`del` for `delete`, `sh po` for `show policy`,
//! `add mmp` for `add mmpolicy`). An exact match always wins, so `filter` is never read as
//! an abbreviation of `filteraction`. Source: the netsh help ("commands can be
//! abbreviated to the shortest unambiguous prefix") and NetShell's matching of tokens
//! against the context's command table. Pure.

/// Commands of `netsh` (the root) that lead into ipsec.
pub const ROOT: &[&str] = &[
    "..",
    "?",
    "abort",
    "add",
    "alias",
    "bridge",
    "bye",
    "commit",
    "delete",
    "diag",
    "dump",
    "exec",
    "exit",
    "firewall",
    "help",
    "interface",
    "ipsec",
    "lan",
    "offline",
    "online",
    "popd",
    "pushd",
    "quit",
    "ras",
    "routing",
    "rpc",
    "set",
    "show",
    "unalias",
    "wins",
    "winsock",
    "winhttp",
    "advfirewall",
];

/// Commands and sub-contexts of `netsh ipsec`.
pub const IPSEC: &[&str] = &["?", "dump", "dynamic", "help", "static"];

/// Verbs of `netsh ipsec static`.
pub const STATIC_VERBS: &[&str] = &[
    "?",
    "add",
    "delete",
    "dump",
    "exportpolicy",
    "help",
    "importpolicy",
    "set",
    "show",
];

/// Verbs of `netsh ipsec dynamic`.
pub const DYNAMIC_VERBS: &[&str] = &["?", "add", "delete", "dump", "help", "set", "show"];

/// Objects each static verb takes.
pub fn static_objects(verb: &str) -> &'static [&'static str] {
    match verb {
        "add" => &["filter", "filteraction", "filterlist", "policy", "rule"],
        "set" => &[
            "batch",
            "defaultrule",
            "filteraction",
            "filterlist",
            "policy",
            "rule",
            "store",
        ],
        "delete" => &[
            "all",
            "filter",
            "filteraction",
            "filterlist",
            "policy",
            "rule",
        ],
        "show" => &[
            "all",
            "assignedpolicy",
            "filteraction",
            "filterlist",
            "gpoassignedpolicy",
            "policy",
            "rule",
            "store",
        ],
        _ => &[],
    }
}

/// Objects each dynamic verb takes.
pub fn dynamic_objects(verb: &str) -> &'static [&'static str] {
    match verb {
        "add" => &["mmpolicy", "qmpolicy", "rule"],
        "set" => &["config", "mmpolicy", "qmpolicy", "rule"],
        "delete" => &["all", "mmpolicy", "qmpolicy", "rule"],
        "show" => &[
            "all", "config", "mmfilter", "mmpolicy", "mmsas", "qmfilter", "qmpolicy", "qmsas",
            "rule",
        ],
        _ => &[],
    }
}

/// What a word resolves to among `commands`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The one command the word names (exactly or as a prefix).
    One(&'static str),
    /// A prefix of several commands: netsh refuses it as ambiguous.
    Ambiguous(Vec<&'static str>),
    /// Names no command.
    None,
}

/// Resolves `word` (any case) among `commands` by NetShell's rule.
pub fn resolve(word: &str, commands: &[&'static str]) -> Resolved {
    let w = word.to_ascii_lowercase();
    if w.is_empty() {
        return Resolved::None;
    }
    if let Some(c) = commands.iter().find(|c| **c == w) {
        return Resolved::One(c);
    }
    let hits: Vec<&'static str> = commands
        .iter()
        .copied()
        .filter(|c| c.starts_with(&w))
        .collect();
    match hits.len() {
        0 => Resolved::None,
        1 => Resolved::One(hits[0]),
        _ => Resolved::Ambiguous(hits),
    }
}

/// The full word for `word`, or the word itself (lower-cased) when it is ambiguous or
/// unknown, so the caller's own error names what was typed.
pub fn expand(word: &str, commands: &[&'static str]) -> String {
    match resolve(word, commands) {
        Resolved::One(c) => c.to_string(),
        _ => word.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_unambiguous_prefix() {
        assert_eq!(resolve("del", STATIC_VERBS), Resolved::One("delete"));
        assert_eq!(resolve("sh", STATIC_VERBS), Resolved::One("show"));
        assert_eq!(resolve("SH", STATIC_VERBS), Resolved::One("show"));
        assert_eq!(
            resolve("s", STATIC_VERBS),
            Resolved::Ambiguous(vec!["set", "show"])
        );
        assert_eq!(
            resolve("d", STATIC_VERBS),
            Resolved::Ambiguous(vec!["delete", "dump"])
        );
        assert_eq!(
            resolve("po", static_objects("show")),
            Resolved::One("policy")
        );
        assert_eq!(
            resolve("pol", static_objects("add")),
            Resolved::One("policy")
        );
        assert_eq!(
            resolve("mmp", dynamic_objects("add")),
            Resolved::One("mmpolicy")
        );
        assert_eq!(resolve("s", IPSEC), Resolved::One("static"));
        assert_eq!(resolve("dy", IPSEC), Resolved::One("dynamic"));
        assert_eq!(resolve("x", IPSEC), Resolved::None);
    }

    #[test]
    fn exact_match_beats_prefix() {
        assert_eq!(
            resolve("filter", static_objects("add")),
            Resolved::One("filter")
        );
        assert_eq!(
            resolve("filtera", static_objects("add")),
            Resolved::One("filteraction")
        );
        assert_eq!(
            resolve("filter", static_objects("show")),
            Resolved::Ambiguous(vec!["filteraction", "filterlist"])
        );
    }
}
