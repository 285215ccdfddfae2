//! `ipsedit hosts explain PACKET` and `ipsedit hosts reach SPACE`: one question answered for
//! every computer of the domain, grouped by identical effective tables
//! (`core::domain::fleet_query`). Per group: the verdict (or what gets in), the table's
//! inputs, the host count and names (at most `SHOWN` on a terminal unless `--all`; all in
//! `--json` and in a pipe). A group's hosts may have distinct addresses that the policy and
//! the question cannot tell apart: its table is evaluated at its first host's, and the
//! printed packet and examples are that host's. Exit 1 when some hosts could not be answered (unknown OS, no
//! address for `me`, a policy that cannot be read), 2 when a local policy file is bad.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::Path;

use serde_json::{Value, json};

use super::{CliError, Header, safe};
use crate::cli::context::print_json;
use crate::cli::explain::PeerArg;
use crate::core::domain::fleet::OUT_OF_SCOPE;
use crate::core::domain::fleet_query::{
    FleetTables, Group, GroupAnswer, LoadError, PolicyOrigin, PolicySource, QuestionNets,
    policy_id_of_dn,
};
use crate::core::domain::read::read_snapshot;
use crate::core::domain::url::dn_key;
use crate::core::domain::{Directory, DirectoryUrl};
use crate::core::engine::{Explanation, HeaderSpace, Packet, Peer, ReachItem};
use crate::core::interchange::registry::Class;
use crate::core::model::{Id, Interface, Snapshot};

/// Host names listed per group on a terminal without `--all`.
const SHOWN: usize = 12;

#[derive(Debug, clap::Subcommand)]
pub enum Query {
    /// What happens to one packet on every host ("tcp 203.0.113.9:88 -> me:445"; `me` is
    /// each host's first address from --hosts).
    Explain {
        /// The packet: `PROTO SRC -> DST`.
        #[arg(value_name = "PACKET")]
        packet: String,
        /// The kind of peer, for negotiate rows.
        #[arg(long, value_enum)]
        peer: Option<PeerArg>,
        /// List every host name, even on a terminal.
        #[arg(long)]
        all: bool,
    },
    /// Which hosts let some of a header space in ("udp any:88 -> me:1434"), and through
    /// which rows.
    Reach {
        /// The header space: `PROTO SRC -> DST` with prefixes and port ranges.
        #[arg(value_name = "SPACE")]
        space: String,
        /// List every host name, even on a terminal.
        #[arg(long)]
        all: bool,
    },
}

/// The directory's policies, read once: the decoded container and policy ids by DN.
pub struct DomainPolicies {
    snapshot: Result<Snapshot, String>,
    ids: HashMap<String, Id>,
}

impl DomainPolicies {
    /// Reads the domain's IPsec container once (through the registry codec). A failure is
    /// kept: every host with a domain policy is then answered with it.
    pub fn read(dir: &mut Directory, url: &DirectoryUrl) -> DomainPolicies {
        match read_snapshot(dir, &url.base_dn) {
            Ok(d) => DomainPolicies {
                ids: d
                    .objects
                    .iter()
                    .filter(|o| o.object.class == Class::Policy)
                    .map(|o| (dn_key(&o.raw.dn), o.object.id))
                    .collect(),
                snapshot: Ok(d.snapshot),
            },
            Err(e) => DomainPolicies {
                snapshot: Err(format!("cannot read the domain's IPsec policies: {e}")),
                ids: HashMap::new(),
            },
        }
    }
}

/// Policies for the fleet: the directory's, and local files through the one detector.
struct Source {
    domain: DomainPolicies,
}

impl PolicySource for Source {
    fn domain(&mut self, dn: &str) -> Result<(Snapshot, Id), LoadError> {
        let fail = |message: String| LoadError {
            message,
            invalid_input: false,
        };
        let snap = self.domain.snapshot.as_ref().map_err(|e| fail(e.clone()))?;
        let id = self
            .domain
            .ids
            .get(&dn_key(dn))
            .copied()
            .or_else(|| policy_id_of_dn(dn))
            .filter(|id| snap.policy(*id).is_some())
            .ok_or_else(|| fail(format!("{dn}: no such policy in CN=IP Security")))?;
        Ok((snap.clone(), id))
    }

    fn local(&mut self, file: &Path) -> Result<Snapshot, LoadError> {
        super::super::load_file(file, None).map_err(|e| LoadError {
            message: match e {
                CliError::Invalid(m) | CliError::Failed(m) => {
                    format!("local policy {} (from --hosts): {m}", file.display())
                }
                CliError::Silent => format!("local policy {}: unreadable", file.display()),
            },
            invalid_input: true,
        })
    }
}

pub fn run(
    h: &Header,
    q: &Query,
    domain: DomainPolicies,
    assumed: &[Interface],
    json: bool,
) -> Result<(), CliError> {
    // Syntax errors are the user's, whatever the host: exit 2 before any work.
    let probe = [std::net::Ipv4Addr::new(192, 0, 2, 1)];
    let space = match q {
        Query::Explain { packet, .. } => {
            Packet::parse(packet, &probe).map_err(|e| CliError::Invalid(e.to_string()))?;
            None
        }
        Query::Reach { space, .. } => {
            Some(HeaderSpace::parse(space).map_err(|e| CliError::Invalid(e.to_string()))?)
        }
    };
    let question = match (q, &space) {
        (_, Some(hs)) => QuestionNets::of_space(hs),
        (Query::Explain { packet, .. }, None) => QuestionNets::of_packet(packet),
        (Query::Reach { .. }, None) => QuestionNets::default(),
    };
    let tables = FleetTables::build(h.fleet, &mut Source { domain }, assumed, &question);
    let (text, value, failed) = match (q, space) {
        (Query::Explain { packet, peer, all }, _) => {
            let peer = peer.map(|p| match p {
                PeerArg::Ipsec => Peer::Ipsec,
                PeerArg::Plain => Peer::Plain,
            });
            let answers = tables.explain(packet, peer);
            let report = Report::new(h, &tables, &answers, *all, explain_word);
            (
                report.text(packet, explain_lines),
                report.json("explain", packet, |e| json!(e)),
                report.failed,
            )
        }
        (Query::Reach { space, all }, Some(hs)) => {
            let answers = tables.reach(&hs);
            let report = Report::new(h, &tables, &answers, *all, |v: &Vec<ReachItem>| {
                reach_word(v)
            });
            (
                report.text(space, |v: &Vec<ReachItem>| reach_lines(v)),
                report.json("reach", space, |items| json!(items)),
                report.failed,
            )
        }
        (Query::Reach { .. }, None) => return Err(CliError::Failed("no space".into())),
    };
    if json {
        print_json(&value)?;
    } else {
        outln!("{}", text.trim_end());
    }
    match failed {
        Failed::None => Ok(()),
        Failed::Hosts(n) => {
            errln!("ipsedit: {n} host(s) could not be answered; each group says why");
            Err(CliError::Silent)
        }
        Failed::Input(n) => Err(CliError::Invalid(format!(
            "{n} host(s) could not be answered: a local policy file from --hosts is bad"
        ))),
    }
}

fn explain_word(e: &Explanation) -> String {
    e.verdict.word().to_string()
}

fn explain_lines(e: &Explanation) -> Vec<String> {
    let mut out = vec![e.summary.clone()];
    if let Some(f) = &e.fix {
        out.push(format!("fix: {f}"));
    }
    out
}

fn reach_word(items: &[ReachItem]) -> String {
    if items.is_empty() {
        "nothing gets in".into()
    } else {
        "lets in".into()
    }
}

fn reach_lines(items: &[ReachItem]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            let row = i.row.map_or("-".to_string(), |r| r.to_string());
            format!(
                "row {row:>4} {:<9} {}  e.g. {}",
                i.action.word(),
                i.why,
                i.example
            )
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failed {
    None,
    Hosts(usize),
    Input(usize),
}

/// Groups in display order with their answers.
struct Report<'a, T> {
    header: &'a Header<'a>,
    tables: &'a FleetTables,
    /// (answer, its word: verdict or "error") sorted by word, then most hosts first.
    rows: Vec<(&'a GroupAnswer<T>, String)>,
    all: bool,
    failed: Failed,
}

impl<'a, T> Report<'a, T> {
    fn new(
        header: &'a Header<'a>,
        tables: &'a FleetTables,
        answers: &'a [GroupAnswer<T>],
        all: bool,
        word: impl Fn(&T) -> String,
    ) -> Self {
        let mut rows: Vec<(&GroupAnswer<T>, String)> = answers
            .iter()
            .map(|a| {
                let w = match &a.answer {
                    Ok(x) => word(x),
                    Err(_) => "error".into(),
                };
                (a, w)
            })
            .collect();
        let rank = |w: &str| match w {
            "error" => 1,
            _ => 0,
        };
        rows.sort_by(|(a, wa), (b, wb)| {
            let (ga, gb) = (&tables.groups[a.group], &tables.groups[b.group]);
            (rank(wa), wa, std::cmp::Reverse(ga.hosts.len()), ga.hosts[0]).cmp(&(
                rank(wb),
                wb,
                std::cmp::Reverse(gb.hosts.len()),
                gb.hosts[0],
            ))
        });
        let mut failed = Failed::None;
        let mut bad_hosts = 0;
        let mut bad_input = false;
        for (a, _) in &rows {
            if a.answer.is_err() {
                let g = &tables.groups[a.group];
                bad_hosts += g.hosts.len();
                bad_input |= g.table.as_ref().err().is_some_and(|e| e.invalid_input);
            }
        }
        if bad_hosts > 0 {
            failed = if bad_input {
                Failed::Input(bad_hosts)
            } else {
                Failed::Hosts(bad_hosts)
            };
        }
        Report {
            header,
            tables,
            rows,
            all,
            failed,
        }
    }

    fn names(&self, g: &Group) -> Vec<&'a str> {
        g.hosts
            .iter()
            .map(|&i| self.header.fleet.hosts[i].computer.name.as_str())
            .collect()
    }

    fn totals(&self) -> BTreeMap<String, usize> {
        let mut t = BTreeMap::new();
        for (a, w) in &self.rows {
            *t.entry(w.clone()).or_insert(0) += self.tables.groups[a.group].hosts.len();
        }
        t
    }

    fn text(&self, question: &str, lines: impl Fn(&T) -> Vec<String>) -> String {
        let mut out = self.header.text();
        out.push_str(&format!(
            "{}: {} hosts, {} distinct tables, {} policies read\n",
            safe(question),
            self.header.fleet.hosts.len(),
            self.tables.groups.len(),
            self.tables.sources
        ));
        let limit = if self.all || !std::io::stdout().is_terminal() {
            usize::MAX
        } else {
            SHOWN
        };
        for (a, word) in &self.rows {
            let g = &self.tables.groups[a.group];
            out.push_str(&format!(
                "\n{word}: {} host{} ({})\n",
                g.hosts.len(),
                if g.hosts.len() == 1 { "" } else { "s" },
                safe(&inputs(g, self.names(g)[0]))
            ));
            match &a.answer {
                Ok(x) => {
                    for l in lines(x) {
                        out.push_str(&format!("  {}\n", safe(&l)));
                    }
                }
                Err(e) => out.push_str(&format!("  {}\n", safe(e))),
            }
            let names = self.names(g);
            let shown: Vec<String> = names.iter().take(limit).map(|n| safe(n)).collect();
            out.push_str(&format!("  hosts: {}", shown.join(", ")));
            if names.len() > shown.len() {
                out.push_str(&format!(
                    " ... and {} more (--all or --json lists them)",
                    names.len() - shown.len()
                ));
            }
            out.push('\n');
        }
        let totals: Vec<String> = self
            .totals()
            .iter()
            .map(|(w, n)| format!("{w} {n}"))
            .collect();
        out.push_str(&format!("\ntotal: {}\n", totals.join(", ")));
        for n in &self.header.fleet.unknown_sheet_rows {
            out.push_str(&format!(
                "warning: --hosts names '{}' but the domain has no such computer\n",
                safe(n)
            ));
        }
        out
    }

    fn json(&self, kind: &str, question: &str, answer: impl Fn(&T) -> Value) -> Value {
        let groups: Vec<Value> = self
            .rows
            .iter()
            .map(|(a, word)| {
                let g = &self.tables.groups[a.group];
                let mut v = json!({
                    "result": word,
                    "policy": origin_json(&g.origin),
                    "same_content": g.same_content.iter().map(origin_json).collect::<Vec<_>>(),
                    "profile": g.profile.map(|p| p.id()),
                    "no_default_exempt": g.no_default_exempt,
                    "addresses": g.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    "addresses_assumed": g.assumed_addresses,
                    "addresses_vary": g.addresses_vary,
                    "evaluated_at": self.names(g)[0],
                    "host_count": g.hosts.len(),
                    "hosts": self.names(g),
                });
                match &a.answer {
                    Ok(x) => v["answer"] = answer(x),
                    Err(e) => v["error"] = json!(e),
                }
                v
            })
            .collect();
        json!({
            "query": kind,
            "input": question,
            "domain": self.header.url.domain_name(),
            "server": self.header.url.server(),
            "not_evaluated": OUT_OF_SCOPE,
            "host_count": self.header.fleet.hosts.len(),
            "distinct_tables": self.tables.groups.len(),
            "policies_read": self.tables.sources,
            "totals": self.totals(),
            "groups": groups,
            "unknown_sheet_rows": self.header.fleet.unknown_sheet_rows,
            "warnings": self.header.fleet.warnings,
        })
    }
}

/// The table's inputs in words: policy, OS profile, NoDefaultExempt, addresses (the first
/// host's, `first`, when the group's hosts have others alike for this question).
fn inputs(g: &Group, first: &str) -> String {
    let mut policy = g.origin.describe();
    for o in &g.same_content {
        policy.push_str(&format!(" = {}", o.describe()));
    }
    format!(
        "{policy}; {}; NoDefaultExempt {}; addresses {}{}",
        g.profile.map_or("os unknown", |p| p.id()),
        g.no_default_exempt
            .map_or("absent".to_string(), |n| n.to_string()),
        if g.addresses.is_empty() {
            "none".to_string()
        } else {
            g.addresses
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(";")
        },
        if g.assumed_addresses {
            " (assumed)".to_string()
        } else if g.addresses_vary {
            format!(
                " ({first}'s; the others' addresses differ only where this policy and \
                 question cannot tell)"
            )
        } else {
            String::new()
        }
    )
}

fn origin_json(o: &PolicyOrigin) -> Value {
    match o {
        PolicyOrigin::Domain { dn, name } => json!({"kind": "domain", "dn": dn, "name": name}),
        PolicyOrigin::Local { file } => json!({"kind": "local", "file": file}),
        PolicyOrigin::None => json!({"kind": "none"}),
    }
}
