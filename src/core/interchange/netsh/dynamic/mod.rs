//! `netsh ipsec dynamic` (Windows Server 2003): the live security policy database.
//! `add|set|delete mmpolicy|qmpolicy|rule`, `delete all`, `set config`, and `show
//! all|mmpolicy|qmpolicy|mmfilter|qmfilter|rule|config` (Microsoft's "Netsh commands for
//! IPsec", dynamic context). Dynamic rules are the snapshot's `dynamic` list, the same
//! list ipseccmd without `-w` fills, so they join the effective table the same way; their
//! main-mode and quick-mode policies and the `set config` properties live in the host
//! context (`HostContext::spd`). Live SA listings (`show mmsas|qmsas|stats`) have nothing
//! to show in a model and say so. Never touches static policies or the assignment.

mod config;
mod export;
mod policies;
mod rules;
mod show;

pub use config::export_lines;
pub use export::{lines as export_dynamic, problems as export_problems};

use super::lexer::Arg;
use super::{Cmd, Done, NetshError};
use crate::core::model::Snapshot;

pub fn dispatch(
    snap: &mut Snapshot,
    args: &[Arg],
    line: usize,
    end_col: usize,
) -> Result<Done, NetshError> {
    let verb = super::abbrev::expand(&args[0].value, super::abbrev::DYNAMIC_VERBS);
    let object = args
        .get(1)
        .map(|a| super::abbrev::expand(&a.value, super::abbrev::dynamic_objects(&verb)));
    let name = format!("{verb} {}", object.clone().unwrap_or_default());
    let cmd = Cmd {
        line,
        end_col,
        name: &name,
        col: args[0].col,
    };
    let params = args.get(2..).unwrap_or(&[]);
    match (verb.as_str(), object.as_deref()) {
        ("set", Some("config")) => config::set(snap, params, &cmd),
        ("show", Some("config")) => config::show(snap, params, &cmd),
        ("add", Some("mmpolicy")) => policies::add_mm(snap, params, &cmd),
        ("set", Some("mmpolicy")) => policies::set_mm(snap, params, &cmd),
        ("delete", Some("mmpolicy")) => policies::delete_mm(snap, params, &cmd),
        ("add", Some("qmpolicy")) => policies::add_qm(snap, params, &cmd),
        ("set", Some("qmpolicy")) => policies::set_qm(snap, params, &cmd),
        ("delete", Some("qmpolicy")) => policies::delete_qm(snap, params, &cmd),
        ("add", Some("rule")) => rules::add(snap, args, &cmd),
        ("set", Some("rule")) => rules::set(snap, params, &cmd),
        ("delete", Some("rule")) => rules::delete(snap, params, &cmd),
        ("delete", Some("all")) => rules::delete_all(snap, params, &cmd),
        ("show", Some(object)) => show::run(snap, object, params, &cmd),
        _ => Err(cmd.err(
            args[0].col,
            args.iter()
                .take(2)
                .map(|a| a.text())
                .collect::<Vec<_>>()
                .join(" "),
            format!("'dynamic {name}' is not a netsh ipsec dynamic command"),
            "use add|set|delete mmpolicy|qmpolicy|rule, delete all, set config, or show \
             all|mmpolicy|qmpolicy|mmfilter|qmfilter|rule|config",
        )),
    }
}
