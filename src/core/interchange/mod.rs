//! Import and export of the formats administrators used: ipseccmd/ipsecpol command lines,
//! netsh ipsec scripts, netdiag reports. Pure: text in, model changes out.

pub mod export_ipseccmd;
pub mod ipseccmd;
pub mod netdiag;
pub mod netsh;
