//! Fixtures shared by the sign-in services' unit tests: fixed ids, a client and a user, an
//! RFC 7636 PKCE pair, a deterministic random source, a signing engine that records what it
//! signs, and a recorder for arguments handed to mocks.

use crate::ports::{MockJwsEngine, MockRandomSource};
use crate::services::TokenError;
use crate::OAuthErrorCode;
use serde_json::{Map, Value};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tessera_domain::{
    BrowserSession, Client, ClientId, Email, GrantType, RedirectUri, ScopeSet, SigningAlgorithm,
    TokenDigest, TokenEndpointAuthMethod, UnixTime, User, UserId,
};

pub(crate) use crate::services::access_tokens::tests::{clock_at, ISS};

/// The signed-in user's id (the `sub` of their tokens).
pub(crate) const USER_ID: &str = "00000000-0000-4000-8000-000000000001";
/// Someone else.
pub(crate) const OTHER_USER_ID: &str = "00000000-0000-4000-8000-000000000002";
/// The client of most tests.
pub(crate) const CLIENT_ID: &str = "web";
/// Its only redirect URI.
pub(crate) const REDIRECT: &str = "https://app.example/cb";
/// Its post-logout redirect URIs.
pub(crate) const LOGOUT_REDIRECT: &str = "https://app.example/bye";
/// Everything the client may ask for.
pub(crate) const CLIENT_SCOPE: &str = "email offline_access openid profile read";
/// RFC 7636 Appendix B: this verifier...
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// ...hashes (S256) to this challenge.
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// What the recording engine returns for an access token.
pub(crate) const SIGNED_AT: &str = "signed.at+jwt";
/// What the recording engine returns for an ID token.
pub(crate) const SIGNED_ID: &str = "signed.JWT";

/// An enabled user with a name and a verified email.
pub(crate) fn user() -> User {
    User {
        id: UserId::parse(USER_ID).unwrap(),
        email: Email::parse("alice@example.com").unwrap(),
        email_verified: true,
        name: Some("Alice".into()),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: UnixTime::from_secs(0),
        disabled: false,
        login_attempts: Default::default(),
    }
}

/// A client of the code flow that may also refresh: public (`none`) or confidential (Basic).
pub(crate) fn client(public: bool) -> Client {
    let method = if public {
        TokenEndpointAuthMethod::None
    } else {
        TokenEndpointAuthMethod::ClientSecretBasic
    };
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        require_mfa: false,
        id: ClientId::parse(CLIENT_ID).unwrap(),
        name: "Web app".into(),
        secret_digest: (!public).then(|| TokenDigest::of("secret")),
        auth_method: method,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        redirect_uris: vec![RedirectUri::parse(REDIRECT).unwrap()],
        post_logout_redirect_uris: vec![
            RedirectUri::parse(LOGOUT_REDIRECT).unwrap(),
            RedirectUri::parse("https://app.example/bye?from=op").unwrap(),
        ],
        scope: ScopeSet::parse(CLIENT_SCOPE).unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(0),
    }
}

/// A session of [`user`] that authenticated at `auth_time` and is still live.
pub(crate) fn session(auth_time: i64) -> BrowserSession {
    BrowserSession {
        sid: "sid-1".to_owned(),
        amr: tessera_domain::AuthMethods::password(),
        digest: TokenDigest::of("cookie"),
        user_id: UserId::parse(USER_ID).unwrap(),
        auth_time: UnixTime::from_secs(auth_time),
        expires_at: UnixTime::from_secs(i64::MAX),
    }
}

/// Scope from text.
pub(crate) fn scope(s: &str) -> ScopeSet {
    ScopeSet::parse(s).unwrap()
}

/// A random source that fills each buffer with the next byte value (1, 2, 3, …), so every
/// token it yields differs from the previous one and tests stay deterministic.
pub(crate) fn counting_rng() -> Arc<MockRandomSource> {
    let mut rng = MockRandomSource::new();
    let mut n = 0u8;
    rng.expect_fill().returning(move |b| {
        n = n.wrapping_add(1);
        b.fill(n)
    });
    Arc::new(rng)
}

/// What a recording engine signed: (typ, claims) per token.
pub(crate) type Signed = Recorder<(String, Map<String, Value>)>;

/// A signing engine whose active key uses `alg`: access tokens sign to [`SIGNED_AT`], ID
/// tokens to [`SIGNED_ID`], and every (typ, claims) pair is recorded.
pub(crate) fn recording_jws(alg: SigningAlgorithm) -> (MockJwsEngine, Signed) {
    let signed = Recorder::default();
    let mut jws = MockJwsEngine::new();
    let r = signed.clone();
    jws.expect_sign().returning(move |typ, claims| {
        r.push((typ.to_owned(), claims.clone()));
        Ok(format!("signed.{typ}"))
    });
    jws.expect_active_algorithm().return_const(Some(alg));
    (jws, signed)
}

/// The claims signed with header `typ` (exactly one such token expected).
pub(crate) fn signed_with(signed: &Signed, typ: &str) -> Map<String, Value> {
    let mut found: Vec<_> = signed.all().into_iter().filter(|(t, _)| t == typ).collect();
    assert_eq!(found.len(), 1, "expected one token with typ {typ}");
    found.remove(0).1
}

/// Collects the values a mock was called with.
#[derive(Clone)]
pub(crate) struct Recorder<T>(Arc<Mutex<Vec<T>>>);

impl<T> Default for Recorder<T> {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Vec::new())))
    }
}

impl<T: Clone> Recorder<T> {
    /// Records one value.
    pub(crate) fn push(&self, v: T) {
        self.0.lock().unwrap().push(v);
    }

    /// Everything recorded so far.
    pub(crate) fn all(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }

    /// The one value recorded; fails the test if there were none or several.
    pub(crate) fn only(&self) -> T {
        let all = self.all();
        assert_eq!(all.len(), 1, "expected exactly one recorded call");
        all.into_iter().next().unwrap()
    }
}

/// Asserts that `r` is the token-endpoint refusal `code`, whichever variant says it.
pub(crate) fn assert_token_error<T: Debug>(r: Result<T, TokenError>, code: OAuthErrorCode) {
    assert!(
        matches!(&r, Err(e) if e.code() == code),
        "expected {code}, got {r:?}"
    );
}
