//! The terminal UI (issue 4). Thin front end over `core`.
