//! ipsedit: edit and understand Windows-style IPsec filtering policies.
//!
//! `core` is pure Rust (model, engine, store, interchange) with no terminal dependency;
//! `cli` and `tui` are thin front ends over it.

pub mod cli;
pub mod core;
pub mod tui;
