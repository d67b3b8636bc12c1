//! The HTTP edge's parsers of untrusted input, reachable from outside the crate only with the
//! `fuzzing` feature, for the fuzz targets in `tests/fuzz`. They stay crate-private otherwise:
//! handlers are their only production callers.

use secrecy::ExposeSecret;

pub use super::form::{OAuthForm, MAX_FORM_BYTES, REPEATABLE};

/// The HTTP Basic client credentials of an `Authorization` header value, the secret exposed so
/// a target can compare it with what it encoded.
pub fn parse_basic(value: &str) -> Option<(String, String)> {
    super::client_auth::parse_basic(Some(value))
        .map(|(id, secret)| (id, secret.expose_secret().to_owned()))
}

/// The client id a client assertion names (`iss` equal to `sub`), read before any check.
pub fn unverified_subject(jwt: &str) -> Option<String> {
    super::client_auth::unverified_subject(jwt)
}
