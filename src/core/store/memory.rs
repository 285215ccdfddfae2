//! `MemoryStore`: a store in memory, for scratch sessions and tests. (Stub.)
