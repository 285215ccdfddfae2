//! Argument vector → `CommandLine`: which switches were given, with their raw values.
//!
//! Owns switch recognition (case-insensitive, typographic dashes accepted), value
//! collection and the "stray space inside a filter spec" repair. It does not interpret
//! values (specs, methods, names): `spec.rs`, `action.rs` and `apply.rs` do.

use std::borrow::Cow;

use super::IpseccmdError;
use super::lexer::{normalise_dash, rejoin_smart_quoted, starts_like_switch};
use super::spec::repair_spec_fragments;

/// One value with the switch it came from, as typed, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Valued {
    pub switch: String,
    pub value: String,
}

/// A flag switch as typed (`-x`, `–x`, `-X`).
pub(super) type Flag = Option<String>;

/// The switches of one line. `'a` is the argument vector's: the `-f` specs borrow from it
/// (a 1 MiB line's specs are not copied), unless a repair had to join or rejoin them.
#[derive(Debug, Default)]
pub(super) struct CommandLine<'a> {
    /// `-w REG` / `-w DS[:domain]`.
    pub store: Option<Valued>,
    pub policy: Option<Valued>,
    pub rules: Vec<Valued>,
    /// The `-f` switch as typed (for "missing value" and "needs -w" messages).
    pub filter_switch: Option<String>,
    /// Filter specs after fragment repair, one spec each (plain text: a 1 MiB line holds
    /// tens of thousands, so each does not carry its switch; `filter_switch` has it).
    pub filters: Vec<Cow<'a, str>>,
    pub negotiation: Vec<Valued>,
    pub auth: Vec<Valued>,
    pub tunnel: Option<Valued>,
    pub assign: Flag,
    pub unassign: Flag,
    pub delete: Flag,
    pub delete_dynamic: Flag,
    pub soft: Flag,
    pub lan: Flag,
    pub dialup: Flag,
    pub confirm: Flag,
    pub mm_methods: Vec<Valued>,
    pub mm_rekey: Option<Valued>,
    pub mm_pfs: Flag,
    pub mm_soft_expiry: Option<Valued>,
    pub mm_filters: Vec<Valued>,
}

/// How a switch takes its value.
#[derive(Clone, Copy)]
enum Arity {
    Flag,
    /// Exactly one value.
    One,
    /// Every following argument up to the next switch.
    List,
}

/// Every switch ipseccmd and ipsecpol accept, lowercase.
const SWITCHES: &[(&str, Arity)] = &[
    ("-w", Arity::One),
    ("-p", Arity::One),
    ("-r", Arity::One),
    ("-f", Arity::List),
    ("-n", Arity::List),
    ("-a", Arity::List),
    ("-t", Arity::One),
    ("-x", Arity::Flag),
    ("-y", Arity::Flag),
    ("-o", Arity::Flag),
    ("-u", Arity::Flag),
    ("-soft", Arity::Flag),
    ("-lan", Arity::Flag),
    ("-dialup", Arity::Flag),
    ("-confirm", Arity::Flag),
    ("-1s", Arity::List),
    ("-1k", Arity::One),
    ("-1p", Arity::Flag),
    ("-1e", Arity::One),
    ("-1f", Arity::List),
];

pub(super) const SWITCH_LIST: &str = "-w -p -r -f -n -a -t -x -y -o -u -soft -lan -dialup \
                                      -confirm -1s -1k -1p -1e -1f";

fn arity(switch: &str) -> Option<Arity> {
    SWITCHES
        .iter()
        .find(|(name, _)| *name == switch)
        .map(|(_, a)| *a)
}

/// The lowercase switch a token names, if it is a known switch.
fn known_switch(token: &str) -> Option<String> {
    let dashed = normalise_dash(token).unwrap_or_else(|| token.to_string());
    let lower = dashed.to_lowercase();
    arity(&lower).map(|_| lower)
}

impl CommandLine<'_> {
    /// The same line owning its specs.
    fn into_owned(self) -> CommandLine<'static> {
        CommandLine {
            filters: self
                .filters
                .into_iter()
                .map(|f| Cow::Owned(f.into_owned()))
                .collect(),
            store: self.store,
            policy: self.policy,
            rules: self.rules,
            filter_switch: self.filter_switch,
            negotiation: self.negotiation,
            auth: self.auth,
            tunnel: self.tunnel,
            assign: self.assign,
            unassign: self.unassign,
            delete: self.delete,
            delete_dynamic: self.delete_dynamic,
            soft: self.soft,
            lan: self.lan,
            dialup: self.dialup,
            confirm: self.confirm,
            mm_methods: self.mm_methods,
            mm_rekey: self.mm_rekey,
            mm_pfs: self.mm_pfs,
            mm_soft_expiry: self.mm_soft_expiry,
            mm_filters: self.mm_filters,
        }
    }
}

/// Whether the token is `-f` (any case, typographic dash).
pub(super) fn is_filter_switch(token: &str) -> bool {
    known_switch(token).as_deref() == Some("-f")
}

/// Parses the argument vector. Warnings collect the repairs made.
pub(super) fn parse<'a>(
    args: &'a [String],
    computer_name: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<CommandLine<'a>, IpseccmdError> {
    let (all, rejoined) = rejoin_smart_quoted(args);
    warnings.extend(rejoined);
    match all {
        Cow::Borrowed(args) => parse_words(args, computer_name, warnings),
        Cow::Owned(args) => {
            parse_words(&args, computer_name, warnings).map(CommandLine::into_owned)
        }
    }
}

fn parse_words<'a>(
    all: &'a [String],
    computer_name: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<CommandLine<'a>, IpseccmdError> {
    let args: &[String] = match all.split_first() {
        Some((first, rest)) if is_this_host(first, computer_name) => {
            warnings.push(format!(
                "'{first}' names this computer: the command applies to the local store"
            ));
            rest
        }
        _ => all,
    };
    if let Some(first) = args.first() {
        check_leading_word(first)?;
    }

    let mut cmd = CommandLine::default();
    let mut i = 0;
    // The last single-valued switch, so a stray word after it can be explained as an
    // unquoted name.
    let mut last_named: Option<(String, String)> = None;
    while let Some(token) = args.get(i) {
        if !starts_like_switch(token) {
            return Err(stray_word(args, i, last_named.as_ref()));
        }
        let Some(switch) = known_switch(token) else {
            return Err(IpseccmdError::new(
                token,
                format!("unknown switch '{token}'"),
                format!("ipseccmd switches are {SWITCH_LIST}"),
            ));
        };
        if normalise_dash(token).is_some() {
            warnings.push(format!("read typographic dash in '{token}' as '{switch}'"));
        }
        i += 1;
        last_named = None;
        match arity(&switch).unwrap_or(Arity::Flag) {
            Arity::Flag => set_flag(&mut cmd, &switch, token),
            Arity::One => {
                let value = match args.get(i) {
                    Some(v) if known_switch(v).is_none() => v.clone(),
                    _ => return Err(missing_value(token, &switch)),
                };
                i += 1;
                last_named = Some((token.clone(), value.clone()));
                set_one(&mut cmd, &switch, token, value)?;
            }
            Arity::List => {
                let start = i;
                while args.get(i).is_some_and(|v| !starts_like_switch(v)) {
                    i += 1;
                }
                let values = args.get(start..i).unwrap_or_default();
                if values.is_empty() {
                    return Err(missing_value(token, &switch));
                }
                set_list(&mut cmd, &switch, token, values, warnings);
            }
        }
    }
    // Doubling left up to half the list unused; the list lives as long as the import.
    cmd.filters.shrink_to_fit();
    Ok(cmd)
}

/// `\\NAME` naming this computer: loopback (`\\127.0.0.1`, `\\localhost`, `\\.`), which
/// ipseccmd/ipsecpol treat as the local machine, or the name set with `ipsedit config set
/// computer-name`.
fn is_this_host(word: &str, computer_name: Option<&str>) -> bool {
    let Some(name) = word.strip_prefix("\\\\") else {
        return false;
    };
    name == "."
        || name.eq_ignore_ascii_case("localhost")
        || computer_name.is_some_and(|c| c.eq_ignore_ascii_case(name))
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// ipseccmd also takes `\\machine` and a `show` mode; ipsedit edits its own store only.
fn check_leading_word(first: &str) -> Result<(), IpseccmdError> {
    if first.starts_with("\\\\") {
        return Err(IpseccmdError::new(
            first,
            format!("remote computer '{first}' is not supported: only this computer is"),
            "ipsedit edits its own store: drop the \\\\computer argument (\\\\127.0.0.1, \\\\localhost and the name set with `ipsedit config set computer-name NAME` are this computer)",
        ));
    }
    if first.eq_ignore_ascii_case("show") {
        return Err(IpseccmdError::new(
            first,
            "'ipseccmd show' is not supported",
            "use `ipsedit show` (policies and rules) or `ipsedit table` (the filter table)",
        ));
    }
    Ok(())
}

fn stray_word(args: &[String], at: usize, last_named: Option<&(String, String)>) -> IpseccmdError {
    let token = args.get(at).cloned().unwrap_or_default();
    if let Some((switch, value)) = last_named {
        // `-p Block UDP 1434 Filter` in a shell: the name lost its quotes.
        let rest: Vec<&str> = args
            .get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(|a| !starts_like_switch(a))
            .map(String::as_str)
            .collect();
        let name = format!("{value} {}", rest.join(" "));
        return IpseccmdError::new(
            &token,
            format!("unexpected argument '{token}' after {switch} {value}"),
            format!("quote names that contain spaces: {switch} \"{name}\""),
        );
    }
    IpseccmdError::new(
        &token,
        format!("unexpected argument '{token}'"),
        "every value follows its switch, e.g. -f *=0:1434:UDP -n BLOCK",
    )
}

fn missing_value(token: &str, switch: &str) -> IpseccmdError {
    let example = match switch {
        "-w" => "-w REG",
        "-p" => "-p \"Block UDP 1434 Filter\"",
        "-r" => "-r \"Block Inbound UDP 1434 Rule\"",
        "-f" => "-f *=0:1434:UDP (any address to me, UDP port 1434)",
        "-n" => "-n BLOCK, -n PASS or -n ESP[3DES,SHA]",
        "-a" => "-a KERBEROS, -a PRESHARE:\"key\" or -a CERT:\"CA name\"",
        "-t" => "-t 10.0.0.1",
        "-1s" => "-1s 3DES-SHA-2",
        "-1k" => "-1k 100Q/3600S",
        "-1e" => "-1e 300",
        "-1f" => "-1f *=0",
        _ => "",
    };
    IpseccmdError::new(
        token,
        format!("{switch} needs a value"),
        format!("for example {example}"),
    )
}

fn duplicate(token: &str, switch: &str) -> IpseccmdError {
    IpseccmdError::new(
        token,
        format!("{switch} is given twice"),
        format!("give {switch} once per command"),
    )
}

fn set_flag(cmd: &mut CommandLine<'_>, switch: &str, token: &str) {
    let slot = match switch {
        "-x" => &mut cmd.assign,
        "-y" => &mut cmd.unassign,
        "-o" => &mut cmd.delete,
        "-u" => &mut cmd.delete_dynamic,
        "-soft" => &mut cmd.soft,
        "-lan" => &mut cmd.lan,
        "-dialup" => &mut cmd.dialup,
        "-confirm" => &mut cmd.confirm,
        _ => &mut cmd.mm_pfs,
    };
    // Repeating a flag changes nothing, so it is harmless.
    slot.get_or_insert_with(|| token.to_string());
}

fn set_one(
    cmd: &mut CommandLine<'_>,
    switch: &str,
    token: &str,
    value: String,
) -> Result<(), IpseccmdError> {
    let valued = Valued {
        switch: token.to_string(),
        value,
    };
    let slot = match switch {
        "-r" => {
            cmd.rules.push(valued);
            return Ok(());
        }
        "-w" => &mut cmd.store,
        "-p" => &mut cmd.policy,
        "-t" => &mut cmd.tunnel,
        "-1k" => &mut cmd.mm_rekey,
        _ => &mut cmd.mm_soft_expiry,
    };
    if slot.is_some() {
        return Err(duplicate(token, switch));
    }
    *slot = Some(valued);
    Ok(())
}

fn set_list<'a>(
    cmd: &mut CommandLine<'a>,
    switch: &str,
    token: &str,
    values: &'a [String],
    warnings: &mut Vec<String>,
) {
    let wrap = |value: String| Valued {
        switch: token.to_string(),
        value,
    };
    match switch {
        // Authentication values keep their spaces: `CERT:"My Root CA"` is one method.
        "-a" => cmd.auth.extend(values.iter().cloned().map(wrap)),
        "-f" => {
            cmd.filter_switch.get_or_insert_with(|| token.to_string());
            repair_spec_fragments(values, &mut cmd.filters, warnings);
        }
        "-1f" => {
            let mut specs = Vec::new();
            repair_spec_fragments(values, &mut specs, warnings);
            cmd.mm_filters
                .extend(specs.into_iter().map(Cow::into_owned).map(wrap));
        }
        _ => {
            // A quoted list ("ESP[3DES,SHA] AH[MD5]") is several items.
            let items = values
                .iter()
                .flat_map(|v| v.split_whitespace())
                .map(str::to_string)
                .map(wrap);
            if switch == "-n" {
                cmd.negotiation.extend(items);
            } else {
                cmd.mm_methods.extend(items);
            }
        }
    }
}
