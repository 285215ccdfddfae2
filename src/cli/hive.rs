//! `--from PATH/SOFTWARE|PATH/SYSTEM [--hive-store local|domain-cache|persistent]`: an
//! offline registry hive read as a scratch store. Says on stderr which IPsec stores the
//! hive holds (the persistent one with the key it was found at) and which one was opened;
//! the hive is never written.

use std::path::Path;

use super::CliError;
use super::reg::{print_notes, read_bytes};
use crate::core::interchange::registry::hive::{Hive, HiveStore};
use crate::core::interchange::registry::read_objects;
use crate::core::model::Snapshot;
use crate::core::text::terminal_safe;

pub fn load(path: &Path, store: Option<&str>) -> Result<Snapshot, CliError> {
    let name = terminal_safe(&path.display().to_string()).into_owned();
    let wanted = match store {
        None => None,
        Some(w) => Some(HiveStore::from_word(w).ok_or_else(|| {
            CliError::Invalid(format!(
                "--hive-store {}: use local, domain-cache or persistent",
                terminal_safe(w)
            ))
        })?),
    };
    let bytes = read_bytes(path)?;
    let mut hive = Hive::open(bytes).map_err(|m| CliError::Invalid(format!("{name}: {m}")))?;
    let list: Vec<String> = hive
        .present
        .iter()
        .map(|f| match f.store {
            HiveStore::Persistent => {
                format!(
                    "{} ({} objects, at {})",
                    f.store.word(),
                    f.objects,
                    f.location
                )
            }
            _ => format!("{} ({} objects)", f.store.word(), f.objects),
        })
        .collect();
    let chosen = match wanted {
        Some(w) => w,
        None => hive
            .present
            .first()
            .map(|f| f.store)
            .unwrap_or(HiveStore::Local),
    };
    let Some(location) = hive.found(chosen).map(|f| f.location) else {
        return Err(CliError::Invalid(format!(
            "{name}: the hive has no {} IPsec store; it has: {}",
            chosen.word(),
            if list.is_empty() {
                "none (is this the SOFTWARE hive, or the SYSTEM one for a persistent store?)"
                    .to_string()
            } else {
                list.join(", ")
            }
        )));
    };
    errln!(
        "ipsedit: {name}: IPsec stores in this hive: {}; opened {} ({})",
        list.join(", "),
        chosen.word(),
        location
    );
    if let Some((dn, pname)) = &hive.gpt_policy {
        errln!(
            "ipsedit: {name}: Group Policy assigns {} ({})",
            terminal_safe(pname),
            terminal_safe(dn)
        );
    }
    let (set, mut notes) = hive
        .objects(chosen)
        .map_err(|m| CliError::Invalid(format!("{name}: {m}")))?;
    let read = read_objects(&set).map_err(|e| {
        CliError::Invalid(format!(
            "{name}: {} store: {}",
            chosen.word(),
            terminal_safe(&e.to_string())
        ))
    })?;
    notes.extend(read.notes);
    print_notes(path, &notes);
    Ok(read.snapshot)
}
