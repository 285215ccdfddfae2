//! Opening a domain store from `--store ldap://HOST/DC=..` (or `ldaps://`, or
//! `IPSEDIT_STORE`): the bind user from `IPSEDIT_LDAP_USER`, the password from
//! `IPSEDIT_LDAP_PASSWORD` or, on a terminal, a prompt without echo (never an argument);
//! `--insecure-tls` said on every run. Also the Group Policy listing `show` adds.

use std::io::IsTerminal;

use super::CliError;
use crate::core::domain::store::LdapStore;
use crate::core::domain::{Credentials, DirectoryUrl, TlsPolicy};
use crate::core::text::terminal_safe;

/// The domain store at `url`; nothing is contacted until the first load.
pub fn open(url: &str, insecure_tls: bool) -> Result<LdapStore, CliError> {
    let url = DirectoryUrl::parse(url)?;
    let creds = credentials()?;
    let tls = TlsPolicy::from_env(insecure_tls);
    if tls == TlsPolicy::Insecure {
        errln!(
            "ipsedit: warning: --insecure-tls: the certificate of {} is not verified; anyone \
             in the path can pose as the domain controller",
            terminal_safe(&url.host)
        );
    }
    Ok(LdapStore::new(url, creds, tls))
}

fn credentials() -> Result<Credentials, CliError> {
    let env = |k: &str| std::env::var(k).ok();
    let user = env("IPSEDIT_LDAP_USER").filter(|u| !u.trim().is_empty());
    let has_password = env("IPSEDIT_LDAP_PASSWORD").is_some_and(|p| !p.is_empty());
    if let (Some(user), false) = (&user, has_password)
        && std::io::stdin().is_terminal()
    {
        let prompt = format!("Password for {}: ", terminal_safe(user.trim()));
        let password = rpassword::prompt_password(prompt)
            .map_err(|e| CliError::Failed(format!("reading the password: {e}")))?;
        return Ok(Credentials::new(user.trim(), password));
    }
    Ok(Credentials::from_env()?)
}

/// `Group Policy:` lines for `show`: each GPO and the IPsec policy it carries.
pub fn gpo_lines(store: &LdapStore) -> Result<Vec<String>, CliError> {
    let list = store.assignments()?;
    let mut out = vec![
        "Group Policy (GPT.INI in SYSVOL is out of reach over LDAP and not shown):".to_string(),
    ];
    for (gpo, policy) in list {
        out.push(format!(
            "  GPO {}: {}",
            gpo.label(),
            match policy {
                Some(p) => format!("IPsec policy '{p}'"),
                None => "no IPsec policy".to_string(),
            }
        ));
    }
    Ok(out)
}
