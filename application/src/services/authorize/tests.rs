use super::*;
use crate::ports::{
    MockAuthorizationCodeRepository, MockClientRepository, MockConsentRepository,
    MockUserRepository,
};
use crate::services::test_support::{
    self as ts, Recorder, CHALLENGE, CLIENT_ID, CLIENT_SCOPE, ISS, REDIRECT, USER_ID,
};
use crate::RepositoryError;
use tessera_domain::UserId;
use tessera_domain::{Client, UnixTime, User};

const NOW: i64 = 10_000;
/// The session used by `decide` tests authenticated this long before NOW.
const AUTH_AGE: i64 = 1_000;

fn clients_with(client: Client) -> MockClientRepository {
    let mut m = MockClientRepository::new();
    m.expect_find()
        .returning(move |id| Ok((*id == client.id).then(|| client.clone())));
    m
}

fn service(
    clients: MockClientRepository,
    users: MockUserRepository,
    consents: MockConsentRepository,
    codes: MockAuthorizationCodeRepository,
) -> Authorize {
    Authorize::new(
        Arc::new(clients),
        Arc::new(users),
        Arc::new(consents),
        Arc::new(codes),
        ts::clock_at(NOW),
        ts::counting_rng(),
        IssuerSettings::new(ISS),
    )
}

/// For `validate`: only the client lookup is allowed; any other port call fails the test.
fn validator(clients: MockClientRepository) -> Authorize {
    service(
        clients,
        MockUserRepository::new(),
        MockConsentRepository::new(),
        MockAuthorizationCodeRepository::new(),
    )
}

/// A complete, valid request, with `set` overriding and `drop` removing parameters.
fn params(set: &[(&str, &str)], drop: &[&str]) -> AuthorizeParams {
    let mut p: std::collections::HashMap<String, String> = [
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid read"),
        ("state", "st-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("nonce", "n-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in set {
        p.insert((*k).to_owned(), (*v).to_owned());
    }
    for k in drop {
        p.remove(*k);
    }
    AuthorizeParams::from_pairs(p)
}

async fn validate_for(
    client: Client,
    set: &[(&str, &str)],
    drop: &[&str],
) -> Result<AuthorizationRequest, AuthorizeError> {
    validator(clients_with(client))
        .validate(&params(set, drop))
        .await
}

async fn validate(
    set: &[(&str, &str)],
    drop: &[&str],
) -> Result<AuthorizationRequest, AuthorizeError> {
    validate_for(ts::client(false), set, drop).await
}

fn assert_not_redirectable<T: std::fmt::Debug>(r: Result<T, AuthorizeError>) {
    match r {
        Err(AuthorizeError::NotRedirectable(_)) => {}
        other => panic!("expected an error page, never a redirect; got {other:?}"),
    }
}

fn redirected<T: std::fmt::Debug>(r: Result<T, AuthorizeError>) -> AuthorizationResponse {
    match r {
        Err(AuthorizeError::Redirect(resp)) => resp,
        other => panic!("expected an error sent to the redirect URI, got {other:?}"),
    }
}

fn param(resp: &AuthorizationResponse, key: &str) -> Option<String> {
    let params = resp.params();
    let mut found = params.iter().filter(|(k, _)| k == key);
    let v = found.next().map(|(_, v)| v.clone());
    assert!(found.next().is_none(), "parameter {key} appears twice");
    v
}

/// An error response to the registered URI: the code, `state` if valid, and `iss` (AS-10).
fn assert_error(
    resp: &AuthorizationResponse,
    error: OAuthErrorCode,
    state: Option<&str>,
    mode: ResponseMode,
) {
    assert_eq!(resp.redirect_uri, REDIRECT);
    assert_eq!(resp.mode, mode);
    assert_eq!(resp.error_code(), Some(error), "{resp:?}");
    assert_eq!(param(resp, "error"), Some(error.to_string()), "{resp:?}");
    let description = param(resp, "error_description").expect("error_description");
    assert!(description
        .chars()
        .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\'));
    assert_eq!(param(resp, "state").as_deref(), state);
    assert_eq!(
        param(resp, "iss").as_deref(),
        Some(ISS),
        "AS-10: iss on errors"
    );
    assert_eq!(param(resp, "code"), None);
}

async fn assert_redirect_error(set: &[(&str, &str)], drop: &[&str], error: OAuthErrorCode) {
    let resp = redirected(validate(set, drop).await);
    assert_error(&resp, error, Some("st-1"), ResponseMode::Query);
}

// ---- validate: the client and redirect URI, which decide whether errors may redirect ----

#[tokio::test]
async fn valid_request_is_accepted_with_every_parameter_parsed() {
    let r = validate(
        &[
            ("prompt", "consent"),
            ("max_age", "300"),
            ("login_hint", "alice@example.com"),
            ("response_mode", "form_post"),
            ("unknown_parameter", "ignored"),
        ],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(r.client, ts::client(false));
    assert_eq!(r.redirect_uri, REDIRECT);
    assert!(r.redirect_uri_sent);
    assert_eq!(r.scope, ts::scope("openid read"));
    assert_eq!(r.state, Some(State::parse("st-1").unwrap()));
    assert_eq!(r.nonce, Some(Nonce::parse("n-1").unwrap()));
    assert_eq!(r.code_challenge.as_str(), CHALLENGE);
    assert!(r.prompt.consent && !r.prompt.none && !r.prompt.forces_login());
    assert_eq!(r.max_age, Some(300));
    assert_eq!(r.login_hint.as_deref(), Some("alice@example.com"));
    assert_eq!(r.response_mode, ResponseMode::FormPost);
}

#[tokio::test]
async fn as_03_missing_client_id_is_not_redirectable() {
    // No lookup happens: the strict mock fails the test on any call.
    let a = validator(MockClientRepository::new());
    assert_not_redirectable(a.validate(&params(&[], &["client_id"])).await);
    assert_not_redirectable(a.validate(&params(&[("client_id", "")], &[])).await);
}

#[tokio::test]
async fn as_03_unknown_client_id_is_not_redirectable() {
    assert_not_redirectable(validate(&[("client_id", "someone-else")], &[]).await);
}

#[tokio::test]
async fn as_03_malformed_client_id_is_not_redirectable_and_not_looked_up() {
    let a = validator(MockClientRepository::new());
    let long = "a".repeat(129);
    for bad in ["a b", "web/../x", "wéb", USER_ID, long.as_str()] {
        assert_not_redirectable(a.validate(&params(&[("client_id", bad)], &[])).await);
    }
}

#[tokio::test]
async fn as_01_as_03_unregistered_redirect_uri_is_not_redirectable() {
    for uri in [
        "https://app.example/cb/",
        "https://app.example/cb?x=1",
        "https://app.example/cb#frag",
        "https://app.example/c",
        "https://app.example/cbx",
        "https://APP.example/cb",
        "HTTPS://app.example/cb",
        "https://app.example:443/cb",
        "https://app.example/%63b",
        "https://app.example/x/../cb",
        "http://app.example/cb",
        "https://evil.example/cb",
        "https://app.example.evil.example/cb",
        "https://evil.example/?https://app.example/cb",
    ] {
        assert_not_redirectable(validate(&[("redirect_uri", uri)], &[]).await);
    }
}

#[tokio::test]
async fn as_03_unregistered_redirect_uri_wins_over_every_redirectable_error() {
    // Even with every other parameter wrong, a bad redirect URI yields the error page.
    let r = validate(
        &[
            ("redirect_uri", "https://evil.example/cb"),
            ("response_type", "token"),
            ("response_mode", "fragment"),
            ("scope", "admin"),
        ],
        &["code_challenge"],
    )
    .await;
    assert_not_redirectable(r);
}

#[tokio::test]
async fn as_03_missing_redirect_uri_with_several_registered_is_not_redirectable() {
    let mut c = ts::client(false);
    c.redirect_uris
        .push(RedirectUri::parse("https://app.example/other").unwrap());
    assert_not_redirectable(validate_for(c.clone(), &[], &["redirect_uri"]).await);
    assert_not_redirectable(validate_for(c, &[("redirect_uri", "")], &[]).await);
    let mut none = ts::client(false);
    none.redirect_uris.clear();
    assert_not_redirectable(validate_for(none, &[], &["redirect_uri"]).await);
}

#[tokio::test]
async fn omitted_redirect_uri_with_exactly_one_registered_is_used_but_not_marked_sent() {
    for r in [
        validate(&[], &["redirect_uri"]).await.unwrap(),
        // AS-09: an empty parameter counts as omitted.
        validate(&[("redirect_uri", "")], &[]).await.unwrap(),
    ] {
        assert_eq!(r.redirect_uri, REDIRECT);
        assert!(!r.redirect_uri_sent);
    }
}

#[tokio::test]
async fn as_02_loopback_redirect_uri_matches_on_any_port() {
    let mut c = ts::client(true);
    c.redirect_uris = vec![
        RedirectUri::parse("http://127.0.0.1/cb").unwrap(),
        RedirectUri::parse("http://[::1]:8080/cb").unwrap(),
    ];
    for uri in [
        "http://127.0.0.1/cb",
        "http://127.0.0.1:53124/cb",
        "http://127.0.0.1:1/cb",
        "http://[::1]:8080/cb",
        "http://[::1]:65535/cb",
        "http://[::1]/cb",
    ] {
        let r = validate_for(c.clone(), &[("redirect_uri", uri)], &[])
            .await
            .unwrap();
        // The URI the client sent is the one answered, and the token request must repeat it.
        assert_eq!(r.redirect_uri, uri);
        assert!(r.redirect_uri_sent);
    }
}

#[tokio::test]
async fn as_02_loopback_matching_is_exact_apart_from_the_port() {
    let mut c = ts::client(true);
    c.redirect_uris = vec![RedirectUri::parse("http://127.0.0.1/cb").unwrap()];
    for uri in [
        "http://127.0.0.1:5000/other",
        "http://127.0.0.1:5000/cb/",
        "http://127.0.0.1:5000/cb?x=1",
        "http://127.0.0.1:99999/cb",
        "http://127.0.0.1:/cb",
        "http://127.0.0.1:80x/cb",
        "http://localhost:5000/cb",
        "http://127.0.0.2:5000/cb",
        "http://[::1]:5000/cb",
        "https://127.0.0.1:5000/cb",
        "http://127.0.0.1.evil.example/cb",
    ] {
        assert_not_redirectable(validate_for(c.clone(), &[("redirect_uri", uri)], &[]).await);
    }
}

#[tokio::test]
async fn client_repository_outage_is_a_server_fault_not_a_client_error() {
    let mut clients = MockClientRepository::new();
    clients
        .expect_find()
        .returning(|_| Err(RepositoryError::Unavailable));
    let r = validator(clients).validate(&params(&[], &[])).await;
    assert!(matches!(
        r,
        Err(AuthorizeError::Repository(RepositoryError::Unavailable))
    ));
}

// ---- validate: errors sent back to the client, with state and iss ----

#[tokio::test]
async fn as_10_bad_response_mode_is_redirected_in_query_mode_with_state_and_iss() {
    for mode in ["fragment", "web_message", "FORM_POST"] {
        let resp = redirected(validate(&[("response_mode", mode)], &[]).await);
        assert_error(
            &resp,
            OAuthErrorCode::InvalidRequest,
            Some("st-1"),
            ResponseMode::Query,
        );
    }
}

#[tokio::test]
async fn invalid_state_is_refused_without_being_echoed() {
    let long = "s".repeat(2049);
    for state in ["bad\u{7}state", "caf\u{e9}", long.as_str()] {
        let resp = redirected(validate(&[("state", state)], &[]).await);
        assert_error(
            &resp,
            OAuthErrorCode::InvalidRequest,
            None,
            ResponseMode::Query,
        );
    }
}

#[tokio::test]
async fn as_09_empty_state_counts_as_omitted() {
    let r = validate(&[("state", "")], &[]).await.unwrap();
    assert_eq!(r.state, None);
}

#[tokio::test]
async fn request_objects_are_not_supported() {
    assert_redirect_error(
        &[("request", "eyJhbGciOiJub25lIn0.e30.")],
        &[],
        OAuthErrorCode::RequestNotSupported,
    )
    .await;
}

#[tokio::test]
async fn request_uri_is_not_supported() {
    assert_redirect_error(
        &[("request_uri", "https://evil.example/req.jwt")],
        &[],
        OAuthErrorCode::RequestUriNotSupported,
    )
    .await;
}

#[tokio::test]
async fn as_20_missing_response_type_is_invalid_request() {
    assert_redirect_error(&[], &["response_type"], OAuthErrorCode::InvalidRequest).await;
}

#[tokio::test]
async fn as_20_implicit_hybrid_and_unknown_response_types_are_unsupported() {
    for rt in [
        "token",
        "id_token",
        "id_token token",
        "code id_token",
        "code token",
        "code id_token token",
        "none",
        "CODE",
        "code ",
        "foo",
    ] {
        assert_redirect_error(
            &[("response_type", rt)],
            &[],
            OAuthErrorCode::UnsupportedResponseType,
        )
        .await;
    }
}

#[tokio::test]
async fn client_without_the_authorization_code_grant_is_unauthorized_client() {
    let mut c = ts::client(false);
    c.grant_types = vec![GrantType::ClientCredentials];
    let resp = redirected(validate_for(c, &[], &[]).await);
    assert_error(
        &resp,
        OAuthErrorCode::UnauthorizedClient,
        Some("st-1"),
        ResponseMode::Query,
    );
}

#[tokio::test]
async fn malformed_scope_is_invalid_scope() {
    for s in ["openid  read", " openid", "openid ", "a\"b", "a\\b"] {
        assert_redirect_error(&[("scope", s)], &[], OAuthErrorCode::InvalidScope).await;
    }
}

#[tokio::test]
async fn as_31_scope_beyond_the_clients_is_invalid_scope() {
    assert_redirect_error(
        &[("scope", "openid admin")],
        &[],
        OAuthErrorCode::InvalidScope,
    )
    .await;
}

#[tokio::test]
async fn omitted_scope_defaults_to_the_clients_registered_scope() {
    let r = validate(&[], &["scope"]).await.unwrap();
    assert_eq!(r.scope, ts::scope(CLIENT_SCOPE));
}

#[tokio::test]
async fn as_12_confidential_client_without_code_challenge_is_refused() {
    assert_redirect_error(&[], &["code_challenge"], OAuthErrorCode::InvalidRequest).await;
    assert_redirect_error(
        &[("code_challenge", "")],
        &[],
        OAuthErrorCode::InvalidRequest,
    )
    .await;
}

#[tokio::test]
async fn as_12_public_client_without_code_challenge_is_refused() {
    for drop in [
        &["code_challenge"][..],
        &["code_challenge", "code_challenge_method"],
    ] {
        let resp = redirected(validate_for(ts::client(true), &[], drop).await);
        assert_error(
            &resp,
            OAuthErrorCode::InvalidRequest,
            Some("st-1"),
            ResponseMode::Query,
        );
    }
}

#[tokio::test]
async fn as_13_plain_code_challenge_method_is_refused() {
    for m in ["plain", "s256", "S512"] {
        assert_redirect_error(
            &[("code_challenge_method", m)],
            &[],
            OAuthErrorCode::InvalidRequest,
        )
        .await;
    }
}

#[tokio::test]
async fn as_13_missing_code_challenge_method_is_refused_because_it_means_plain() {
    assert_redirect_error(
        &[],
        &["code_challenge_method"],
        OAuthErrorCode::InvalidRequest,
    )
    .await;
    let resp = redirected(validate_for(ts::client(true), &[], &["code_challenge_method"]).await);
    assert_error(
        &resp,
        OAuthErrorCode::InvalidRequest,
        Some("st-1"),
        ResponseMode::Query,
    );
}

#[tokio::test]
async fn malformed_code_challenge_is_refused() {
    let long = format!("{CHALLENGE}A");
    for c in [
        &CHALLENGE[..42],
        long.as_str(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c=",
    ] {
        assert_redirect_error(
            &[("code_challenge", c)],
            &[],
            OAuthErrorCode::InvalidRequest,
        )
        .await;
    }
}

#[tokio::test]
async fn bad_nonce_is_refused() {
    let long = "n".repeat(513);
    for n in ["bad\nnonce", "n\u{f6}nce", long.as_str()] {
        assert_redirect_error(&[("nonce", n)], &[], OAuthErrorCode::InvalidRequest).await;
    }
}

#[tokio::test]
async fn prompt_none_with_another_value_and_unknown_prompts_are_refused() {
    for p in [
        "none login",
        "login none",
        "none consent",
        "bogus",
        "login  bogus",
    ] {
        assert_redirect_error(&[("prompt", p)], &[], OAuthErrorCode::InvalidRequest).await;
    }
}

#[tokio::test]
async fn negative_or_non_numeric_max_age_is_refused() {
    for m in ["-1", "abc", "1.5", "+-5", "99999999999999999999", " 5"] {
        assert_redirect_error(&[("max_age", m)], &[], OAuthErrorCode::InvalidRequest).await;
    }
}

#[tokio::test]
async fn max_age_zero_is_accepted() {
    let r = validate(&[("max_age", "0")], &[]).await.unwrap();
    assert_eq!(r.max_age, Some(0));
}

#[tokio::test]
async fn as_10_form_post_mode_is_carried_into_errors() {
    for (set, drop) in [
        (vec![("response_type", "token")], vec![]),
        (vec![("scope", "admin")], vec![]),
        (vec![("max_age", "-1")], vec![]),
        (vec![], vec!["code_challenge"]),
    ] {
        let mut set = set;
        set.push(("response_mode", "form_post"));
        let resp = redirected(validate(&set, &drop).await);
        assert_eq!(resp.mode, ResponseMode::FormPost);
        assert_eq!(param(&resp, "iss").as_deref(), Some(ISS));
        assert_eq!(param(&resp, "state").as_deref(), Some("st-1"));
    }
}

#[tokio::test]
async fn overlong_login_hint_is_dropped() {
    let long = format!("{}@example.com", "a".repeat(250));
    let r = validate(&[("login_hint", long.as_str())], &[])
        .await
        .unwrap();
    assert_eq!(r.login_hint, None);
}

// ---- decide ----

fn request(client: Client) -> AuthorizationRequest {
    AuthorizationRequest {
        resources: Default::default(),
        client,
        redirect_uri: REDIRECT.into(),
        redirect_uri_sent: true,
        scope: ts::scope("openid read"),
        state: Some(State::parse("st-1").unwrap()),
        nonce: Some(Nonce::parse("n-1").unwrap()),
        code_challenge: CodeChallenge::parse(CHALLENGE).unwrap(),
        prompt: Prompt::default(),
        max_age: None,
        login_hint: None,
        response_mode: ResponseMode::Query,
        acr: None,
    }
}

/// "Allow" posted on the consent form, with no proof of a sign-in in this authorization.
const ALLOWED: Interaction = Interaction::Consented {
    allow: true,
    sign_in: SignInProof::Unproven,
};
/// "Deny" posted on the consent form.
const DENIED: Interaction = Interaction::Consented {
    allow: false,
    sign_in: SignInProof::Unproven,
};
/// "Allow" from the consent page shown right after signing in on this authorization.
const ALLOWED_AFTER_SIGN_IN: Interaction = Interaction::Consented {
    allow: true,
    sign_in: SignInProof::ThisAuthorization,
};

fn with_prompt(client: Client, prompt: &str) -> AuthorizationRequest {
    let mut r = request(client);
    r.prompt = Prompt::parse(prompt).unwrap();
    r
}

fn signed_in() -> BrowserSession {
    ts::session(NOW - AUTH_AGE)
}

fn users_returning(user: Option<User>) -> MockUserRepository {
    let mut m = MockUserRepository::new();
    m.expect_find()
        .withf(|id| id.as_str() == USER_ID)
        .returning(move |_| Ok(user.clone()));
    m
}

fn consent(scope: &str) -> Consent {
    Consent {
        resources: Vec::new(),
        user_id: UserId::parse(USER_ID).unwrap(),
        client_id: ClientId::parse(CLIENT_ID).unwrap(),
        scope: ts::scope(scope),
        granted_at: UnixTime::from_secs(1),
    }
}

fn consents_returning(previous: Option<Consent>) -> MockConsentRepository {
    let mut m = MockConsentRepository::new();
    m.expect_find()
        .withf(|u, c| u.as_str() == USER_ID && c.as_str() == CLIENT_ID)
        .returning(move |_, _| Ok(previous.clone()));
    m
}

fn codes_recording(issued: &Recorder<AuthorizationCode>) -> MockAuthorizationCodeRepository {
    let mut m = MockAuthorizationCodeRepository::new();
    let r = issued.clone();
    m.expect_insert().returning(move |c| {
        r.push(c.clone());
        Ok(())
    });
    m
}

/// A service where the user is found and nothing else is allowed.
fn deciding(consents: MockConsentRepository) -> Authorize {
    service(
        MockClientRepository::new(),
        users_returning(Some(ts::user())),
        consents,
        MockAuthorizationCodeRepository::new(),
    )
}

/// A service that finds the user and `previous` consent, and records issued codes.
fn issuing(previous: Option<Consent>, issued: &Recorder<AuthorizationCode>) -> Authorize {
    service(
        MockClientRepository::new(),
        users_returning(Some(ts::user())),
        consents_returning(previous),
        codes_recording(issued),
    )
}

fn first_party() -> Client {
    let mut c = ts::client(false);
    c.skip_consent = true;
    c
}

fn assert_login(o: Result<AuthorizeOutcome, AuthorizeError>) {
    match o {
        Ok(AuthorizeOutcome::Login { request }) => assert_eq!(request.redirect_uri, REDIRECT),
        other => panic!("expected the login page, got {other:?}"),
    }
}

fn assert_consent_page(o: Result<AuthorizeOutcome, AuthorizeError>) {
    match o {
        Ok(AuthorizeOutcome::Consent { request, user }) => {
            assert_eq!(request.scope, ts::scope("openid read"));
            assert_eq!(*user, ts::user());
        }
        other => panic!("expected the consent page, got {other:?}"),
    }
}

fn responded(o: Result<AuthorizeOutcome, AuthorizeError>) -> AuthorizationResponse {
    match o {
        Ok(AuthorizeOutcome::Respond(r)) => r,
        other => panic!("expected a code response, got {other:?}"),
    }
}

#[tokio::test]
async fn without_a_session_the_login_page_is_shown() {
    let a = service(
        MockClientRepository::new(),
        MockUserRepository::new(),
        MockConsentRepository::new(),
        MockAuthorizationCodeRepository::new(),
    );
    for i in [Interaction::Start, Interaction::LoggedIn, ALLOWED] {
        assert_login(a.decide(request(ts::client(false)), None, i).await);
    }
}

#[tokio::test]
async fn as_37_prompt_none_without_a_session_is_login_required_to_the_client() {
    let a = service(
        MockClientRepository::new(),
        MockUserRepository::new(),
        MockConsentRepository::new(),
        MockAuthorizationCodeRepository::new(),
    );
    let r = a
        .decide(
            with_prompt(ts::client(false), "none"),
            None,
            Interaction::Start,
        )
        .await;
    assert_error(
        &redirected(r),
        OAuthErrorCode::LoginRequired,
        Some("st-1"),
        ResponseMode::Query,
    );
}

#[tokio::test]
async fn as_37_prompt_none_with_a_too_old_session_is_login_required() {
    let mut req = with_prompt(ts::client(false), "none");
    req.max_age = Some(AUTH_AGE - 1);
    let a = deciding(MockConsentRepository::new());
    let r = a.decide(req, Some(&signed_in()), Interaction::Start).await;
    assert_error(
        &redirected(r),
        OAuthErrorCode::LoginRequired,
        Some("st-1"),
        ResponseMode::Query,
    );
}

#[tokio::test]
async fn as_37_prompt_login_and_select_account_force_the_login_page_despite_a_session() {
    for p in ["login", "select_account", "login consent"] {
        // The user is not even looked up: the session is set aside.
        let a = service(
            MockClientRepository::new(),
            MockUserRepository::new(),
            MockConsentRepository::new(),
            MockAuthorizationCodeRepository::new(),
        );
        let r = a
            .decide(
                with_prompt(first_party(), p),
                Some(&signed_in()),
                Interaction::Start,
            )
            .await;
        assert_login(r);
    }
}

#[tokio::test]
async fn as_37_max_age_exceeded_forces_the_login_page() {
    let mut req = request(first_party());
    req.max_age = Some(AUTH_AGE - 1);
    let a = deciding(MockConsentRepository::new());
    assert_login(a.decide(req, Some(&signed_in()), Interaction::Start).await);
}

#[tokio::test]
async fn as_37_max_age_zero_forces_the_login_page() {
    let mut req = request(first_party());
    req.max_age = Some(0);
    let fresh = ts::session(NOW);
    let a = deciding(MockConsentRepository::new());
    assert_login(a.decide(req, Some(&fresh), Interaction::Start).await);
}

#[tokio::test]
async fn as_37_max_age_within_the_limit_keeps_the_session() {
    let issued = Recorder::default();
    let mut req = request(first_party());
    req.max_age = Some(AUTH_AGE);
    let a = issuing(None, &issued);
    responded(a.decide(req, Some(&signed_in()), Interaction::Start).await);
    assert_eq!(issued.only().auth_time, UnixTime::from_secs(NOW - AUTH_AGE));
}

#[tokio::test]
async fn as_37_after_logging_in_prompt_login_and_max_age_no_longer_force_login() {
    for p in ["login", "select_account"] {
        let issued = Recorder::default();
        let mut req = with_prompt(first_party(), p);
        req.max_age = Some(0);
        let fresh = ts::session(NOW);
        let a = issuing(None, &issued);
        responded(a.decide(req, Some(&fresh), Interaction::LoggedIn).await);
        // auth_time is the new login's, carried into the code (and thus the ID token).
        assert_eq!(issued.only().auth_time, UnixTime::from_secs(NOW));
    }
}

/// A service where nothing may be looked up or written: the session must be set aside.
fn refusing() -> Authorize {
    service(
        MockClientRepository::new(),
        MockUserRepository::new(),
        MockConsentRepository::new(),
        MockAuthorizationCodeRepository::new(),
    )
}

/// A service that finds the user, stores an allowed consent and records issued codes.
fn consenting(issued: &Recorder<AuthorizationCode>) -> Authorize {
    let mut consents = consents_returning(None);
    consents.expect_upsert().returning(|_| Ok(()));
    service(
        MockClientRepository::new(),
        users_returning(Some(ts::user())),
        consents,
        codes_recording(issued),
    )
}

#[tokio::test]
async fn as_37_prompt_login_cannot_be_skipped_by_posting_consent() {
    for client in [ts::client(false), first_party()] {
        for p in ["login", "select_account", "login consent"] {
            // No consent stored, no code: the old session does not count.
            let r = refusing()
                .decide(with_prompt(client.clone(), p), Some(&signed_in()), ALLOWED)
                .await;
            assert_login(r);
        }
    }
}

#[tokio::test]
async fn as_37_max_age_cannot_be_skipped_by_posting_consent() {
    for max_age in [0, AUTH_AGE - 1] {
        for client in [ts::client(false), first_party()] {
            let mut req = request(client);
            req.max_age = Some(max_age);
            let r = refusing().decide(req, Some(&signed_in()), ALLOWED).await;
            assert_login(r);
        }
    }
}

#[tokio::test]
async fn as_37_consent_after_signing_in_here_answers_prompt_login_and_max_age() {
    // The person signed in on this authorization's login page 30 s ago, then allowed.
    let issued = Recorder::default();
    let mut req = with_prompt(ts::client(false), "login");
    req.max_age = Some(0);
    let fresh = ts::session(NOW - 30);
    let r = consenting(&issued)
        .decide(req, Some(&fresh), ALLOWED_AFTER_SIGN_IN)
        .await;
    assert!(param(&responded(r), "code").is_some());
    assert_eq!(issued.only().auth_time, UnixTime::from_secs(NOW - 30));
}

#[tokio::test]
async fn as_37_proof_of_signing_in_here_lapses_after_the_window() {
    let mut req = with_prompt(ts::client(false), "login");
    req.max_age = Some(0);
    let stale = ts::session(NOW - REAUTHENTICATION_WINDOW_SECS - 1);
    let r = refusing()
        .decide(req, Some(&stale), ALLOWED_AFTER_SIGN_IN)
        .await;
    assert_login(r);
}

#[tokio::test]
async fn consent_without_a_reauthentication_demand_issues_a_code_on_the_existing_session() {
    // As before: no prompt=login, max_age absent or still met; proof or not.
    for (max_age, interaction) in [
        (None, ALLOWED),
        (Some(AUTH_AGE), ALLOWED),
        (None, ALLOWED_AFTER_SIGN_IN),
    ] {
        let issued = Recorder::default();
        let mut req = request(ts::client(false));
        req.max_age = max_age;
        // An older sign-in than the window: without a demand it needs no proof.
        let old = ts::session(NOW - AUTH_AGE);
        let r = consenting(&issued)
            .decide(req, Some(&old), interaction)
            .await;
        assert!(param(&responded(r), "code").is_some());
        assert_eq!(issued.only().auth_time, UnixTime::from_secs(NOW - AUTH_AGE));
    }
}

#[tokio::test]
async fn as_37_prompt_none_consent_on_a_too_old_session_is_login_required() {
    let mut req = with_prompt(ts::client(false), "none");
    req.max_age = Some(AUTH_AGE - 1);
    let r = refusing().decide(req, Some(&signed_in()), ALLOWED).await;
    assert_error(
        &redirected(r),
        OAuthErrorCode::LoginRequired,
        Some("st-1"),
        ResponseMode::Query,
    );
}

#[tokio::test]
async fn disabled_or_deleted_user_is_sent_to_the_login_page() {
    let mut disabled = ts::user();
    disabled.disabled = true;
    for user in [Some(disabled), None] {
        for i in [Interaction::Start, Interaction::LoggedIn] {
            let a = service(
                MockClientRepository::new(),
                users_returning(user.clone()),
                MockConsentRepository::new(),
                MockAuthorizationCodeRepository::new(),
            );
            assert_login(
                a.decide(request(first_party()), Some(&signed_in()), i)
                    .await,
            );
        }
    }
}

#[tokio::test]
async fn as_37_prompt_none_for_a_disabled_user_is_login_required() {
    let mut disabled = ts::user();
    disabled.disabled = true;
    let a = service(
        MockClientRepository::new(),
        users_returning(Some(disabled)),
        MockConsentRepository::new(),
        MockAuthorizationCodeRepository::new(),
    );
    let r = a
        .decide(
            with_prompt(first_party(), "none"),
            Some(&signed_in()),
            Interaction::Start,
        )
        .await;
    assert_error(
        &redirected(r),
        OAuthErrorCode::LoginRequired,
        Some("st-1"),
        ResponseMode::Query,
    );
}

#[tokio::test]
async fn as_38_without_consent_the_consent_page_is_shown() {
    for i in [Interaction::Start, Interaction::LoggedIn] {
        let a = deciding(consents_returning(None));
        assert_consent_page(
            a.decide(request(ts::client(false)), Some(&signed_in()), i)
                .await,
        );
    }
}

#[tokio::test]
async fn as_38_consent_to_fewer_scopes_shows_the_consent_page() {
    let a = deciding(consents_returning(Some(consent("openid"))));
    let r = a
        .decide(
            request(ts::client(false)),
            Some(&signed_in()),
            Interaction::Start,
        )
        .await;
    assert_consent_page(r);
}

#[tokio::test]
async fn as_37_prompt_none_without_consent_is_consent_required() {
    for previous in [None, Some(consent("openid"))] {
        let a = deciding(consents_returning(previous));
        let r = a
            .decide(
                with_prompt(ts::client(false), "none"),
                Some(&signed_in()),
                Interaction::Start,
            )
            .await;
        assert_error(
            &redirected(r),
            OAuthErrorCode::ConsentRequired,
            Some("st-1"),
            ResponseMode::Query,
        );
    }
}

#[tokio::test]
async fn remembered_consent_covering_the_scope_issues_a_code_without_asking() {
    for (prompt, interaction) in [
        ("", Interaction::Start),
        ("none", Interaction::Start),
        ("", Interaction::LoggedIn),
    ] {
        let issued = Recorder::default();
        let a = issuing(Some(consent("openid profile read")), &issued);
        let r = a
            .decide(
                with_prompt(ts::client(false), prompt),
                Some(&signed_in()),
                interaction,
            )
            .await;
        assert!(param(&responded(r), "code").is_some());
        assert_eq!(issued.all().len(), 1);
    }
}

#[tokio::test]
async fn as_38_prompt_consent_shows_the_page_despite_a_remembered_consent() {
    let mut consents = MockConsentRepository::new();
    consents
        .expect_find()
        .times(0..=1)
        .returning(|_, _| Ok(Some(consent(CLIENT_SCOPE))));
    let a = deciding(consents);
    let r = a
        .decide(
            with_prompt(ts::client(false), "consent"),
            Some(&signed_in()),
            Interaction::Start,
        )
        .await;
    assert_consent_page(r);
}

#[tokio::test]
async fn first_party_client_gets_a_code_without_consent() {
    let issued = Recorder::default();
    // No consent lookup or write is allowed.
    let a = service(
        MockClientRepository::new(),
        users_returning(Some(ts::user())),
        MockConsentRepository::new(),
        codes_recording(&issued),
    );
    for p in ["", "consent", "none"] {
        let r = a
            .decide(
                with_prompt(first_party(), p),
                Some(&signed_in()),
                Interaction::Start,
            )
            .await;
        assert!(param(&responded(r), "code").is_some());
    }
    assert_eq!(issued.all().len(), 3);
}

#[tokio::test]
async fn as_38_denied_consent_is_access_denied_and_issues_no_code() {
    // Neither a consent nor a code may be written.
    let a = deciding(MockConsentRepository::new());
    let r = a
        .decide(request(ts::client(false)), Some(&signed_in()), DENIED)
        .await;
    assert_error(
        &redirected(r),
        OAuthErrorCode::AccessDenied,
        Some("st-1"),
        ResponseMode::Query,
    );
}

#[tokio::test]
async fn allowed_consent_stores_the_merged_scope_then_issues_a_code() {
    for (previous, stored) in [
        (Some(consent("openid profile")), "openid profile read"),
        (None, "openid read"),
    ] {
        let saved = Recorder::default();
        let mut consents = consents_returning(previous);
        let s = saved.clone();
        consents.expect_upsert().times(1).returning(move |c| {
            s.push(c.clone());
            Ok(())
        });
        let issued = Recorder::default();
        let a = service(
            MockClientRepository::new(),
            users_returning(Some(ts::user())),
            consents,
            codes_recording(&issued),
        );
        let r = a
            .decide(request(ts::client(false)), Some(&signed_in()), ALLOWED)
            .await;
        assert!(param(&responded(r), "code").is_some());
        let c = saved.only();
        assert_eq!(c.scope, ts::scope(stored));
        assert_eq!(c.user_id.as_str(), USER_ID);
        assert_eq!(c.client_id.as_str(), CLIENT_ID);
        assert_eq!(c.granted_at, UnixTime::from_secs(NOW));
        // The code carries the requested scope, not the wider remembered one.
        assert_eq!(issued.only().scope, ts::scope("openid read"));
    }
}

#[tokio::test]
async fn consent_that_cannot_be_stored_issues_no_code() {
    let mut consents = consents_returning(None);
    consents
        .expect_upsert()
        .returning(|_| Err(RepositoryError::Unavailable));
    let a = deciding(consents);
    let r = a
        .decide(request(ts::client(false)), Some(&signed_in()), ALLOWED)
        .await;
    assert!(matches!(r, Err(AuthorizeError::Repository(_))));
}

#[tokio::test]
async fn as_10_as_17_as_18_issued_code_is_bound_to_the_request_and_short_lived() {
    let issued = Recorder::default();
    let a = issuing(None, &issued);
    let resp = responded(
        a.decide(
            request(first_party()),
            Some(&signed_in()),
            Interaction::Start,
        )
        .await,
    );
    // The response: code, state and iss (RFC 9207), to the request's redirect URI.
    assert_eq!(resp.redirect_uri, REDIRECT);
    assert_eq!(resp.mode, ResponseMode::Query);
    let params = resp.params();
    let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["code", "state", "iss"]);
    assert_eq!(param(&resp, "state").as_deref(), Some("st-1"));
    assert_eq!(param(&resp, "iss").as_deref(), Some(ISS));
    let code = param(&resp, "code").unwrap();

    let stored = issued.only();
    // AS-19: only the digest is stored.
    assert_eq!(stored.digest, TokenDigest::of(&code));
    assert_eq!(stored.client_id.as_str(), CLIENT_ID);
    assert_eq!(stored.user_id.as_str(), USER_ID);
    assert_eq!(stored.grant_id.len(), 22, "128-bit grant id");
    assert_ne!(stored.grant_id, code);
    assert_eq!(
        stored.redirect_uri.as_ref().map(RedirectUri::as_str),
        Some(REDIRECT)
    );
    assert_eq!(
        stored.code_challenge.as_ref().map(CodeChallenge::as_str),
        Some(CHALLENGE)
    );
    assert_eq!(stored.scope, ts::scope("openid read"));
    assert_eq!(stored.nonce.as_ref().map(Nonce::as_str), Some("n-1"));
    assert_eq!(stored.auth_time, UnixTime::from_secs(NOW - AUTH_AGE));
    let lifetime = IssuerSettings::new(ISS).lifetimes.authorization_code;
    assert!(lifetime > 0 && lifetime <= 600, "AS-17: at most 10 minutes");
    assert_eq!(stored.expires_at, UnixTime::from_secs(NOW + lifetime));
}

#[tokio::test]
async fn as_18_code_stores_no_redirect_uri_when_none_was_sent() {
    let issued = Recorder::default();
    let mut req = request(first_party());
    req.redirect_uri_sent = false;
    let a = issuing(None, &issued);
    let resp = responded(a.decide(req, Some(&signed_in()), Interaction::Start).await);
    assert_eq!(resp.redirect_uri, REDIRECT);
    assert_eq!(issued.only().redirect_uri, None);
}

#[tokio::test]
async fn as_18_code_stores_the_exact_loopback_uri_that_was_sent() {
    let issued = Recorder::default();
    let mut client = first_party();
    client.redirect_uris = vec![RedirectUri::parse("http://127.0.0.1/cb").unwrap()];
    let mut req = request(client);
    req.redirect_uri = "http://127.0.0.1:53124/cb".into();
    let a = issuing(None, &issued);
    let resp = responded(a.decide(req, Some(&signed_in()), Interaction::Start).await);
    assert_eq!(resp.redirect_uri, "http://127.0.0.1:53124/cb");
    assert_eq!(
        issued.only().redirect_uri.map(|r| r.to_string()).as_deref(),
        Some("http://127.0.0.1:53124/cb")
    );
}

#[tokio::test]
async fn as_19_codes_carry_256_bits_and_differ_every_time() {
    let issued = Recorder::default();
    let a = issuing(None, &issued);
    let mut codes = Vec::new();
    for _ in 0..2 {
        let resp = responded(
            a.decide(
                request(first_party()),
                Some(&signed_in()),
                Interaction::Start,
            )
            .await,
        );
        codes.push(param(&resp, "code").unwrap());
    }
    assert!(
        codes.iter().all(|c| c.len() == 43),
        "32 random bytes, base64url"
    );
    assert_ne!(codes[0], codes[1]);
    let grants: Vec<String> = issued.all().into_iter().map(|c| c.grant_id).collect();
    assert_ne!(grants[0], grants[1]);
}

#[tokio::test]
async fn form_post_mode_and_absent_state_are_kept_in_the_code_response() {
    let issued = Recorder::default();
    let mut req = request(first_party());
    req.response_mode = ResponseMode::FormPost;
    req.state = None;
    let a = issuing(None, &issued);
    let resp = responded(a.decide(req, Some(&signed_in()), Interaction::Start).await);
    assert_eq!(resp.mode, ResponseMode::FormPost);
    assert_eq!(param(&resp, "state"), None);
    assert_eq!(param(&resp, "iss").as_deref(), Some(ISS));
}

#[tokio::test]
async fn code_that_cannot_be_stored_is_not_handed_out() {
    let mut codes = MockAuthorizationCodeRepository::new();
    codes
        .expect_insert()
        .returning(|_| Err(RepositoryError::Unavailable));
    let a = service(
        MockClientRepository::new(),
        users_returning(Some(ts::user())),
        MockConsentRepository::new(),
        codes,
    );
    let r = a
        .decide(
            request(first_party()),
            Some(&signed_in()),
            Interaction::Start,
        )
        .await;
    assert!(matches!(
        r,
        Err(AuthorizeError::Repository(RepositoryError::Unavailable))
    ));
}

#[test]
fn redirect_error_displays_its_code() {
    let a = validator(MockClientRepository::new());
    let e = a.request_error(
        &request(ts::client(false)),
        OAuthErrorCode::AccessDenied,
        "no \"way\"",
    );
    assert_eq!(e.to_string(), OAuthErrorCode::AccessDenied.to_string());
    let resp = redirected::<()>(Err(e));
    assert_eq!(
        param(&resp, "error_description").as_deref(),
        Some("no 'way'")
    );
}

/// The consent page's answer is audited by the use case: who, for which client, from where.
#[test]
fn a_consent_answer_is_audited_with_the_user_client_and_address() {
    let ctx = RequestContext {
        ip: Some(std::net::IpAddr::from([192, 0, 2, 9])),
        request_id: "req-9".into(),
        now: UnixTime::from_secs(NOW),
    };
    for allow in [true, false] {
        let expected = ctx
            .audit(
                AuditAction::ConsentGiven,
                if allow {
                    AuditOutcome::Success
                } else {
                    AuditOutcome::Failure
                },
            )
            .subject(USER_ID)
            .client(CLIENT_ID)
            .detail(if allow { "allow" } else { "deny" });
        let mut audit = crate::ports::MockAuditLog::new();
        audit
            .expect_record()
            .withf(move |e| *e == expected)
            .times(1)
            .return_const(());
        let service = validator(MockClientRepository::new()).with_audit(Arc::new(audit));
        let user = UserId::parse(USER_ID).unwrap();
        service.consent_answered(&ctx, &user, Some(CLIENT_ID), allow);
    }
}

#[tokio::test]
async fn a_code_carries_the_sessions_sid_and_its_client_is_remembered() {
    use crate::ports::{
        MockAuditLog, MockJwsEngine, MockLogoutDeliveryRepository, MockLogoutSender,
        MockSessionClientRepository,
    };
    use crate::services::{BackchannelLogoutDeps, DeliveryPolicy};
    let recorded = Recorder::default();
    let r = recorded.clone();
    let mut session_clients = MockSessionClientRepository::new();
    session_clients.expect_record().returning(move |e| {
        r.push(e.clone());
        Ok(())
    });
    let backchannel = Arc::new(BackchannelLogout::new(
        BackchannelLogoutDeps {
            session_clients: Arc::new(session_clients),
            deliveries: Arc::new(MockLogoutDeliveryRepository::new()),
            clients: Arc::new(MockClientRepository::new()),
            jws: Arc::new(MockJwsEngine::new()),
            sender: Arc::new(MockLogoutSender::new()),
            audit: Arc::new(MockAuditLog::new()),
            clock: ts::clock_at(NOW),
            rng: ts::counting_rng(),
        },
        ISS.to_owned(),
        DeliveryPolicy::default(),
    ));
    let issued = Recorder::default();
    let a = issuing(None, &issued).with_backchannel_logout(backchannel);
    let session = signed_in();
    responded(
        a.decide(request(first_party()), Some(&session), Interaction::Start)
            .await,
    );
    assert_eq!(issued.only().sid.as_deref(), Some(session.sid.as_str()));
    let e = recorded.only();
    assert_eq!(e.sid, session.sid);
    assert_eq!(e.client_id.as_str(), CLIENT_ID);
    assert_eq!(e.user_id, session.user_id);
}

#[tokio::test]
async fn without_back_channel_logout_the_code_still_carries_the_sid() {
    let issued = Recorder::default();
    let a = issuing(None, &issued);
    responded(
        a.decide(
            request(first_party()),
            Some(&signed_in()),
            Interaction::Start,
        )
        .await,
    );
    assert_eq!(issued.only().sid.as_deref(), Some(signed_in().sid.as_str()));
}

/// A signed-in person whose address is not verified yet.
fn unverified_user() -> User {
    let mut u = ts::user();
    u.email_verified = false;
    u
}

fn assert_unverified(o: Result<AuthorizeOutcome, AuthorizeError>, want_required: bool) {
    match o {
        Ok(AuthorizeOutcome::EmailUnverified { user, required, .. }) => {
            assert!(!user.email_verified);
            assert_eq!(required, want_required);
        }
        other => panic!("expected the unverified-address notice, got {other:?}"),
    }
}

#[tokio::test]
async fn require_verified_email_issues_no_code_to_an_unverified_address() {
    let issued = Recorder::default();
    let a = service(
        MockClientRepository::new(),
        users_returning(Some(unverified_user())),
        consents_returning(None),
        codes_recording(&issued),
    )
    .with_verified_email_required(true);
    let session = signed_in();
    let proven = Interaction::Continued {
        sign_in: SignInProof::ThisAuthorization,
    };
    for i in [Interaction::Start, Interaction::LoggedIn, proven, ALLOWED] {
        assert_unverified(
            a.decide(request(first_party()), Some(&session), i).await,
            true,
        );
    }
    assert!(issued.all().is_empty(), "no code");
    let r = a
        .decide(
            with_prompt(first_party(), "none"),
            Some(&session),
            Interaction::Start,
        )
        .await;
    match r {
        Err(AuthorizeError::Redirect(r)) => {
            assert_eq!(r.error_code(), Some(OAuthErrorCode::InteractionRequired))
        }
        other => panic!("expected interaction_required, got {other:?}"),
    }
}

#[tokio::test]
async fn without_the_rule_the_notice_comes_once_after_signing_in_and_continue_goes_on() {
    let issued = Recorder::default();
    let a = service(
        MockClientRepository::new(),
        users_returning(Some(unverified_user())),
        consents_returning(None),
        codes_recording(&issued),
    );
    let session = signed_in();
    assert_unverified(
        a.decide(
            request(first_party()),
            Some(&session),
            Interaction::LoggedIn,
        )
        .await,
        false,
    );
    let continued = Interaction::Continued {
        sign_in: SignInProof::Unproven,
    };
    responded(
        a.decide(request(first_party()), Some(&session), continued)
            .await,
    );
    responded(
        a.decide(request(first_party()), Some(&session), Interaction::Start)
            .await,
    );
    assert_eq!(issued.all().len(), 2);
}
