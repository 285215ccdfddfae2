//! The computers of a domain as ipsedit models hosts: the OS profile from
//! `operatingSystem` and `operatingSystemServicePack`, and the per-host facts AD does not
//! hold (NoDefaultExempt, addresses, the local policy) from a `--hosts FILE` sheet:
//!
//! ```text
//! name,os,no_default_exempt,addresses,local_policy
//! WS01,winxp-sp2,1,192.0.2.10/24,policies/ws01.netsh
//! ```
//!
//! Empty cells mean "not given": the OS comes from AD, NoDefaultExempt is absent (the
//! profile's default), no addresses, no local policy. Cells may be double-quoted (a `""`
//! inside is one quote). Errors name file:line:column and the fix.
//!
//! Must not: read policy files (the caller loads `local_policy` with the interchange
//! readers) or talk to the directory.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use crate::core::model::{Interface, OsProfile};

/// The OS profile of a computer object, or why there is none.
pub fn os_profile(os: Option<&str>, service_pack: Option<&str>) -> Result<OsProfile, String> {
    let Some(os) = os.map(str::trim).filter(|o| !o.is_empty()) else {
        return Err("operatingSystem is not set: give the os in --hosts".into());
    };
    let sp = service_pack.map(sp_number).unwrap_or(Ok(0));
    let lower = os.to_ascii_lowercase();
    let unknown = || {
        format!(
            "no profile for '{os}{}': give the os in --hosts ({})",
            service_pack
                .map(|s| format!(" {}", s.trim()))
                .unwrap_or_default(),
            OsProfile::ids()
        )
    };
    if lower.contains("windows 2000") {
        return match sp.map_err(|_| unknown())? {
            0 => Ok(OsProfile::Win2000),
            1 => Ok(OsProfile::Win2000Sp1),
            2 => Ok(OsProfile::Win2000Sp2),
            3 => Ok(OsProfile::Win2000Sp3),
            4 => Ok(OsProfile::Win2000Sp4),
            _ => Err(unknown()),
        };
    }
    if lower.contains("windows xp") {
        return match sp.map_err(|_| unknown())? {
            0 => Ok(OsProfile::Winxp),
            1 => Ok(OsProfile::WinxpSp1),
            2 => Ok(OsProfile::WinxpSp2),
            _ => Err(unknown()),
        };
    }
    if lower.contains("windows server 2003") && !lower.contains("r2") {
        return Ok(OsProfile::Ws2003);
    }
    Err(unknown())
}

/// `Service Pack 4` -> 4; `` -> 0.
fn sp_number(text: &str) -> Result<u8, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    let lower = t.to_ascii_lowercase();
    let digits = lower
        .strip_prefix("service pack")
        .map(str::trim)
        .ok_or(())?;
    let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
    n.parse().map_err(|_| ())
}

/// One row of the hosts sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    pub name: String,
    pub os: Option<OsProfile>,
    pub no_default_exempt: Option<u32>,
    pub addresses: Vec<Interface>,
    /// Resolved against the sheet's folder.
    pub local_policy: Option<PathBuf>,
    /// 1-based line in the sheet, for later messages.
    pub line: usize,
}

/// The whole sheet, looked up by computer name (case-insensitive, like NetBIOS names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostSheet {
    pub rows: Vec<HostFacts>,
    index: HashMap<String, usize>,
}

impl HostSheet {
    pub fn get(&self, name: &str) -> Option<&HostFacts> {
        self.index
            .get(&name.to_ascii_lowercase())
            .map(|&i| &self.rows[i])
    }

    /// Reads and parses a sheet file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the hosts file: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, &path.display().to_string(), base)
    }

    /// Parses sheet text; `file` names it in errors, `base` resolves relative policy paths.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<Self, String> {
        const HEADER: [&str; 5] = [
            "name",
            "os",
            "no_default_exempt",
            "addresses",
            "local_policy",
        ];
        let mut sheet = HostSheet::default();
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((hl, header)) = lines.next() else {
            return Err(format!(
                "{file}: empty hosts file: start it with the header {}",
                HEADER.join(",")
            ));
        };
        let head = split_cells(header.trim_start_matches('\u{feff}'))
            .map_err(|(col, why)| format!("{file}:{}:{col}: {why}", hl + 1))?;
        let names: Vec<String> = head
            .iter()
            .map(|c| c.text.trim().to_ascii_lowercase())
            .collect();
        if names != HEADER {
            return Err(format!(
                "{file}:{}:1: the header must be exactly {} (found '{}')",
                hl + 1,
                HEADER.join(","),
                header.trim()
            ));
        }
        for (i, line) in lines {
            let ln = i + 1;
            let at = |col: usize, why: String| format!("{file}:{ln}:{col}: {why}");
            let cells = split_cells(line).map_err(|(col, why)| at(col, why))?;
            if cells.len() != HEADER.len() {
                return Err(at(
                    1,
                    format!(
                        "{} cells, expected 5 ({}); quote a cell that contains a comma",
                        cells.len(),
                        HEADER.join(",")
                    ),
                ));
            }
            let cell = |k: usize| cells[k].text.trim();
            let col = |k: usize| cells[k].column;
            let name = cell(0);
            if name.is_empty() {
                return Err(at(
                    col(0),
                    "the name is empty: give the computer's name".into(),
                ));
            }
            let os = match cell(1) {
                "" => None,
                s => Some(OsProfile::from_id(s).ok_or_else(|| {
                    at(
                        col(1),
                        format!("unknown os '{s}': use one of {}", OsProfile::ids()),
                    )
                })?),
            };
            let no_default_exempt = match cell(2) {
                "" | "default" => None,
                s => match s.parse::<u32>() {
                    Ok(n) if n <= 3 => Some(n),
                    _ => {
                        return Err(at(
                            col(2),
                            format!(
                                "no_default_exempt '{s}' is not valid: use 0, 1, 2, 3, default \
                                 or leave it empty"
                            ),
                        ));
                    }
                },
            };
            let addresses = parse_addresses(cell(2 + 1)).map_err(|why| at(col(3), why))?;
            let local_policy = match cell(4) {
                "" => None,
                p => Some(base.join(p)),
            };
            let key = name.to_ascii_lowercase();
            if let Some(&first) = sheet.index.get(&key) {
                return Err(at(
                    col(0),
                    format!(
                        "'{name}' is listed twice (first on line {}): keep one row per host",
                        sheet.rows[first].line
                    ),
                ));
            }
            sheet.index.insert(key, sheet.rows.len());
            sheet.rows.push(HostFacts {
                name: name.to_string(),
                os,
                no_default_exempt,
                addresses,
                local_policy,
                line: ln,
            });
        }
        Ok(sheet)
    }
}

fn parse_addresses(text: &str) -> Result<Vec<Interface>, String> {
    let mut out = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (addr, prefix) = part.split_once('/').unwrap_or((part, "32"));
        let addr: Ipv4Addr = addr.trim().parse().map_err(|_| {
            format!(
                "'{part}' is not an IPv4 address with a prefix: write 192.0.2.10/24;198.51.100.7/32"
            )
        })?;
        let prefix = match prefix.trim().parse::<u8>() {
            Ok(n) if n <= 32 => n,
            _ => {
                return Err(format!(
                    "'{part}': the prefix length must be 0-32, like 192.0.2.10/24"
                ));
            }
        };
        out.push(Interface { addr, prefix });
    }
    Ok(out)
}

struct Cell {
    text: String,
    /// 1-based character column where the cell starts.
    column: usize,
}

/// Splits one CSV line; an error carries its 1-based column.
fn split_cells(line: &str) -> Result<Vec<Cell>, (usize, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut cells = Vec::new();
    let mut i = 0;
    loop {
        let column = i + 1;
        let mut text = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err((column, "a quoted cell is not closed by '\"'".into())),
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        text.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(c) => {
                        text.push(*c);
                        i += 1;
                    }
                }
            }
            match chars.get(i) {
                None | Some(',') => {}
                Some(_) => {
                    return Err((
                        i + 1,
                        "text after a closing quote: put a ',' before it".into(),
                    ));
                }
            }
        } else {
            while let Some(&c) = chars.get(i) {
                if c == ',' {
                    break;
                }
                if c == '"' {
                    return Err((
                        i + 1,
                        "a '\"' inside an unquoted cell: quote the whole cell and double the quote"
                            .into(),
                    ));
                }
                text.push(c);
                i += 1;
            }
        }
        cells.push(Cell { text, column });
        if chars.get(i) == Some(&',') {
            i += 1;
        } else {
            return Ok(cells);
        }
    }
}

#[cfg(test)]
#[path = "hosts_tests.rs"]
mod tests;
