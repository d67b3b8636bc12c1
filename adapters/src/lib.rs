//! Tessera's adapters: the port implementations and the HTTP edge.
//!
//! - [`persistence`]: diesel + diesel-async repositories for SQLite and PostgreSQL.
//! - [`crypto`]: key generation (rsa + pkcs8), JWS through josekit (OpenSSL), key encryption,
//!   the OS random source and clock.
//! - [`http`]: the actix-web routes, mapping use-case errors to RFC 6749 §5.2 once.
//! - [`mail`]: the outgoing-mail queue (file outbox or SMTP through lettre), with dead letters.
//! - [`outbound`]: the one guarded HTTP client for every fetch Tessera makes (SSRF checks after
//!   DNS resolution), and the Client ID Metadata Documents fetched through it.

pub mod audit;
pub mod crypto;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod observability;
pub mod outbound;
pub mod persistence;

pub use persistence::{Backend, Database, DatabaseError, PoolOptions};
