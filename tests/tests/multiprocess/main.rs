//! Many processes behave as one (issue 16): real `tessera serve` processes of the debug
//! binary, two or three on one fresh database (SQLite file or PostgreSQL database), each on
//! its own port with the same issuer and `secret_key`, as behind a load balancer. What one
//! process does, the others see: tokens, revocations, sign-outs, disabled users, client
//! changes, key rotations, browser sessions, refresh-token reuse, lockout counts; and processes
//! started together migrate a fresh PostgreSQL database once.
//!
//! A state change is checked on the other process right after; when it holds only after a
//! delay (a cache), the test polls up to 2 s and prints the delay it measured.
//!
//! Needs `target/debug/tessera` (see `tessera_tests::process`):
//! `cargo build -p tessera-server --bin tessera && cargo test -p tessera-tests --test multiprocess`.

// The scenario bodies run through `both_backends!`, so clippy does not see them as `#[test]`
// functions: this whole binary is test code, where a failed expectation panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test binary: a failed expectation is meant to panic"
)]

mod cluster;

mod accounts;
mod browser_session;
mod clients;
mod keys;
mod migrations;
mod tokens;

// The cookie-keeping browser of the end-to-end suite, shared rather than copied.
#[path = "../e2e/support/browser.rs"]
mod browser;
