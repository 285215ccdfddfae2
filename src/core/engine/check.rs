//! `check`: diagnostics (structure of the whole store) and findings (behaviour of the
//! evaluated policy's effective table), each with a stable code.
//!
//! | code | severity | what |
//! |------|----------|------|
//! | E001 | error | dangling reference (a rule's filter list or filter action, the assignment) |
//! | E002 | error | a mask that is not contiguous (the filter expands to no row) |
//! | E003 | error | address bits outside the mask |
//! | E004 | error | ports with a protocol other than TCP or UDP |
//! | E005 | error | a tunnel rule with mirrored filters |
//! | E006 | error | a server type (DNS, WINS, DHCP, GATEWAY) without `me` on the other side |
//! | E007 | error | duplicate object names (policies, filter lists, filter actions, rules of one policy) |
//! | W001 | warning | a NoDefaultExempt value the profile ignores |
//! | W002 | warning | an empty filter list |
//! | W003 | warning | a rule without filters |
//! | W004 | warning | a filter list or filter action nothing uses |
//! | W005 | warning | a policy with no rules |
//! | W006 | warning | a filter that expands to no row here (`me` without host addresses, a server type without servers, an unresolved DNS name) |
//! | F101 | finding | exemption bypass: an active exemption lets through part of a block or negotiate filter's traffic |
//! | F102 | finding | a block or negotiate filter fully pre-empted by exemptions: it never acts |
//! | F103 | finding | conflict: overlapping rows of equal weight with different actions |
//! | F104 | finding | redundant filter: every packet it matches would fall to a lighter row with the same action |
//! | F105 | finding | duplicate: the same row from two filters or two rules |
//!
//! Codes never change meaning; new checks get new codes. Output is bounded: at most
//! `MAX_PER_CODE` items per code, then a count of the rest in `omitted` (the totals in
//! `errors`/`warnings`/`findings` count everything).

use serde::Serialize;

use super::exemptions::Exemption;
use super::table::{EffectiveTable, Origin, OriginKind};
use crate::core::model::{HostContext, Id, Snapshot};

pub const MAX_PER_CODE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Finding,
}

impl Severity {
    pub fn of(code: &str) -> Severity {
        match code.as_bytes().first() {
            Some(b'E') => Severity::Error,
            Some(b'W') => Severity::Warning,
            _ => Severity::Finding,
        }
    }
}

/// One diagnostic or finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub code: &'static str,
    pub severity: Severity,
    /// Slash path of the object: `policies/NAME/rules/NAME`, `filter-lists/NAME/filters/1`,
    /// `filter-actions/NAME`, `dynamic/ID`, `host/no-default-exempt`.
    pub path: String,
    pub message: String,
    pub hint: String,
    /// The same facts as the message, as data: front ends render from these and never
    /// parse `message` (whose wording may improve).
    #[serde(flatten)]
    pub facts: Facts,
}

/// The object an item is about, by id (names may repeat or contain `/`, so `path` alone
/// cannot find it). Filter indexes are 0-based (`path` shows them 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Object {
    Assignment,
    Host,
    Policy {
        policy: Id,
    },
    Rule {
        policy: Id,
        rule: Id,
    },
    FilterList {
        list: Id,
    },
    Filter {
        list: Id,
        index: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        policy: Option<Id>,
        #[serde(skip_serializing_if = "Option::is_none")]
        rule: Option<Id>,
    },
    FilterAction {
        action: Id,
    },
    Dynamic {
        id: Id,
    },
}

impl Object {
    /// The filter (or dynamic rule) behind a row of the effective table.
    pub fn of_origin(o: &Origin) -> Option<Object> {
        match o.kind {
            OriginKind::Filter => Some(Object::Filter {
                list: o.filter_list_id?,
                index: o.filter_index?,
                policy: o.policy_id,
                rule: o.rule_id,
            }),
            OriginKind::Dynamic => Some(Object::Dynamic { id: o.dynamic_id? }),
            OriginKind::Exemption => Some(Object::Host),
        }
    }
}

/// Structured fields of an item; each is present only where the code has it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Facts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<Object>,
    /// The object in words, short: `rule 'R' (filter 1 of 'L')`, `filter list 'L'`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// F101, F102: the exemptions involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<Exemption>,
    /// E004: source and destination ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<[u16; 2]>,
    /// F101: one packet the item is about, in `explain`'s syntax.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// F103, F105: the other object involved, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    /// F103, F105: positions of the rows involved in the effective table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<usize>,
    /// W006: why the filter expands to nothing; E002/E003: which side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Facts {
    pub fn about(object: Option<Object>, subject: impl Into<String>) -> Facts {
        Facts {
            object,
            subject: subject.into(),
            ..Facts::default()
        }
    }
}

/// Items of one code left out of `items`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub code: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    pub errors: usize,
    pub warnings: usize,
    pub findings: usize,
    /// Errors first, then warnings, then findings; by code within each.
    pub items: Vec<Item>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<Omitted>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// Items with this code (those kept).
    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items.iter().filter(move |i| i.code == code)
    }
}

/// Collects items, counting all and keeping at most `MAX_PER_CODE` per code.
#[derive(Default)]
pub(crate) struct Sink {
    items: Vec<Item>,
    /// Per code, in first-seen order: a handful of codes, so a linear scan beats any map
    /// (this runs once per item, tens of thousands of times on a big policy).
    counts: Vec<(&'static str, usize)>,
}

impl Sink {
    pub fn push(
        &mut self,
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
        facts: Facts,
    ) {
        self.push_with(code, || (path.into(), message.into(), hint.into(), facts));
    }

    /// Like `push`, but builds the text only when the item is kept: past the cap, an item
    /// costs one count instead of three formatted strings.
    pub fn push_with(
        &mut self,
        code: &'static str,
        text: impl FnOnce() -> (String, String, String, Facts),
    ) {
        let n = self.count_mut(code);
        *n += 1;
        if *n <= MAX_PER_CODE {
            let (path, message, hint, facts) = text();
            self.items.push(Item {
                code,
                severity: Severity::of(code),
                path,
                message,
                hint,
                facts,
            });
        }
    }

    fn count_mut(&mut self, code: &'static str) -> &mut usize {
        let at = match self.counts.iter().position(|(c, _)| *c == code) {
            Some(at) => at,
            None => {
                self.counts.push((code, 0));
                self.counts.len() - 1
            }
        };
        &mut self.counts[at].1
    }

    /// Whether another item of `code` would still be kept (lets callers skip building
    /// text nobody will see).
    pub fn wants(&self, code: &'static str) -> bool {
        let n = self
            .counts
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(0, |c| c.1);
        n < MAX_PER_CODE
    }

    /// Counts one item of `code` without building it.
    pub fn count_only(&mut self, code: &'static str) {
        *self.count_mut(code) += 1;
    }

    fn finish(mut self) -> Report {
        // Stable sort keeps discovery order within a code.
        self.items.sort_by_key(|i| (i.severity, i.code));
        let mut r = Report {
            items: self.items,
            ..Report::default()
        };
        // `omitted` is by code, as the BTreeMap this replaced gave it.
        self.counts.sort_unstable();
        for (code, n) in self.counts {
            match Severity::of(code) {
                Severity::Error => r.errors += n,
                Severity::Warning => r.warnings += n,
                Severity::Finding => r.findings += n,
            }
            if n > MAX_PER_CODE {
                r.omitted.push(Omitted {
                    code,
                    count: n - MAX_PER_CODE,
                });
            }
        }
        r
    }
}

/// Checks the store's structure and the evaluated policy (`None` = the assigned one) on
/// `host`.
pub fn check(snapshot: &Snapshot, policy: Option<Id>, host: &HostContext) -> Report {
    let table = EffectiveTable::build(snapshot, policy, host);
    check_with_table(snapshot, &table)
}

/// Like `check`, reusing a table built from the same snapshot (the TUI has one already).
pub fn check_with_table(snapshot: &Snapshot, table: &EffectiveTable) -> Report {
    let mut sink = Sink::default();
    super::lint::lint(snapshot, table, &mut sink);
    super::findings::findings(table, &mut sink);
    sink.finish()
}

/// Path of a filter inside its list (1-based, as people count).
pub(crate) fn filter_path(list: &str, index: usize) -> String {
    format!("filter-lists/{list}/filters/{}", index + 1)
}
