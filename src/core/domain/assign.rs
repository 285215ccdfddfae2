//! Assignment as Group Policy does it: a GPO carries at most one IPsec policy through its
//! assignment object `CN=IPSEC,CN=Windows,CN=Microsoft,CN=Machine,<GPO>` (class
//! `ipsecPolicy`, `ipsecOwnersReference` naming the policy), lists the IPsec client-side
//! extension in `gPCMachineExtensionNames`, and has its computer version (the high 16 bits
//! of `versionNumber`) bumped so clients notice. The GPO's files in SYSVOL (`GPT.INI`, whose
//! version clients also compare) are out of reach over LDAP: ipsedit does not touch them.
//!
//! Must not: print, or write policy objects (`write` does).

use super::DomainError;
use super::connection::{Change, ChangeOp, DirEntry, Directory, SearchScope};
use super::url::dn_key;
use super::write::{Op, Step};

/// The Default Domain Policy.
pub const DEFAULT_DOMAIN_POLICY: &str = "{31B2F340-016D-11D2-945F-00C04FB984F9}";
/// The IPsec client-side extension and its administrative tool ([MS-GPIPSEC] §1.9).
pub const IPSEC_CSE: &str = "{E437BC1C-AA7D-11D2-A382-00C04F991E27}";
pub const IPSEC_TOOL: &str = "{DEA8AFA0-CC85-11D0-9CE2-0080C7221EBD}";

/// A GPO as far as assignment cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpoInfo {
    pub dn: String,
    /// `{GUID}`, the GPO's `cn`.
    pub guid: String,
    pub display_name: String,
    pub extension_names: Option<String>,
    pub version: Option<u32>,
    /// The `ipsecPolicy` DN its assignment object names, when it has one.
    pub assigned_dn: Option<String>,
    /// True when the assignment object exists (it may name nothing).
    pub has_assignment_object: bool,
}

impl GpoInfo {
    pub fn assignment_dn(&self) -> String {
        super::gpo::assignment_dn(&self.dn)
    }

    /// `'Default Domain Policy' {31B2F340-...}`.
    pub fn label(&self) -> String {
        format!("'{}' {}", self.display_name, self.guid)
    }
}

fn policies_dn(base: &str) -> String {
    format!("CN=Policies,CN=System,{base}")
}

const GPO_ATTRS: [&str; 4] = [
    "cn",
    "displayName",
    "gPCMachineExtensionNames",
    "versionNumber",
];

/// Every GPO of the domain with its assignment, sorted by display name.
pub fn list_gpos(dir: &mut Directory, base: &str) -> Result<Vec<GpoInfo>, DomainError> {
    let policies = policies_dn(base);
    let gpos = dir.search(
        &policies,
        SearchScope::OneLevel,
        "(objectClass=groupPolicyContainer)",
        &GPO_ATTRS,
    )?;
    let assignments = dir.search(
        &policies,
        SearchScope::Subtree,
        "(&(objectClass=ipsecPolicy)(cn=IPSEC))",
        &["ipsecOwnersReference"],
    )?;
    Ok(gpos_from_entries(&gpos, &assignments))
}

/// The pure half of `list_gpos`.
pub fn gpos_from_entries(gpos: &[DirEntry], assignments: &[DirEntry]) -> Vec<GpoInfo> {
    let mut out: Vec<GpoInfo> = gpos
        .iter()
        .map(|g| {
            let assignment = assignments.iter().find(|a| {
                super::gpo::gpo_of_assignment(&a.dn).is_some_and(|d| dn_key(d) == dn_key(&g.dn))
            });
            GpoInfo {
                dn: g.dn.clone(),
                guid: g.text("cn").unwrap_or_default(),
                display_name: g.text("displayName").unwrap_or_default(),
                extension_names: g.text("gPCMachineExtensionNames"),
                version: g
                    .text("versionNumber")
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .map(|v| v as u32),
                assigned_dn: assignment.and_then(|a| a.text("ipsecOwnersReference")),
                has_assignment_object: assignment.is_some(),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.display_name, &a.guid).cmp(&(&b.display_name, &b.guid)));
    out
}

/// The GPO named by `which`: its `{GUID}` (braces optional) or display name; the Default
/// Domain Policy when `None`.
pub fn find_gpo(
    dir: &mut Directory,
    base: &str,
    which: Option<&str>,
) -> Result<GpoInfo, DomainError> {
    let all = list_gpos(dir, base)?;
    pick_gpo(&all, which).cloned()
}

/// `find_gpo` on a list already read.
pub fn pick_gpo<'a>(all: &'a [GpoInfo], which: Option<&str>) -> Result<&'a GpoInfo, DomainError> {
    let want = which.unwrap_or(DEFAULT_DOMAIN_POLICY).trim();
    let braced = if want.starts_with('{') {
        want.to_string()
    } else {
        format!("{{{want}}}")
    };
    all.iter()
        .find(|g| g.guid.eq_ignore_ascii_case(&braced))
        .or_else(|| {
            all.iter()
                .find(|g| g.display_name.eq_ignore_ascii_case(want))
        })
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(GpoInfo::label).collect();
            DomainError::Setup(format!(
                "--gpo '{want}': no such GPO; the domain has: {}",
                names.join(", ")
            ))
        })
}

/// `gPCMachineExtensionNames` with the pair `[{cse}{tool}]` added, kept sorted by CSE as
/// Group Policy keeps it (tools within a CSE sorted too).
pub fn add_extension(names: &str, cse: &str, tool: &str) -> String {
    let mut groups = parse_extensions(names);
    match groups.iter_mut().find(|g| g[0].eq_ignore_ascii_case(cse)) {
        Some(g) => {
            if !g[1..].iter().any(|t| t.eq_ignore_ascii_case(tool)) {
                g.push(tool.to_string());
                g[1..].sort_by_key(|t| t.to_ascii_uppercase());
            }
        }
        None => groups.push(vec![cse.to_string(), tool.to_string()]),
    }
    groups.sort_by_key(|g| g[0].to_ascii_uppercase());
    render_extensions(&groups)
}

/// `gPCMachineExtensionNames` without the group of `cse`.
pub fn remove_extension(names: &str, cse: &str) -> String {
    let groups: Vec<Vec<String>> = parse_extensions(names)
        .into_iter()
        .filter(|g| !g[0].eq_ignore_ascii_case(cse))
        .collect();
    render_extensions(&groups)
}

fn parse_extensions(names: &str) -> Vec<Vec<String>> {
    names
        .split('[')
        .filter_map(|g| {
            let g = g.trim().trim_end_matches(']');
            let ids: Vec<String> = g
                .split('{')
                .map(|s| s.trim().trim_end_matches('}'))
                .filter(|s| !s.is_empty())
                .map(|s| format!("{{{s}}}"))
                .collect();
            (!ids.is_empty()).then_some(ids)
        })
        .collect()
}

fn render_extensions(groups: &[Vec<String>]) -> String {
    groups.iter().map(|g| format!("[{}]", g.concat())).collect()
}

/// `versionNumber` with the computer half (high 16 bits) counted up.
pub fn bump_machine_version(v: u32) -> u32 {
    let machine = (v >> 16).wrapping_add(1) & 0xFFFF;
    (machine << 16) | (v & 0xFFFF)
}

/// The GPO's own modify: extension names and version, each deleting the loaded value, so
/// a concurrent change of the GPO makes the server refuse it.
fn gpo_step(gpo: &GpoInfo, names: String) -> Step {
    let mut changes = Vec::new();
    if let Some(old) = &gpo.extension_names {
        changes.push(Change::new(
            ChangeOp::Delete,
            "gPCMachineExtensionNames",
            vec![old.as_bytes().to_vec()],
        ));
    }
    if !names.is_empty() {
        changes.push(Change::new(
            ChangeOp::Add,
            "gPCMachineExtensionNames",
            vec![names.into_bytes()],
        ));
    }
    let old = gpo.version.unwrap_or(0);
    if let Some(v) = gpo.version {
        changes.push(Change::new(
            ChangeOp::Delete,
            "versionNumber",
            vec![(v as i32).to_string().into_bytes()],
        ));
    }
    changes.push(Change::new(
        ChangeOp::Add,
        "versionNumber",
        vec![(bump_machine_version(old) as i32).to_string().into_bytes()],
    ));
    Step {
        dn: gpo.dn.clone(),
        label: format!("GPO {}", gpo.label()),
        op: Op::Modify(changes),
    }
}

/// The steps that make `gpo` carry `policy` (its DN and name), or nothing when `None`.
pub fn assignment_steps(gpo: &GpoInfo, policy: Option<(&str, &str)>) -> Vec<Step> {
    let dn = gpo.assignment_dn();
    let label = format!("the IPsec assignment of GPO {}", gpo.label());
    let mut steps = Vec::new();
    match policy {
        Some((policy_dn, name)) => {
            for (rdn, at) in [
                ("CN=Microsoft", format!("CN=Machine,{}", gpo.dn)),
                ("CN=Windows", format!("CN=Microsoft,CN=Machine,{}", gpo.dn)),
            ] {
                steps.push(Step {
                    dn: format!("{rdn},{at}"),
                    label: format!("container {rdn} of GPO {}", gpo.label()),
                    op: Op::Ensure(vec![("objectClass", vec![b"container".to_vec()])]),
                });
            }
            let attrs = vec![
                ("ipsecOwnersReference", vec![policy_dn.as_bytes().to_vec()]),
                ("ipsecName", vec![name.as_bytes().to_vec()]),
            ];
            if gpo.has_assignment_object {
                steps.push(Step {
                    dn,
                    label,
                    op: Op::Modify(
                        attrs
                            .into_iter()
                            .map(|(n, v)| Change::new(ChangeOp::Replace, n, v))
                            .collect(),
                    ),
                });
            } else {
                let mut all = vec![("objectClass", vec![b"ipsecPolicy".to_vec()])];
                all.extend(attrs);
                steps.push(Step {
                    dn,
                    label,
                    op: Op::Add(all),
                });
            }
            let names = add_extension(
                gpo.extension_names.as_deref().unwrap_or(""),
                IPSEC_CSE,
                IPSEC_TOOL,
            );
            steps.push(gpo_step(gpo, names));
        }
        None => {
            if gpo.has_assignment_object {
                steps.push(Step {
                    dn,
                    label,
                    op: Op::Delete(Vec::new()),
                });
            }
            let names = remove_extension(gpo.extension_names.as_deref().unwrap_or(""), IPSEC_CSE);
            steps.push(gpo_step(gpo, names));
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_names_stay_sorted_and_lose_only_their_group() {
        let security =
            "[{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]";
        let eas = "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{53D6AB1B-2488-11D1-A28C-00C04FB94F17}]";
        let both = format!("{eas}{security}");
        let added = add_extension(&both, IPSEC_CSE, IPSEC_TOOL);
        assert_eq!(
            added,
            format!("{eas}{security}[{IPSEC_CSE}{IPSEC_TOOL}]"),
            "E437... sorts after 8..."
        );
        assert_eq!(add_extension(&added, IPSEC_CSE, IPSEC_TOOL), added);
        assert_eq!(remove_extension(&added, IPSEC_CSE), both);
        assert_eq!(
            add_extension("", IPSEC_CSE, IPSEC_TOOL),
            format!("[{IPSEC_CSE}{IPSEC_TOOL}]")
        );
        assert_eq!(
            remove_extension(&format!("[{IPSEC_CSE}{IPSEC_TOOL}]"), IPSEC_CSE),
            ""
        );
    }

    #[test]
    fn the_computer_version_is_the_high_half() {
        assert_eq!(bump_machine_version(0), 0x1_0000);
        assert_eq!(bump_machine_version(0x0003_0005), 0x0004_0005);
        assert_eq!(bump_machine_version(0xFFFF_0001), 0x0000_0001);
    }

    #[test]
    fn gpos_are_found_by_guid_or_name_with_the_choices_named() {
        let g = |guid: &str, name: &str| GpoInfo {
            dn: format!("CN={guid},CN=Policies,CN=System,DC=x"),
            guid: guid.into(),
            display_name: name.into(),
            extension_names: None,
            version: Some(0),
            assigned_dn: None,
            has_assignment_object: false,
        };
        let all = vec![
            g(DEFAULT_DOMAIN_POLICY, "Default Domain Policy"),
            g(
                "{6AC1786C-016F-11D2-945F-00C04FB984F9}",
                "Default Domain Controllers Policy",
            ),
        ];
        assert_eq!(
            pick_gpo(&all, None).expect("default").display_name,
            "Default Domain Policy"
        );
        assert_eq!(
            pick_gpo(&all, Some("6ac1786c-016f-11d2-945f-00c04fb984f9"))
                .expect("guid")
                .display_name,
            "Default Domain Controllers Policy"
        );
        assert_eq!(
            pick_gpo(&all, Some("default domain policy"))
                .expect("name")
                .guid,
            DEFAULT_DOMAIN_POLICY
        );
        assert_eq!(
            pick_gpo(&all, Some("Servers"))
                .expect_err("none")
                .to_string(),
            "--gpo 'Servers': no such GPO; the domain has: 'Default Domain Policy' \
             {31B2F340-016D-11D2-945F-00C04FB984F9}, 'Default Domain Controllers Policy' \
             {6AC1786C-016F-11D2-945F-00C04FB984F9}"
        );
    }
}
