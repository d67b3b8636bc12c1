//! The repository contract: one suite, one test binary. Every test that needs only the
//! repository ports runs on the in-memory repositories, on SQLite and on PostgreSQL
//! (`all_backends!`), so all three keep exactly the behaviour the use cases rely on; the
//! in-memory backend passing it is what shows it is faithful. Tests that look at SQL itself
//! (migrations, raw rows written behind Tessera's back, locks held on a raw connection, the
//! pool) run on SQLite and PostgreSQL only (`both_backends!`).

// The contract bodies run through `all_backends!`/`both_backends!`, so clippy does not see them
// as `#[test]` functions: this whole binary is test code, where a failed expectation panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "the repository contract test binary: a failed expectation is meant to panic"
)]

mod accounts;
mod admin;
mod api_keys;
mod audit;
mod backchannel_logout;
mod change_feed;
mod client_registration;
mod clients_keys_schema;
mod console_statistics;
mod device_authorizations;
mod exchange_policy;
mod housekeeping;
mod pushed_requests;
mod replay;
mod resources;
mod second_factors;
mod sign_in;
mod sign_out;
mod user_roles;
