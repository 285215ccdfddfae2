//! `MemoryStore`: a store in memory, for scratch sessions and tests. (Stub.)

/// Placeholder until issue 2's store lands.
pub struct MemoryStore;
