//! ipseccmd output: `script` writes command lines that rebuild a store (`dynamic` its
//! dynamic rules); `listing` prints the active filters as `ipseccmd show filters` would,
//! exemptions included and marked.

mod dynamic;
mod listing;
mod script;

pub use listing::show_filters;
pub use script::{IpseccmdExport, export, spec};
