//! Engine benchmarks (issue 3).
fn main() {}
