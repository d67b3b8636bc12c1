//! The `tessera` binary as a separate process, as an operator runs it: one test binary, one
//! module per concern. (The in-process HTTP tests are the `e2e` binary of `tests/`.)

mod api_keys;
mod commands;
mod keys;
mod resources;
mod roles;
mod secrets_never_logged;
