//! What a rule does and how it authenticates: `-n` (BLOCK, PASS, INPASS, quick-mode
//! security methods with rekey and PFS), `-a` (KERBEROS, PRESHARE, CERT), and the main-mode
//! switches `-1s`, `-1k`, `-1e`.
//!
//! Owns parsing these values into model pieces. It creates no objects and names nothing:
//! `apply.rs` builds filter actions and rules from the result.

use crate::core::model::{
    AuthMethod, Behavior, Cipher, DhGroup, Esp, HashAlg, MainModeMethod, SecurityMethod,
};

use super::IpseccmdError;
use super::args::Valued;
use super::lexer::strip_quotes;

/// The parsed `-n` list.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Negotiation {
    pub behavior: Behavior,
    pub methods: Vec<SecurityMethod>,
    pub inpass: bool,
    pub session_key_pfs: bool,
}

/// Offered when a negotiating action names no method (no `-n`, or `-n INPASS` alone).
/// Strongest first, like the snap-in's own defaults; ipsedit's choice, shown in a warning.
pub(super) fn default_methods() -> Vec<SecurityMethod> {
    let esp = |encryption, integrity| SecurityMethod {
        ah: None,
        esp: Some(Esp {
            encryption: Some(encryption),
            integrity: Some(integrity),
        }),
        lifetime_kb: 0,
        lifetime_secs: 0,
    };
    vec![
        esp(Cipher::TripleDes, HashAlg::Sha1),
        esp(Cipher::TripleDes, HashAlg::Md5),
        esp(Cipher::Des, HashAlg::Sha1),
        esp(Cipher::Des, HashAlg::Md5),
    ]
}

const METHOD_HINT: &str = "use BLOCK, PASS, INPASS or methods like ESP[3DES,SHA], AH[MD5], \
                           AH[SHA]+ESP[DES,MD5], ESP[NONE,SHA], each optionally followed by a \
                           rekey like 3600S/50000K and PFS";

/// Parses the `-n` items (already split at spaces). `None` when there are none.
pub(super) fn parse_negotiation(items: &[Valued]) -> Result<Option<Negotiation>, IpseccmdError> {
    if items.is_empty() {
        return Ok(None);
    }
    let mut fixed: Option<(Behavior, &str)> = None;
    let mut methods: Vec<SecurityMethod> = Vec::new();
    let mut inpass = false;
    let mut pfs = false;
    for item in items {
        let word = item.value.to_ascii_uppercase();
        match word.as_str() {
            "BLOCK" | "PASS" => {
                let behavior = if word == "BLOCK" {
                    Behavior::Block
                } else {
                    Behavior::Permit
                };
                if let Some((other, token)) = fixed
                    && other != behavior
                {
                    return Err(conflict(&item.value, token));
                }
                fixed = Some((behavior, &item.value));
            }
            "INPASS" => inpass = true,
            _ if is_pfs(&word) => pfs = true,
            _ if is_rekey(&word) => {
                let Some(last) = methods.last_mut() else {
                    return Err(IpseccmdError::new(
                        &item.value,
                        format!("rekey '{}' must follow a security method", item.value),
                        "write it after the method it applies to, e.g. -n ESP[3DES,SHA] 3600S/50000K",
                    ));
                };
                apply_rekey(&item.value, &word, last)?;
            }
            _ => {
                let (method, method_pfs) = parse_method(&item.value, &word)?;
                pfs |= method_pfs;
                methods.push(method);
            }
        }
    }
    if let Some((behavior, token)) = fixed {
        if !methods.is_empty() || inpass {
            let other = if inpass && methods.is_empty() {
                "INPASS"
            } else {
                "security methods"
            };
            return Err(IpseccmdError::new(
                token,
                format!("-n {token} cannot be combined with {other}"),
                "give either BLOCK, PASS, or a list of security methods (with INPASS if wanted)",
            ));
        }
        return Ok(Some(Negotiation {
            behavior,
            methods,
            inpass: false,
            session_key_pfs: false,
        }));
    }
    Ok(Some(Negotiation {
        behavior: Behavior::Negotiate,
        methods,
        inpass,
        session_key_pfs: pfs,
    }))
}

fn conflict(token: &str, other: &str) -> IpseccmdError {
    IpseccmdError::new(
        token,
        format!("-n {token} contradicts -n {other}"),
        "a rule has one action: give BLOCK or PASS, not both",
    )
}

fn is_pfs(word: &str) -> bool {
    word.strip_prefix("PFS")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
}

fn is_rekey(word: &str) -> bool {
    !word.is_empty()
        && word.split('/').count() <= 2
        && word.split('/').all(|part| {
            part.len() > 1
                && part.ends_with(['S', 'K'])
                && split_unit(part).is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
        })
}

/// `3600S`, `50000K`, `3600S/50000K` (either order).
fn apply_rekey(token: &str, word: &str, method: &mut SecurityMethod) -> Result<(), IpseccmdError> {
    for part in word.split('/') {
        let Some((number, unit)) = split_unit(part) else {
            continue;
        };
        let value: u32 = number.parse().map_err(|_| {
            IpseccmdError::new(
                token,
                format!("rekey value '{number}' in '{token}' is too large"),
                "write seconds and kilobytes below 4294967296, e.g. 3600S/50000K",
            )
        })?;
        if unit == 'S' {
            method.lifetime_secs = value;
        } else {
            method.lifetime_kb = value;
        }
    }
    Ok(())
}

/// One method: `AH[h]`, `ESP[c,h]`, either joined with `+`, then an optional attached rekey
/// and `PFS` (ipsecpol printed them as `ESP[DES,MD5]3600S/50000KPFS`).
fn parse_method(token: &str, word: &str) -> Result<(SecurityMethod, bool), IpseccmdError> {
    let bad = || {
        IpseccmdError::new(
            token,
            format!("unknown action or security method '{token}'"),
            METHOD_HINT,
        )
    };
    let mut method = SecurityMethod {
        ah: None,
        esp: None,
        lifetime_kb: 0,
        lifetime_secs: 0,
    };
    let mut rest = word;
    loop {
        let (kind, after_open) = if let Some(r) = rest.strip_prefix("AH[") {
            ("AH", r)
        } else if let Some(r) = rest.strip_prefix("ESP[") {
            ("ESP", r)
        } else {
            return Err(bad());
        };
        let (inner, after) = after_open.split_once(']').ok_or_else(bad)?;
        if kind == "AH" {
            if method.ah.is_some() {
                return Err(bad());
            }
            method.ah = Some(parse_hash(token, inner)?.ok_or_else(|| {
                IpseccmdError::new(
                    token,
                    format!("AH needs a hash in '{token}'"),
                    "write AH[MD5] or AH[SHA]",
                )
            })?);
        } else {
            if method.esp.is_some() {
                return Err(bad());
            }
            method.esp = Some(parse_esp(token, inner)?);
        }
        match after.strip_prefix('+') {
            Some(next) => rest = next,
            None => {
                rest = after;
                break;
            }
        }
    }
    let mut pfs = false;
    if let Some(pos) = rest.find("PFS") {
        if !is_pfs(&rest[pos..]) {
            return Err(bad());
        }
        pfs = true;
        rest = &rest[..pos];
    }
    if !rest.is_empty() {
        if !is_rekey(rest) {
            return Err(bad());
        }
        apply_rekey(token, rest, &mut method)?;
    }
    Ok((method, pfs))
}

fn parse_hash(token: &str, text: &str) -> Result<Option<HashAlg>, IpseccmdError> {
    match text.trim() {
        "MD5" => Ok(Some(HashAlg::Md5)),
        "SHA" | "SHA1" => Ok(Some(HashAlg::Sha1)),
        "NONE" => Ok(None),
        other => Err(IpseccmdError::new(
            token,
            format!("unknown hash '{other}' in '{token}'"),
            "use MD5, SHA or NONE",
        )),
    }
}

fn parse_esp(token: &str, inner: &str) -> Result<Esp, IpseccmdError> {
    let Some((cipher, hash)) = inner.split_once(',') else {
        return Err(IpseccmdError::new(
            token,
            format!("ESP needs a cipher and a hash in '{token}'"),
            "write ESP[3DES,SHA], ESP[DES,MD5] or ESP[NONE,SHA]",
        ));
    };
    let encryption = match cipher.trim() {
        "DES" => Some(Cipher::Des),
        "3DES" => Some(Cipher::TripleDes),
        "NONE" => None,
        other => {
            return Err(IpseccmdError::new(
                token,
                format!("unknown cipher '{other}' in '{token}'"),
                "use DES, 3DES or NONE",
            ));
        }
    };
    let integrity = parse_hash(token, hash)?;
    if encryption.is_none() && integrity.is_none() {
        return Err(IpseccmdError::new(
            token,
            format!("'{token}' protects nothing: ESP[NONE,NONE] is not allowed"),
            "give a cipher or a hash, e.g. ESP[NONE,SHA] or ESP[3DES,NONE]",
        ));
    }
    Ok(Esp {
        encryption,
        integrity,
    })
}

/// One `-a` value: `KERBEROS`, `PRESHARE:"key"`, `CERT:"CA name"`.
pub(super) fn parse_auth(item: &Valued) -> Result<AuthMethod, IpseccmdError> {
    let text = strip_quotes(&item.value);
    let hint = "use KERBEROS, PRESHARE:\"key\" or CERT:\"CA name\"";
    if text.eq_ignore_ascii_case("KERBEROS") {
        return Ok(AuthMethod::Kerberos);
    }
    let Some((kind, rest)) = text.split_once(':') else {
        return Err(IpseccmdError::new(
            &item.value,
            format!("unknown authentication method '{}'", item.value),
            hint,
        ));
    };
    let value = strip_quotes(rest);
    let kind = kind.to_ascii_uppercase();
    if value.is_empty() && (kind == "PRESHARE" || kind == "CERT") {
        return Err(IpseccmdError::new(
            &item.value,
            format!("{kind} in '{}' needs a value after ':'", item.value),
            hint,
        ));
    }
    match kind.as_str() {
        "PRESHARE" => Ok(AuthMethod::Preshared { key: value }),
        "CERT" => Ok(AuthMethod::Certificate { root_ca: value }),
        _ => Err(IpseccmdError::new(
            &item.value,
            format!("unknown authentication method '{}'", item.value),
            hint,
        )),
    }
}

/// One `-1s` item: `CIPHER-HASH-GROUP`, e.g. `3DES-SHA-2`. Group 1 is 768 bits, 2 is
/// 1024 bits; 3 (ipseccmd's name) and 14 (the RFC's) both mean 2048 bits.
pub(super) fn parse_main_mode_method(item: &Valued) -> Result<MainModeMethod, IpseccmdError> {
    let word = item.value.to_ascii_uppercase();
    let bad = || {
        IpseccmdError::new(
            &item.value,
            format!("'{}' is not a main-mode method", item.value),
            "write CIPHER-HASH-GROUP with DES or 3DES, MD5 or SHA, group 1, 2 or 3 (2048 bits), \
             e.g. 3DES-SHA-2",
        )
    };
    let parts: Vec<&str> = word.split('-').collect();
    let [cipher, hash, group] = parts.as_slice() else {
        return Err(bad());
    };
    let encryption = match *cipher {
        "DES" => Cipher::Des,
        "3DES" => Cipher::TripleDes,
        _ => return Err(bad()),
    };
    let integrity = match *hash {
        "MD5" => HashAlg::Md5,
        "SHA" | "SHA1" => HashAlg::Sha1,
        _ => return Err(bad()),
    };
    let dh_group = match *group {
        "1" => DhGroup::Low,
        "2" => DhGroup::Medium,
        "3" | "14" => DhGroup::High2048,
        _ => return Err(bad()),
    };
    Ok(MainModeMethod {
        encryption,
        integrity,
        dh_group,
    })
}

/// Main-mode rekey `-1k`: `100Q/3600S`, either part alone. Q = quick modes per main mode
/// (sessions), S = seconds, stored as minutes (rounded up; the warning says so).
pub(super) struct MainModeRekey {
    pub sessions: Option<u32>,
    pub minutes: Option<u32>,
    pub rounded_from_secs: Option<u32>,
}

pub(super) fn parse_main_mode_rekey(item: &Valued) -> Result<MainModeRekey, IpseccmdError> {
    let bad = || {
        IpseccmdError::new(
            &item.value,
            format!("'{}' is not a main-mode rekey", item.value),
            "write quick modes and/or seconds, e.g. -1k 100Q/3600S",
        )
    };
    let word = item.value.to_ascii_uppercase();
    let mut rekey = MainModeRekey {
        sessions: None,
        minutes: None,
        rounded_from_secs: None,
    };
    if word.split('/').count() > 2 {
        return Err(bad());
    }
    for part in word.split('/') {
        let (number, unit) = split_unit(part).ok_or_else(bad)?;
        let value: u32 = number.parse().map_err(|_| bad())?;
        match unit {
            'Q' => rekey.sessions = Some(value),
            'S' if value > 0 => {
                let minutes = value.div_ceil(60);
                if !value.is_multiple_of(60) {
                    rekey.rounded_from_secs = Some(value);
                }
                rekey.minutes = Some(minutes);
            }
            _ => return Err(bad()),
        }
    }
    Ok(rekey)
}

/// A number with a one-letter unit (`3600S`), split safely whatever the characters are.
fn split_unit(part: &str) -> Option<(&str, char)> {
    let (at, unit) = part.char_indices().last()?;
    Some((&part[..at], unit))
}

/// `-1e`: seconds before a soft SA expires. Validated; the model has no place for it.
pub(super) fn parse_soft_sa_seconds(item: &Valued) -> Result<u32, IpseccmdError> {
    item.value.parse().map_err(|_| {
        IpseccmdError::new(
            &item.value,
            format!("-1e '{}' is not a number of seconds", item.value),
            "write seconds, e.g. -1e 300",
        )
    })
}
