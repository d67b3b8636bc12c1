//! The end-to-end suite: the real server started in-process (`support`) and driven over HTTP,
//! one module per area. One binary links the server once instead of once per area; run one area
//! with a filter, e.g. `cargo test -p tessera-tests --test e2e faults::`.

// The scenario bodies run through `both_backends!`, so clippy does not see them as `#[test]`
// functions: say here that this whole binary is test code, where a failed expectation panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "an end-to-end test binary: a failed expectation is meant to panic"
)]

mod support;

mod account_api;
mod account_lifecycle;
mod account_page;
mod admin;
mod admin_resources;
mod audit;
mod backchannel_logout;
mod browser_accessibility;
mod browser_keyboard;
mod browser_language;
mod browser_passkeys;
mod browser_sign_in;
mod client_credentials;
mod client_jwt;
mod console;
mod device_flow;
mod dpop;
mod dynamic_registration;
mod faults;
mod lockout;
mod login_storm;
mod mcp_sdk;
mod metadata_documents;
mod metrics;
mod mfa_api;
mod openapi;
mod otel_tracing;
mod page_tour;
mod pages_i18n;
mod par;
mod people_pages;
mod reauthentication;
mod refresh_grace;
mod resource_indicators;
mod shared_rate_limits;
mod sign_in;
mod sign_out;
mod step_up;
mod token_exchange;
mod upstream_sign_in;
