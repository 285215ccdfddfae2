//! Binds a command's arguments to its parameters the way netsh does: tags are
//! case-insensitive and may be abbreviated to a prefix (`srca=`, `mir=`, `qmsec=`), and
//! untagged values fill the parameters in their documented order. The tables below give,
//! per command, the parameter names in netsh's positional order.
//!
//! A prefix that several parameters share (`filter=` in `add rule`: filterlist and
//! filteraction) is read as the first of them in that order, as NetShell's tag matcher
//! does: it walks the command's tag table and takes the first tag the word is a prefix of
//! (Microsoft documents only the command rule, "the shortest unambiguous string"; the tag
//! rule is taken from scripts that rely on it, such as the widely copied 2007 Korean
//! China-block list, `add rule name=3 policy=… filter=China_block filteraction=Block`).
//! The reading is reported as a warning naming the parameter chosen, drained by the
//! netsh line runner with [`take_notes`].

use std::cell::RefCell;

use super::NetshError;
use super::lexer::Arg;

thread_local! {
    /// Warnings from [`bind`] about shared prefixes, for the command being run.
    static NOTES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The warnings [`bind`] left for the command just run (and forgets them).
pub fn take_notes() -> Vec<String> {
    NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()))
}

/// One documented parameter of a command.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    /// May be given several times (`rootca`, `psk`: several authentication methods).
    pub repeat: bool,
}

const fn req(name: &'static str) -> Param {
    Param {
        name,
        required: true,
        repeat: false,
    }
}

const fn opt(name: &'static str) -> Param {
    Param {
        name,
        required: false,
        repeat: false,
    }
}

const fn rep(name: &'static str) -> Param {
    Param {
        name,
        required: false,
        repeat: true,
    }
}

pub const ADD_POLICY: &[Param] = &[
    req("name"),
    opt("description"),
    opt("mmpfs"),
    opt("qmpermm"),
    opt("mmlifetime"),
    opt("activatedefaultrule"),
    opt("pollinginterval"),
    opt("assign"),
    opt("mmsecmethods"),
];
pub const ADD_FILTERLIST: &[Param] = &[req("name"), opt("description")];
pub const ADD_FILTER: &[Param] = &[
    req("filterlist"),
    req("srcaddr"),
    req("dstaddr"),
    opt("description"),
    opt("protocol"),
    opt("mirrored"),
    opt("srcmask"),
    opt("dstmask"),
    opt("srcport"),
    opt("dstport"),
];
pub const ADD_FILTERACTION: &[Param] = &[
    req("name"),
    opt("description"),
    opt("qmpfs"),
    opt("inpass"),
    opt("soft"),
    opt("action"),
    opt("qmsecmethods"),
];
pub const ADD_RULE: &[Param] = &[
    req("name"),
    req("policy"),
    req("filterlist"),
    req("filteraction"),
    opt("tunnel"),
    opt("conntype"),
    opt("activate"),
    opt("description"),
    opt("kerberos"),
    rep("psk"),
    rep("rootca"),
];
pub const SET_POLICY: &[Param] = &[
    opt("name"),
    opt("guid"),
    opt("newname"),
    opt("description"),
    opt("mmpfs"),
    opt("qmpermm"),
    opt("mmlifetime"),
    opt("activatedefaultrule"),
    opt("pollinginterval"),
    opt("assign"),
    opt("gponame"),
    opt("mmsecmethods"),
];
pub const SET_FILTERLIST: &[Param] =
    &[opt("name"), opt("guid"), opt("newname"), opt("description")];
pub const SET_FILTERACTION: &[Param] = &[
    opt("name"),
    opt("guid"),
    opt("newname"),
    opt("description"),
    opt("qmpfs"),
    opt("inpass"),
    opt("soft"),
    opt("action"),
    opt("qmsecmethods"),
];
pub const SET_RULE: &[Param] = &[
    opt("name"),
    opt("id"),
    req("policy"),
    opt("newname"),
    opt("description"),
    opt("filterlist"),
    opt("filteraction"),
    opt("tunnel"),
    opt("conntype"),
    opt("activate"),
    opt("kerberos"),
    rep("psk"),
    rep("rootca"),
];
pub const SET_DEFAULTRULE: &[Param] = &[
    req("policy"),
    opt("qmpfs"),
    opt("activate"),
    opt("qmsecmethods"),
    opt("kerberos"),
    rep("psk"),
    rep("rootca"),
];
pub const SET_STORE: &[Param] = &[req("location"), opt("domain")];
pub const SET_BATCH: &[Param] = &[req("mode")];
pub const DELETE_NAMED: &[Param] = &[opt("name"), opt("guid")];
pub const DELETE_FILTER: &[Param] = &[
    req("filterlist"),
    req("srcaddr"),
    req("dstaddr"),
    opt("protocol"),
    opt("srcmask"),
    opt("dstmask"),
    opt("srcport"),
    opt("dstport"),
    opt("mirrored"),
];
pub const DELETE_RULE: &[Param] = &[opt("name"), opt("id"), req("policy")];
pub const NONE: &[Param] = &[];
pub const SHOW_NAMED: &[Param] = &[
    opt("name"),
    opt("rule"),
    opt("level"),
    opt("format"),
    opt("resolvedns"),
    opt("wide"),
];
pub const SHOW_RULE: &[Param] = &[
    opt("name"),
    opt("id"),
    req("policy"),
    opt("type"),
    opt("level"),
    opt("format"),
    opt("wide"),
];
pub const SHOW_ALL: &[Param] = &[opt("level"), opt("format"), opt("wide")];
pub const DYNAMIC_SET_CONFIG: &[Param] = &[req("property"), req("value")];
pub const DYNAMIC_SHOW_CONFIG: &[Param] = &[];
pub const DYNAMIC_ADD_MMPOLICY: &[Param] = &[
    req("name"),
    opt("qmpermm"),
    opt("mmlifetime"),
    opt("softsaexpirationtime"),
    opt("mmsecmethods"),
];
pub const DYNAMIC_SET_MMPOLICY: &[Param] = DYNAMIC_ADD_MMPOLICY;
pub const DYNAMIC_ADD_QMPOLICY: &[Param] = &[
    req("name"),
    opt("soft"),
    opt("pfsgroup"),
    opt("qmsecmethods"),
];
pub const DYNAMIC_SET_QMPOLICY: &[Param] = DYNAMIC_ADD_QMPOLICY;
/// `add rule` and `set rule`: the filter fields identify a rule, the rest configure it.
pub const DYNAMIC_RULE: &[Param] = &[
    req("srcaddr"),
    req("dstaddr"),
    opt("mmpolicy"),
    opt("qmpolicy"),
    opt("protocol"),
    opt("srcport"),
    opt("dstport"),
    opt("mirrored"),
    opt("conntype"),
    opt("actioninbound"),
    opt("actionoutbound"),
    opt("srcmask"),
    opt("dstmask"),
    opt("tunneldstaddress"),
    opt("kerberos"),
    rep("psk"),
    rep("rootca"),
];
pub const DYNAMIC_DELETE_RULE: &[Param] = &[
    req("srcaddr"),
    req("dstaddr"),
    opt("protocol"),
    opt("srcport"),
    opt("dstport"),
    opt("mirrored"),
    opt("conntype"),
    opt("srcmask"),
    opt("dstmask"),
    opt("tunneldstaddress"),
];
pub const DYNAMIC_NAMED: &[Param] = &[opt("name")];
pub const DYNAMIC_SHOW_FILTERS: &[Param] = &[
    opt("name"),
    opt("type"),
    opt("srcaddr"),
    opt("dstaddr"),
    opt("srcmask"),
    opt("dstmask"),
    opt("protocol"),
    opt("srcport"),
    opt("dstport"),
    opt("resolvedns"),
];
pub const DYNAMIC_SHOW_ALL: &[Param] = &[opt("resolvedns")];

/// A command's arguments matched to its parameters, in the order they were written.
#[derive(Debug)]
pub struct Bound<'a> {
    pub given: Vec<(&'static str, &'a Arg)>,
}

impl<'a> Bound<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Arg> {
        self.given.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    #[cfg(test)]
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.get(name).map(|a| a.value.as_str())
    }
}

/// The usage line of a command, for hints: `add filter filterlist= srcaddr= dstaddr=
/// [description=] …`.
pub fn usage(command: &str, spec: &[Param]) -> String {
    let mut s = command.to_string();
    for p in spec {
        if p.required {
            s.push_str(&format!(" {}=", p.name));
        } else {
            s.push_str(&format!(" [{}=]", p.name));
        }
    }
    s
}

/// Finds the parameter a tag names: exact match first, then the first parameter (in
/// netsh's order) the tag is a prefix of; a shared prefix leaves a note.
fn resolve_tag(
    command: &str,
    spec: &[Param],
    arg: &Arg,
    key: &str,
    line: usize,
) -> Result<usize, NetshError> {
    let k = key.to_ascii_lowercase();
    if let Some(i) = spec.iter().position(|p| p.name == k) {
        return Ok(i);
    }
    let matches: Vec<usize> = (0..spec.len())
        .filter(|&i| spec[i].name.starts_with(&k))
        .collect();
    match matches.as_slice() {
        [] => Err(NetshError::new(
            line,
            arg.col,
            key,
            format!("unknown parameter '{key}' for '{command}'"),
            if spec.is_empty() {
                format!("'{command}' takes no parameters")
            } else {
                format!(
                    "use one of: {}",
                    spec.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                )
            },
        )),
        [one] => Ok(*one),
        [first, ..] => {
            let names: Vec<&str> = matches.iter().map(|&i| spec[i].name).collect();
            NOTES.with(|n| {
                n.borrow_mut().push(format!(
                    "'{key}=' (column {}) could be {}: read as {}= (netsh takes the first \
                     in its order); write the name in full",
                    arg.col,
                    names.join(", "),
                    spec[*first].name
                ))
            });
            Ok(*first)
        }
    }
}

/// Binds `args` to `spec`. `end_col` is the column just past the line, where a missing
/// parameter is reported.
pub fn bind<'a>(
    command: &str,
    spec: &[Param],
    args: &'a [Arg],
    line: usize,
    end_col: usize,
) -> Result<Bound<'a>, NetshError> {
    let mut given: Vec<(&'static str, &'a Arg)> = Vec::new();
    let mut filled = vec![false; spec.len()];
    for arg in args {
        let idx = match &arg.key {
            Some(k) => resolve_tag(command, spec, arg, k, line)?,
            None => match filled.iter().position(|f| !f) {
                Some(i) => i,
                None => {
                    return Err(NetshError::new(
                        line,
                        arg.col,
                        arg.value.clone(),
                        format!("unexpected value '{}' for '{command}'", arg.value),
                        format!(
                            "every parameter is already given; name it: {}",
                            usage(command, spec)
                        ),
                    ));
                }
            },
        };
        let p = spec[idx];
        if filled[idx] && !p.repeat {
            return Err(NetshError::new(
                line,
                arg.col,
                arg.text(),
                format!("'{}' is given twice", p.name),
                "give each parameter once",
            ));
        }
        filled[idx] = true;
        given.push((p.name, arg));
    }
    if let Some(missing) = spec.iter().zip(&filled).find(|(p, f)| p.required && !**f) {
        return Err(NetshError::new(
            line,
            end_col,
            command,
            format!("'{command}' needs {}=", missing.0.name),
            format!("usage: {}", usage(command, spec)),
        ));
    }
    Ok(Bound { given })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::interchange::netsh::lexer::split;

    #[test]
    fn abbreviations_positions_and_errors() {
        let args = split("L any me mir=no proto=udp dstp=1434", 1).expect("lexes");
        let b = bind("add filter", ADD_FILTER, &args, 1, 40).expect("binds");
        assert_eq!(b.value("filterlist"), Some("L"));
        assert_eq!(b.value("srcaddr"), Some("any"));
        assert_eq!(b.value("dstaddr"), Some("me"));
        assert_eq!(b.value("mirrored"), Some("no"));
        assert_eq!(b.value("dstport"), Some("1434"));

        take_notes();
        let args = split("filterlist=L srcaddr=any dst=me", 1).expect("lexes");
        let b = bind("add filter", ADD_FILTER, &args, 1, 40).expect("shared prefix");
        assert_eq!(b.value("dstaddr"), Some("me"));
        assert_eq!(
            take_notes(),
            vec![
                "'dst=' (column 26) could be dstaddr, dstmask, dstport: read as dstaddr= \
                 (netsh takes the first in its order); write the name in full"
                    .to_string()
            ]
        );
        assert!(take_notes().is_empty(), "drained");

        // The 2007 China-block list's `filter=` in `add rule`: filterlist comes first.
        let args =
            split("name=3 policy=P filter=China_block filteraction=Block", 1).expect("lexes");
        let b = bind("add rule", ADD_RULE, &args, 1, 60).expect("binds");
        assert_eq!(b.value("filterlist"), Some("China_block"));
        assert_eq!(b.value("filteraction"), Some("Block"));
        assert_eq!(take_notes().len(), 1);

        let args = split("filterlist=L srcaddr=any", 1).expect("lexes");
        let e = bind("add filter", ADD_FILTER, &args, 1, 40).expect_err("missing");
        assert_eq!(e.column, 40);
        assert!(e.message.contains("dstaddr"));

        let args = split("name=x colour=red", 1).expect("lexes");
        let e = bind("add policy", ADD_POLICY, &args, 1, 40).expect_err("unknown");
        assert_eq!((e.column, e.token.as_str()), (8, "colour"));
    }
}
