use super::*;
use tessera_domain::{TokenDigest, UnixTime, UserId};

fn session(cookie: &str, auth_time: i64) -> BrowserSession {
    BrowserSession {
        sid: format!("sid-{cookie}"),
        amr: tessera_domain::AuthMethods::password(),
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
