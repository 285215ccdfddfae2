//! `ipsedit netdiag [--me CIDR,…]`: what `netdiag /test:ipsec /debug` prints for the
//! assigned policy on this host (KB 813878's verification step).

use super::config::parse_interfaces;
use super::{CliError, Ctx};
use crate::core::interchange::netdiag;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Host addresses for this call (default: the stored host context).
    #[arg(long, value_name = "CIDR[,CIDR…]")]
    pub me: Option<String>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<(), CliError> {
    let snap = ctx.snapshot()?;
    let mut host = snap.host.clone();
    if let Some(me) = &a.me {
        host.interfaces = parse_interfaces(me)?;
    }
    let uses_me = snap.assigned_policy().is_some_and(|p| {
        p.rules.iter().any(|r| {
            snap.filter_list(r.filter_list).is_some_and(|l| {
                l.filters
                    .iter()
                    .any(|f| f.source.is_me() || f.destination.is_me())
            })
        })
    });
    if uses_me && host.interfaces.is_empty() {
        errln!(
            "ipsedit: warning: the host has no addresses, so filters on 'me' expand to nothing: \
             set them with `ipsedit config set me 192.168.1.1/24` or pass --me"
        );
    }
    out!("{}", netdiag::report(&snap, &host));
    Ok(())
}
