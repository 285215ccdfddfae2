//! The engine: what the IPsec driver really does with a policy (DOMAIN.md §2, §3).
//! Pure functions over `model`, no I/O.
