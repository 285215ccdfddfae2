//! netsh security methods, parsed and written: quick-mode offers
//! (`ESP[3DES,SHA1]:100000k/900s AH[MD5]`, filter actions and the default response rule)
//! and main-mode methods (`3DES-SHA1-2`, policies). Writing mirrors parsing exactly.

use super::NetshError;
use super::lexer::Arg;
use crate::core::model::{Cipher, DhGroup, Esp, HashAlg, MainModeMethod, SecurityMethod};

fn bad(arg: &Arg, line: usize, message: String, hint: &str) -> NetshError {
    NetshError::new(line, arg.value_col, arg.value.clone(), message, hint)
}

fn hash(word: &str) -> Option<Option<HashAlg>> {
    match word.trim().to_ascii_uppercase().as_str() {
        "MD5" => Some(Some(HashAlg::Md5)),
        "SHA1" | "SHA" => Some(Some(HashAlg::Sha1)),
        "NONE" => Some(None),
        _ => None,
    }
}

fn cipher(word: &str) -> Option<Option<Cipher>> {
    match word.trim().to_ascii_uppercase().as_str() {
        "DES" => Some(Some(Cipher::Des)),
        "3DES" => Some(Some(Cipher::TripleDes)),
        "NONE" => Some(None),
        _ => None,
    }
}

/// One quick-mode offer: `AH[MD5]`, `ESP[3DES,SHA1]`, `AH[SHA1]+ESP[DES,None]`, each with
/// an optional `:100000k/900s`.
fn qm_offer(text: &str) -> Result<SecurityMethod, String> {
    let (algs, life) = match text.split_once(':') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let mut m = SecurityMethod {
        ah: None,
        esp: None,
        lifetime_kb: 0,
        lifetime_secs: 0,
    };
    for part in algs.split('+') {
        let upper = part.trim().to_ascii_uppercase();
        let inner = |prefix: &str| {
            upper
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('['))
                .and_then(|r| r.strip_suffix(']'))
                .map(str::to_string)
        };
        if let Some(h) = inner("AH") {
            match hash(&h) {
                Some(Some(h)) if m.ah.is_none() => m.ah = Some(h),
                _ => return Err(format!("'{part}': AH takes MD5 or SHA1, once")),
            }
        } else if let Some(pair) = inner("ESP") {
            let (c, h) = pair
                .split_once(',')
                .ok_or_else(|| format!("'{part}': ESP takes [cipher,hash]"))?;
            match (cipher(c), hash(h)) {
                (Some(None), Some(None)) => {
                    return Err(format!(
                        "'{part}' protects nothing: give a cipher or a hash"
                    ));
                }
                (Some(encryption), Some(integrity)) if m.esp.is_none() => {
                    m.esp = Some(Esp {
                        encryption,
                        integrity,
                    })
                }
                _ => {
                    return Err(format!(
                        "'{part}': ESP takes [DES|3DES|None,MD5|SHA1|None], once"
                    ));
                }
            }
        } else {
            return Err(format!("'{part}' is not AH[...] or ESP[...]"));
        }
    }
    if let Some(life) = life {
        for item in life.split('/') {
            let item = item.trim().to_ascii_lowercase();
            // Split off the last character, whatever its width (input may be any text).
            let at = item.char_indices().last().map_or(0, |(i, _)| i);
            let (num, unit) = item.split_at(at);
            let n: u32 = num
                .parse()
                .map_err(|_| format!("'{life}': lifetimes are NNNk/NNNs"))?;
            match unit {
                "k" => m.lifetime_kb = n,
                "s" => m.lifetime_secs = n,
                _ => return Err(format!("'{life}': lifetimes are NNNk/NNNs")),
            }
        }
    }
    Ok(m)
}

pub fn qm_methods(arg: &Arg, line: usize) -> Result<Vec<SecurityMethod>, NetshError> {
    arg.value
        .split_whitespace()
        .map(qm_offer)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| {
            bad(
                arg,
                line,
                format!("bad quick-mode security method {m}"),
                "write offers like \"ESP[3DES,SHA1]:100000k/900s AH[MD5]\"",
            )
        })
}

/// The netsh `qmsecmethods` value: each offer in `SecurityMethod`'s Display form.
pub fn qm_methods_text(methods: &[SecurityMethod]) -> String {
    methods
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn mm_methods(arg: &Arg, line: usize) -> Result<Vec<MainModeMethod>, NetshError> {
    let one = |t: &str| -> Option<MainModeMethod> {
        let mut it = t.split('-');
        let encryption = cipher(it.next()?)??;
        let integrity = hash(it.next()?)??;
        let dh_group = match it.next()?.trim() {
            "1" => DhGroup::Low,
            "2" => DhGroup::Medium,
            "3" => DhGroup::High2048,
            _ => return None,
        };
        it.next().is_none().then_some(MainModeMethod {
            encryption,
            integrity,
            dh_group,
        })
    };
    arg.value
        .split_whitespace()
        .map(|t| {
            one(t).ok_or_else(|| {
                bad(
                    arg,
                    line,
                    format!("bad main-mode security method '{t}'"),
                    "write Cipher-Hash-Group, e.g. \"3DES-SHA1-2 DES-MD5-1\" (groups 1, 2, 3)",
                )
            })
        })
        .collect()
}

pub fn mm_methods_text(methods: &[MainModeMethod]) -> String {
    methods
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
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
    fn quick_mode_offers_round_trip() {
        let text = "ESP[3DES,SHA1]:100000k/900s AH[MD5] AH[SHA1]+ESP[None,MD5]";
        let m = qm_methods(&arg(text), 1).expect("parses");
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].lifetime_kb, 100000);
        assert_eq!(qm_methods_text(&m), text);
        assert!(qm_methods(&arg("ESP[AES,SHA1]"), 1).is_err());
    }

    #[test]
    fn main_mode_methods_round_trip() {
        let m = mm_methods(&arg("3des-sha1-2 DES-MD5-1"), 1).expect("parses");
        assert_eq!(mm_methods_text(&m), "3DES-SHA1-2 DES-MD5-1");
        assert!(mm_methods(&arg("3DES-SHA1-9"), 1).is_err());
    }
}
