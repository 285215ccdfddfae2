//! `ipsedit show [POLICY] [--json]`: policies → rules → filter list (with filters) and
//! filter action; the assigned policy marked; dynamic rules listed apart.

use serde_json::{Value, json};

pub mod json;

use super::{CliError, Ctx};
use crate::core::engine::EffectiveTable;
use crate::core::interchange::export_ipseccmd::show_filters;
use crate::core::interchange::registry::from_model::{
    DERIVE_DR_ACTION, DERIVE_DR_RULE, DERIVE_ISAKMP, default_main_mode, derive,
};
use crate::core::model::{
    Address, AuthMethod, Behavior, DynamicRule, Filter, FilterAction, Policy, Snapshot,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show only this policy.
    #[arg(value_name = "POLICY")]
    pub name: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// `tree` (the default) or `ipseccmd`: an `ipseccmd show filters` style listing of the
    /// active filters in evaluation order, exemptions included and marked.
    #[arg(long, value_name = "tree|ipseccmd", default_value = "tree")]
    pub format: String,
    /// Print pre-shared keys (masked by default).
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub context: super::context::ContextArgs,
}

/// Set once per run from `--show-secrets`: pre-shared keys are masked unless asked for.
static SHOW_SECRETS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn run(ctx: &Ctx, a: Args) -> Result<(), CliError> {
    SHOW_SECRETS.store(a.show_secrets, std::sync::atomic::Ordering::Relaxed);
    let snap = ctx.snapshot()?;
    match a.format.to_ascii_lowercase().as_str() {
        "tree" => {}
        "ipseccmd" => {
            let mut context = a.context.clone();
            if context.policy.is_none() {
                context.policy = a.name.clone();
            }
            let (policy, host) = context.resolve(&snap)?;
            let table = EffectiveTable::build(&snap, policy, &host);
            out!("{}", show_filters(&table));
            return Ok(());
        }
        other => {
            return Err(CliError::Invalid(format!(
                "unknown --format '{other}': use tree or ipseccmd"
            )));
        }
    }
    let policies: Vec<&Policy> = match &a.name {
        Some(name) => vec![snap.policy_named(name).ok_or_else(|| {
            CliError::Invalid(format!(
                "no policy named '{name}'; the store has: {}",
                super::admin::name_list(snap.policies.iter().map(|p| p.name.as_str()))
            ))
        })?],
        None => snap.policies.iter().collect(),
    };
    if a.json {
        json::print(&snap, &policies)?;
    } else {
        out!("{}", render(&snap, &policies, a.name.is_none()));
        if let Some(d) = ctx.domain.as_ref().filter(|_| a.name.is_none()) {
            for line in super::domain::gpo_lines(d)? {
                outln!("{line}");
            }
        }
    }
    Ok(())
}

/// The `show --json` document as a tree: the reference `json::write` (what `show --json`
/// prints, streamed) is tested against. Holds the whole document in memory: not for
/// large stores.
pub fn to_json(snap: &Snapshot, policies: &[&Policy]) -> Value {
    json!({
        "assigned": snap.assigned_policy().map(|p| p.name.clone()),
        "policies": policies.iter().map(|p| policy_json(snap, p)).collect::<Vec<_>>(),
        "filter_lists": snap.filter_lists.iter().map(|l| json!({
            "id": l.id.to_string(),
            "name": l.name,
            "description": l.description,
            "filters": l.filters.iter().map(filter_json).collect::<Vec<_>>(),
            "used_by_rules": snap.filter_list_usage(l.id).rule_count(),
        })).collect::<Vec<_>>(),
        "filter_actions": snap.filter_actions.iter().map(|a| {
            let mut v = action_json(a);
            v["used_by_rules"] = json!(snap.filter_action_usage(a.id).rule_count());
            v
        }).collect::<Vec<_>>(),
        "dynamic": snap.dynamic.iter().map(dynamic_json).collect::<Vec<_>>(),
        "host": super::config::to_json(&snap.host),
    })
}

fn policy_json(snap: &Snapshot, p: &Policy) -> Value {
    json!({
        "id": p.id.to_string(),
        "name": p.name,
        "description": p.description,
        "assigned": snap.assigned == Some(p.id),
        "polling_interval_min": p.polling_interval_min,
        "key_exchange": key_exchange_json(p),
        "default_response": default_response_json(p),
        "rules": p.rules.iter().map(|r| json!({
            "id": r.id.to_string(),
            "name": r.name,
            "description": r.description,
            "active": r.active,
            "filter_list": snap.filter_list(r.filter_list).map(|l| json!({
                "id": l.id.to_string(),
                "name": l.name,
                "filters": l.filters.iter().map(filter_json).collect::<Vec<_>>(),
            })),
            "filter_action": snap.filter_action(r.filter_action).map(action_json),
            "authentication": r.authentication.iter().map(auth_word).collect::<Vec<_>>(),
            "tunnel": r.tunnel.map(|t| t.to_string()),
            "connection": r.connection.word(),
        })).collect::<Vec<_>>(),
    })
}

pub fn filter_json(f: &Filter) -> Value {
    json!({
        "id": f.id.to_string(),
        "description": f.description,
        "source": address_json(&f.source),
        "destination": address_json(&f.destination),
        "protocol": f.protocol.number(),
        "protocol_name": f.protocol.to_string(),
        "src_port": f.src_port,
        "dst_port": f.dst_port,
        "mirrored": f.mirrored,
    })
}

fn address_json(a: &Address) -> Value {
    match a {
        Address::Me => json!({"kind": "me"}),
        Address::Any => json!({"kind": "any"}),
        Address::Ip { addr, mask } => json!({
            "kind": "ip", "addr": addr.to_string(), "mask": mask.to_string(), "text": a.to_string()
        }),
        Address::Dns { name, resolved } => json!({
            "kind": "dns", "name": name,
            "resolved": resolved.iter().map(|r| r.to_string()).collect::<Vec<_>>()
        }),
        Address::Server(k) => json!({"kind": "server", "server": k.keyword()}),
    }
}

fn action_json(a: &FilterAction) -> Value {
    json!({
        "id": a.id.to_string(),
        "name": a.name,
        "description": a.description,
        "action": a.behavior.word(),
        "methods": a.methods.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "inpass": a.inpass,
        "soft": a.soft,
        "session_key_pfs": a.session_key_pfs,
        "negotiation_type": a.negotiation_type.map(|t| t.to_string()),
    })
}

/// Main mode; `id` is the GUID of Windows' ISAKMP object (derived from the policy's when
/// the store has none of its own, as `export reg` writes it).
fn key_exchange_json(p: &Policy) -> Value {
    let k = &p.key_exchange;
    json!({
        "id": k.id.unwrap_or(derive(p.id, DERIVE_ISAKMP)).to_string(),
        "master_key_pfs": k.master_key_pfs,
        "lifetime_minutes": k.lifetime_minutes,
        "lifetime_sessions": k.lifetime_sessions,
        "methods": main_mode_text(k),
        "cert_to_account": k.cert_to_account,
        "no_cert_request": k.no_cert_request,
    })
}

fn main_mode_text(k: &crate::core::model::KeyExchange) -> String {
    if k.methods.is_empty() {
        format!(
            "{} (Windows' defaults)",
            mm_methods_text(&default_main_mode())
        )
    } else {
        mm_methods_text(&k.methods)
    }
}

/// netsh's `mmsecmethods` form: `3DES-SHA1-2 DES-MD5-1` (group 3 = 2048 bits).
fn mm_methods_text(methods: &[crate::core::model::MainModeMethod]) -> String {
    methods
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The default response rule with the GUIDs of its NFA and negotiation policy.
fn default_response_json(p: &Policy) -> Value {
    let d = &p.default_response;
    json!({
        "active": d.active,
        "rule_id": d.rule_id.unwrap_or(derive(p.id, DERIVE_DR_RULE)).to_string(),
        "action_id": d.action_id.unwrap_or(derive(p.id, DERIVE_DR_ACTION)).to_string(),
        "authentication": d.authentication.iter().map(auth_word).collect::<Vec<_>>(),
        "methods": d.methods.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn dynamic_json(d: &DynamicRule) -> Value {
    json!({
        "id": d.id.to_string(),
        "filter": filter_json(&d.filter),
        "action": action_json(&d.action),
        "tunnel": d.tunnel.map(|t| t.to_string()),
        "origin": d.origin,
    })
}

fn auth_word(a: &AuthMethod) -> String {
    match a {
        AuthMethod::Kerberos => "kerberos".into(),
        AuthMethod::Certificate { root_ca } => format!("certificate: {root_ca}"),
        AuthMethod::Preshared { key }
            if SHOW_SECRETS.load(std::sync::atomic::Ordering::Relaxed) =>
        {
            format!("preshared key: {key}")
        }
        AuthMethod::Preshared { .. } => "preshared key (hidden: --show-secrets)".into(),
    }
}

fn action_word(a: &FilterAction) -> String {
    let base = match a.behavior {
        Behavior::Permit => "PERMIT".to_string(),
        Behavior::Block => "BLOCK".to_string(),
        Behavior::Negotiate => {
            let m: Vec<String> = a.methods.iter().map(ToString::to_string).collect();
            format!("NEGOTIATE {}", m.join(" "))
        }
    };
    let mut flags = Vec::new();
    if a.inpass {
        flags.push("inpass");
    }
    if a.soft {
        flags.push("soft");
    }
    if a.session_key_pfs {
        flags.push("pfs");
    }
    if flags.is_empty() {
        base.trim_end().to_string()
    } else {
        format!("{} ({})", base.trim_end(), flags.join(", "))
    }
}

pub fn render(snap: &Snapshot, policies: &[&Policy], with_dynamic: bool) -> String {
    let mut s = String::new();
    let usage = snap.usage_counts();
    if snap.policies.is_empty() {
        s.push_str("no policies in this store\n");
    }
    for p in policies {
        let mark = if snap.assigned == Some(p.id) {
            "  [assigned]"
        } else {
            ""
        };
        s.push_str(&format!("policy '{}'{mark}\n", p.name));
        if !p.description.is_empty() {
            s.push_str(&format!("  {}\n", p.description));
        }
        let k = &p.key_exchange;
        let mut mm = format!(
            "  main mode {} · {} min · {} · master PFS {}",
            main_mode_text(k),
            k.lifetime_minutes,
            match k.lifetime_sessions {
                0 => "unlimited quick modes".to_string(),
                n => format!("{n} quick modes"),
            },
            if k.master_key_pfs { "yes" } else { "no" }
        );
        if k.cert_to_account {
            mm.push_str(" · certificates mapped to accounts");
        }
        if k.no_cert_request {
            mm.push_str(" · no certificate request");
        }
        s.push_str(&mm);
        s.push('\n');
        let d = &p.default_response;
        let auth: Vec<String> = d.authentication.iter().map(auth_word).collect();
        s.push_str(&format!(
            "  default response rule {} · auth {} · {}\n",
            if d.active { "active" } else { "inactive" },
            if auth.is_empty() {
                "none".into()
            } else {
                auth.join(", ")
            },
            if d.methods.is_empty() {
                "Windows' default offers".to_string()
            } else {
                d.methods
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        ));
        if p.rules.is_empty() {
            s.push_str("  (no rules)\n");
        }
        for r in &p.rules {
            let inactive = if r.active { "" } else { "  (inactive)" };
            s.push_str(&format!("  rule '{}'{inactive}\n", r.name));
            match snap.filter_list(r.filter_list) {
                Some(l) => {
                    let used = usage.list(l.id);
                    s.push_str(&format!(
                        "    filter list '{}' ({} filter{}, used by {used} rule{})\n",
                        l.name,
                        l.filters.len(),
                        plural(l.filters.len()),
                        plural(used)
                    ));
                    for (i, f) in l.filters.iter().enumerate() {
                        s.push_str(&format!("      {}. {}\n", i + 1, f.summary()));
                    }
                }
                None => s.push_str("    filter list: MISSING (dangling reference)\n"),
            }
            match snap.filter_action(r.filter_action) {
                Some(a) => s.push_str(&format!(
                    "    filter action '{}': {}\n",
                    a.name,
                    action_word(a)
                )),
                None => s.push_str("    filter action: MISSING (dangling reference)\n"),
            }
            let auth: Vec<String> = r.authentication.iter().map(auth_word).collect();
            s.push_str(&format!(
                "    auth {} · tunnel {} · connection {}\n",
                if auth.is_empty() {
                    "none".into()
                } else {
                    auth.join(", ")
                },
                r.tunnel.map_or("none".to_string(), |t| t.to_string()),
                r.connection.word()
            ));
        }
    }
    if with_dynamic {
        if snap.dynamic.is_empty() {
            s.push_str("dynamic rules: none\n");
        } else {
            s.push_str("dynamic rules (lost when the policy agent restarts):\n");
            for (i, d) in snap.dynamic.iter().enumerate() {
                s.push_str(&format!(
                    "  {}. {}  {}\n",
                    i + 1,
                    d.filter.summary(),
                    action_word(&d.action)
                ));
            }
        }
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
