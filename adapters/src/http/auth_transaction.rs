//! Authorization transactions: proof, carried by the consent form, that the person signed in on
//! this authorization's own login page.
//!
//! A request that demands re-authentication (`prompt=login`, `max_age`) may only get a code
//! when the sign-in happened in this authorization. The consent form alone cannot show that:
//! anyone with the old session and the login page's CSRF token can post it. So the consent
//! page shown right after a sign-in carries `auth_tx`, an HMAC under a key of its own over the
//! new session, its `auth_time` and the request's parameters. It needs no storage and holds in
//! every process that shares the secret key.

use super::browser::hmac;
use base64::Engine;
use openssl::memcmp;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use tessera_application::services::{AuthorizeParams, SignInProof};
use tessera_domain::BrowserSession;

/// Name of the consent form's hidden field that carries the transaction.
pub const AUTH_TX_FIELD: &str = "auth_tx";

/// Makes and checks the `auth_tx` values.
pub struct AuthTransactions {
    key: SecretBox<Vec<u8>>,
}

impl AuthTransactions {
    /// Derives the transaction key from the configured secret key, under its own label.
    pub fn from_secret(secret: &SecretString) -> Self {
        let key = hmac(
            secret.expose_secret().as_bytes(),
            b"tessera/authorization-transaction/v1",
        )
        .unwrap_or_default();
        Self {
            key: SecretBox::new(Box::new(key)),
        }
    }

    /// The value for the consent page shown right after `session` was signed in for the
    /// request whose parameters (page fields excluded) are `params`.
    pub fn issue<'a>(
        &self,
        session: &BrowserSession,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> String {
        let mac = hmac(self.key.expose_secret(), &message(session, params)).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
    }

    /// What a posted consent form proves: `ThisAuthorization` only when `token` was issued for
    /// this very session (same `auth_time`) and these parameters; compared in constant time.
    pub fn verify(
        &self,
        session: Option<&BrowserSession>,
        params: &AuthorizeParams,
        token: Option<&str>,
    ) -> SignInProof {
        let (Some(session), Some(token)) = (session, token) else {
            return SignInProof::Unproven;
        };
        let pairs = params.pairs();
        let expected = self.issue(session, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let valid = self.key.expose_secret().len() == 32
            && expected.len() == token.len()
            && memcmp::eq(expected.as_bytes(), token.as_bytes());
        if valid {
            SignInProof::ThisAuthorization
        } else {
            SignInProof::Unproven
        }
    }
}

/// The MAC input: the session's digest, user and `auth_time`, then the parameters sorted, every
/// string length-prefixed so no two inputs share an encoding.
fn message<'a>(
    session: &BrowserSession,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<u8> {
    let mut sorted: Vec<(&str, &str)> = params.into_iter().collect();
    sorted.sort_unstable();
    let mut m = Vec::with_capacity(128);
    m.extend_from_slice(session.digest.as_bytes());
    put(&mut m, session.user_id.as_str());
    m.extend_from_slice(&session.auth_time.as_secs().to_be_bytes());
    m.extend_from_slice(&(sorted.len() as u64).to_be_bytes());
    for (k, v) in sorted {
        put(&mut m, k);
        put(&mut m, v);
    }
    m
}

fn put(m: &mut Vec<u8>, s: &str) {
    m.extend_from_slice(&(s.len() as u64).to_be_bytes());
    m.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests;
