//! The `tessera` binary's library half: configuration, wiring and commands, kept out of
//! `main.rs` so tests can start the real server on a free port.

pub mod cli;
pub mod commands;
pub mod config;
pub mod logging;
pub mod secret_key;
pub mod startup;
pub mod wiring;

pub use config::Config;
pub use startup::Application;
