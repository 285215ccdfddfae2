//! The pure core: no terminal crates here (tests/purity.rs enforces it).

pub mod domain;
pub mod enforce;
pub mod engine;
pub mod input;
pub mod interchange;
pub mod model;
pub mod store;
pub mod text;
