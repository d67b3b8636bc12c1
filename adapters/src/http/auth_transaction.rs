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
mod tests {
    use super::*;
    use tessera_domain::{TokenDigest, UnixTime, UserId};

    fn session(cookie: &str, auth_time: i64) -> BrowserSession {
        BrowserSession {
            digest: TokenDigest::of(cookie),
            user_id: UserId::parse("00000000-0000-4000-8000-000000000001").unwrap(),
            auth_time: UnixTime::from_secs(auth_time),
            expires_at: UnixTime::from_secs(auth_time + 3600),
        }
    }

    fn params(prompt: &str) -> AuthorizeParams {
        AuthorizeParams::from_pairs(
            [("client_id", "web"), ("prompt", prompt), ("state", "s")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned())),
        )
    }

    fn guard(secret: &str) -> AuthTransactions {
        AuthTransactions::from_secret(&SecretString::from(secret.repeat(40)))
    }

    fn issued(g: &AuthTransactions, s: &BrowserSession, p: &AuthorizeParams) -> String {
        let pairs = p.pairs();
        g.issue(s, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    #[test]
    fn as_37_auth_tx_proves_a_sign_in_only_for_its_session_and_request() {
        let g = guard("k");
        let fresh = session("new-cookie", 5_000);
        let p = params("login");
        let t = issued(&g, &fresh, &p);
        assert_eq!(
            g.verify(Some(&fresh), &p, Some(&t)),
            SignInProof::ThisAuthorization
        );
        let unproven = |s: Option<&BrowserSession>, p: &AuthorizeParams, t: Option<&str>| {
            assert_eq!(g.verify(s, p, t), SignInProof::Unproven);
        };
        // Another (the old) session, or the same one with another auth_time.
        unproven(Some(&session("old-cookie", 5_000)), &p, Some(&t));
        unproven(Some(&session("new-cookie", 4_000)), &p, Some(&t));
        // Another request, an extra or a missing parameter.
        unproven(Some(&fresh), &params("consent"), Some(&t));
        let mut more = p.clone();
        more.max_age = Some("0".into());
        unproven(Some(&fresh), &more, Some(&t));
        let mut fewer = p.clone();
        fewer.state = None;
        unproven(Some(&fresh), &fewer, Some(&t));
        // Missing, malformed, or made under another secret key.
        unproven(Some(&fresh), &p, None);
        unproven(None, &p, Some(&t));
        unproven(Some(&fresh), &p, Some("x"));
        unproven(Some(&fresh), &p, Some(&issued(&guard("j"), &fresh, &p)));
    }
}
