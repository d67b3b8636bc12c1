//! Pushed marks: proof, carried by the login and consent pages, that the authorization
//! request's parameters came from `/par` (RFC 9126).
//!
//! A pushed request is taken once, when the browser first brings its `request_uri`; from then
//! on its parameters travel through the pages as hidden fields, like any request's. A client
//! that must push its requests would get past that rule if a page post with the same fields,
//! written by anyone, counted as pushed. So the pages add `pushed_tx`: an HMAC under a key of
//! its own over the parameters and an expiry. It needs no storage and holds in every process
//! that shares the secret key.

use super::browser::hmac;
use base64::Engine;
use openssl::memcmp;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use tessera_application::services::{AuthorizeParams, ParamsOrigin};
use tessera_domain::UnixTime;

/// Name of the pages' hidden field that carries the mark.
pub const PUSHED_FIELD: &str = "pushed_tx";

/// How long a mark holds: time enough to sign in (with a second factor) and consent.
pub const PUSHED_MARK_SECS: i64 = 1800;

/// Makes and checks `pushed_tx` values.
pub struct PushedMarks {
    key: SecretBox<Vec<u8>>,
}

impl PushedMarks {
    /// Derives the mark key from the configured secret key, under its own label.
    pub fn from_secret(secret: &SecretString) -> Self {
        let key = hmac(
            secret.expose_secret().as_bytes(),
            b"tessera/pushed-authorization-request/v1",
        )
        .unwrap_or_default();
        Self {
            key: SecretBox::new(Box::new(key)),
        }
    }

    /// The hidden fields of a page serving `params`: the parameters, and the mark when they
    /// came from `/par`.
    pub fn hidden_fields(&self, params: &AuthorizeParams, now: UnixTime) -> Vec<(String, String)> {
        let mut fields = params.pairs();
        if params.origin == ParamsOrigin::Pushed {
            fields.push((PUSHED_FIELD.to_owned(), self.issue(params, now)));
        }
        fields
    }

    /// The mark for `params` (page fields excluded), valid [`PUSHED_MARK_SECS`] from `now`.
    pub fn issue(&self, params: &AuthorizeParams, now: UnixTime) -> String {
        let until = now.plus(PUSHED_MARK_SECS).as_secs();
        format!("{until}.{}", self.mac(params, until))
    }

    /// `params` as the pages posted them, marked pushed when `token` is a live mark made for
    /// exactly these parameters (compared in constant time); otherwise as they are.
    pub fn apply(
        &self,
        mut params: AuthorizeParams,
        token: Option<&str>,
        now: UnixTime,
    ) -> AuthorizeParams {
        params.origin = ParamsOrigin::FrontChannel;
        let Some((until, mac)) = token.and_then(|t| t.split_once('.')) else {
            return params;
        };
        let Ok(until) = until.parse::<i64>() else {
            return params;
        };
        let expected = self.mac(&params, until);
        let valid = self.key.expose_secret().len() == 32
            && now.is_before(UnixTime::from_secs(until))
            && expected.len() == mac.len()
            && memcmp::eq(expected.as_bytes(), mac.as_bytes());
        if valid {
            params.origin = ParamsOrigin::Pushed;
        }
        params
    }

    fn mac(&self, params: &AuthorizeParams, until: i64) -> String {
        let mut m = Vec::with_capacity(128);
        m.extend_from_slice(&until.to_be_bytes());
        let pairs = params.pairs();
        m.extend_from_slice(&(pairs.len() as u64).to_be_bytes());
        for (k, v) in &pairs {
            put(&mut m, k);
            put(&mut m, v);
        }
        let mac = hmac(self.key.expose_secret(), &m).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
    }
}

fn put(m: &mut Vec<u8>, s: &str) {
    m.extend_from_slice(&(s.len() as u64).to_be_bytes());
    m.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests;
