//! Second factors in the authorization code flow, with the `openidconnect` crate as the relying
//! party (PKCE, nonce, signature checked by it) and the real login, second-step and consent
//! pages: `amr`/`acr` in ID tokens, the second step after the password, step-up with
//! `acr_values` within a session, clients that require a second factor, `phr`, and refresh.
//! Both backends.

use crate::support::browser::{Browser, Page};
use crate::support::totp::{account_token, enrol, Authenticator};
use crate::support::{Creds, TestApp};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope, TokenResponse,
};
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1/callback";

/// The relying party as discovery configures it.
type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A confidential web client (consent asked), changed by `extra`.
async fn web_client(app: &TestApp, extra: impl FnOnce(&mut NewClient)) -> Creds {
    let mut req = NewClient {
        name: "Notes".into(),
        grants: vec!["authorization_code".into(), "refresh_token".into()],
        redirect_uris: vec![REDIRECT.into()],
        scope: "openid profile email offline_access".into(),
        ..NewClient::default()
    };
    extra(&mut req);
    app.register(req).await
}

/// The `openidconnect` client for `creds`, from the server's discovery document.
async fn relying_party(app: &TestApp, creds: &Creds) -> Rp {
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).unwrap(), &app.http)
            .await
            .expect("discovery");
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(creds.id.clone()),
        Some(ClientSecret::new(creds.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
}

/// One authorization request: its URL and what the relying party keeps to check the answer.
struct Request {
    url: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

/// An authorization request for `openid email`, with `acr_values` and `offline_access` if asked.
fn request(rp: &Rp, acr: Option<&str>, offline: bool) -> Request {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge);
    if let Some(acr) = acr {
        req = req.add_auth_context_value(AuthenticationContextClass::new(acr.into()));
    }
    if offline {
        req = req.add_scope(Scope::new("offline_access".into()));
    }
    let (url, state, nonce) = req.url();
    Request {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    }
}

fn is_login_page(page: &Page) -> bool {
    page.status == 200 && page.body.contains("name=\"password\"")
}

fn is_second_step_page(page: &Page) -> bool {
    page.status == 200
        && page.body.contains("name=\"otp\"")
        && page.form().get("mfa_token").is_some_and(|t| !t.is_empty())
        && page.form().get("action") == Some("mfa")
        && !page.body.contains("name=\"password\"")
}

fn is_consent_page(page: &Page) -> bool {
    page.status == 200 && page.body.contains("name=\"decision\"")
}

/// The password on the login page `page`.
async fn submit_password(app: &TestApp, browser: &mut Browser, page: &Page) -> Page {
    assert!(is_login_page(page), "a login page: {}", page.body);
    let mut form = page.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    browser.post(&app.url("/authorize"), &form).await
}

/// `code` on the second-step page `page`.
async fn submit_code(app: &TestApp, browser: &mut Browser, page: &Page, code: &str) -> Page {
    assert!(
        is_second_step_page(page),
        "a second-step page: {}",
        page.body
    );
    let mut form = page.form();
    form.set("otp", code);
    browser.post(&app.url("/authorize"), &form).await
}

/// Allows on the consent page if `page` is one; the page after.
async fn allow_if_asked(app: &TestApp, browser: &mut Browser, page: Page) -> Page {
    if !is_consent_page(&page) {
        return page;
    }
    let mut form = page.form();
    form.set("decision", "allow");
    browser.post(&app.url("/authorize"), &form).await
}

/// Signs in on the login page `page` with the password and, when the second-step page comes,
/// the next code of `auth`; allows on the consent page. The page after.
async fn sign_in(
    app: &TestApp,
    browser: &mut Browser,
    page: &Page,
    auth: Option<&mut Authenticator>,
) -> Page {
    let mut page = submit_password(app, browser, page).await;
    if let Some(auth) = auth {
        let (_, code) = auth.next_code().await;
        page = submit_code(app, browser, &page, &code).await;
    }
    allow_if_asked(app, browser, page).await
}

/// What the verified ID token says about the sign-in.
#[derive(Debug)]
struct SignInClaims {
    amr: Vec<String>,
    acr: Option<String>,
    auth_time: i64,
    refresh_token: Option<RefreshToken>,
}

/// The ID token's `amr`, `acr` and `auth_time`, read by the relying party.
fn read_claims(
    claims: &openidconnect::core::CoreIdTokenClaims,
) -> (Vec<String>, Option<String>, i64) {
    let amr = claims
        .auth_method_refs()
        .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
        .unwrap_or_default();
    let acr = claims.auth_context_ref().map(|a| a.as_str().to_owned());
    let auth_time = claims.auth_time().expect("auth_time").timestamp();
    (amr, acr, auth_time)
}

/// The redirect `done` answers `req`: its state and issuer checked, the code exchanged with the
/// PKCE verifier, the ID token verified (signature, issuer, audience, expiry, nonce).
async fn finish(app: &TestApp, rp: &Rp, req: Request, done: &Page) -> SignInClaims {
    assert_eq!(done.status, 303, "a redirect: {}", done.body);
    let location = done.location().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let params = done.redirect_params();
    assert_eq!(&params["state"], req.state.secret());
    assert_eq!(params["iss"], app.base);
    let token = rp
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(req.verifier)
        .request_async(&app.http)
        .await
        .expect("code exchange");
    let id_token = token.id_token().expect("an ID token");
    let claims = id_token
        .claims(&rp.id_token_verifier(), &req.nonce)
        .expect("the ID token verifies");
    let (amr, acr, auth_time) = read_claims(claims);
    SignInClaims {
        amr,
        acr,
        auth_time,
        refresh_token: token.refresh_token().cloned(),
    }
}

/// No redirect to the client, and no code anywhere in the answer.
fn assert_no_code(page: &Page) {
    assert!(
        page.location().is_none_or(|l| !l.starts_with(REDIRECT)),
        "{:?}",
        page.location()
    );
    assert!(!page.body.contains("code="), "{}", page.body);
}

/// The 403 "Set up a second factor" page; `passkey` when it asks for a passkey.
fn assert_second_factor_needed(page: &Page, passkey: bool) {
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(
        page.body.contains("Set up a second factor"),
        "{}",
        page.body
    );
    assert_eq!(
        page.body.contains("with a passkey"),
        passkey,
        "{}",
        page.body
    );
    assert_no_code(page);
}

/// A server with the user (no factor yet) and a web client.
async fn setup(db: TestDatabase) -> (TestApp, Creds) {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada Lovelace")).await;
    let creds = web_client(&app, |_| {}).await;
    (app, creds)
}

/// (a) Without a second factor: `amr` `["pwd"]` and `acr` `"1"`.
async fn password_only_sign_in_says_pwd_and_level_1(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let rp = relying_party(&app, &creds).await;
    let req = request(&rp, None, false);
    let mut browser = Browser::new();
    let page = browser.get(&req.url).await;
    let done = sign_in(&app, &mut browser, &page, None).await;
    let claims = finish(&app, &rp, req, &done).await;
    assert_eq!(claims.amr, vec!["pwd".to_owned()], "{claims:?}");
    assert_eq!(claims.acr.as_deref(), Some("1"), "{claims:?}");
    app.stop().await;
}
both_backends!(password_only, password_only_sign_in_says_pwd_and_level_1);

/// (b) With TOTP on: the password leads to the second-step page; a wrong code shows it again
/// with a new `mfa_token`; the right code continues. `amr` has pwd, otp and mfa; `acr` "mfa".
async fn totp_user_passes_the_second_step(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let (mut auth, _) = enrol(&app, &token).await;
    let rp = relying_party(&app, &creds).await;
    let req = request(&rp, None, false);
    let mut browser = Browser::new();
    let page = browser.get(&req.url).await;

    let step = submit_password(&app, &mut browser, &page).await;
    assert!(is_second_step_page(&step), "{}", step.body);
    assert!(step.body.contains("Two-step sign-in"), "{}", step.body);
    assert!(
        step.form().get("csrf_token").is_some(),
        "the second step has a CSRF token"
    );
    assert!(!step.body.contains("id=\"passkey\""), "no passkey button");
    let first_token = step.form().get("mfa_token").unwrap().to_owned();

    let again = submit_code(&app, &mut browser, &step, &auth.wrong_code()).await;
    assert!(is_second_step_page(&again), "{}", again.body);
    assert!(
        again.body.contains("That code is not correct"),
        "{}",
        again.body
    );
    let second_token = again.form().get("mfa_token").unwrap().to_owned();
    assert_ne!(first_token, second_token, "a new step after a refusal");

    // The first step is spent: its form with the right code goes back to the login page.
    let (_, code) = auth.next_code().await;
    let stale = submit_code(&app, &mut browser, &step, &code).await;
    assert!(is_login_page(&stale), "{}", stale.body);
    assert_no_code(&stale);

    let (_, code) = auth.next_code().await;
    let next = submit_code(&app, &mut browser, &again, &code).await;
    let done = allow_if_asked(&app, &mut browser, next).await;
    let claims = finish(&app, &rp, req, &done).await;
    for m in ["pwd", "otp", "mfa"] {
        assert!(claims.amr.iter().any(|a| a == m), "{m}: {claims:?}");
    }
    assert_eq!(claims.acr.as_deref(), Some("mfa"), "{claims:?}");
    app.stop().await;
}
both_backends!(second_step, totp_user_passes_the_second_step);

/// (c) Step-up: a password-only session does not answer `acr_values=mfa`; the login page
/// comes again, and after password and code the ID token says "mfa", with a later
/// `auth_time`. The session is then at that level.
async fn acr_values_mfa_steps_up_an_existing_session(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let rp = relying_party(&app, &creds).await;
    let mut browser = Browser::new();
    let req = request(&rp, None, false);
    let page = browser.get(&req.url).await;
    let done = sign_in(&app, &mut browser, &page, None).await;
    let first = finish(&app, &rp, req, &done).await;
    assert_eq!(first.acr.as_deref(), Some("1"));

    // The same session answers a plain request at once.
    let req = request(&rp, None, false);
    let page = browser.get(&req.url).await;
    let plain = finish(&app, &rp, req, &page).await;
    assert_eq!(plain.auth_time, first.auth_time);

    // TOTP is turned on afterwards; auth_time has whole seconds.
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let (mut auth, _) = enrol(&app, &token).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let req = request(&rp, Some("mfa"), false);
    let page = browser.get(&req.url).await;
    assert!(
        is_login_page(&page),
        "no code from the old session: {}",
        page.body
    );
    assert_no_code(&page);
    let done = sign_in(&app, &mut browser, &page, Some(&mut auth)).await;
    let stepped = finish(&app, &rp, req, &done).await;
    assert_eq!(stepped.acr.as_deref(), Some("mfa"), "{stepped:?}");
    assert!(stepped.amr.iter().any(|a| a == "otp"), "{stepped:?}");
    assert!(
        stepped.auth_time > first.auth_time,
        "{stepped:?} after {first:?}"
    );

    // The session now has that level: the same request is answered without a page.
    let req = request(&rp, Some("mfa"), false);
    let page = browser.get(&req.url).await;
    let again = finish(&app, &rp, req, &page).await;
    assert_eq!(again.acr.as_deref(), Some("mfa"));
    assert_eq!(again.auth_time, stepped.auth_time);
    app.stop().await;
}
both_backends!(step_up_mfa, acr_values_mfa_steps_up_an_existing_session);

/// (d) A client that requires a second factor: a user without one gets the 403 "Set up a
/// second factor" page after the password, and no code; a user with TOTP gets through with
/// `acr` "mfa" even without `acr_values`.
async fn require_mfa_client_refuses_password_only_users(db: TestDatabase) {
    let (app, _) = setup(db).await;
    let creds = web_client(&app, |c| c.require_mfa = true).await;
    let rp = relying_party(&app, &creds).await;
    let mut browser = Browser::new();
    let req = request(&rp, None, false);
    let page = browser.get(&req.url).await;
    let after = submit_password(&app, &mut browser, &page).await;
    assert_second_factor_needed(&after, false);
    assert!(after.body.contains("Notes"), "names the client");
    // The password-only session does not get a code on a retry either.
    let retry = browser.get(&req.url).await;
    assert!(is_login_page(&retry), "{}", retry.body);
    assert_no_code(&retry);

    // With TOTP on, the same client's flow ends with a code.
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let (mut auth, _) = enrol(&app, &token).await;
    let mut browser = Browser::new();
    let req = request(&rp, None, false);
    let page = browser.get(&req.url).await;
    let done = sign_in(&app, &mut browser, &page, Some(&mut auth)).await;
    let claims = finish(&app, &rp, req, &done).await;
    assert_eq!(claims.acr.as_deref(), Some("mfa"), "{claims:?}");
    app.stop().await;
}
both_backends!(
    require_mfa_client,
    require_mfa_client_refuses_password_only_users
);

/// (e) `acr_values=phr` needs a passkey: a TOTP user passes password and code, then gets the
/// 403 page asking for a passkey, and no code.
async fn acr_values_phr_needs_a_passkey(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let (mut auth, _) = enrol(&app, &token).await;
    let rp = relying_party(&app, &creds).await;
    let mut browser = Browser::new();
    let req = request(&rp, Some("phr"), false);
    let page = browser.get(&req.url).await;
    let step = submit_password(&app, &mut browser, &page).await;
    let (_, code) = auth.next_code().await;
    let after = submit_code(&app, &mut browser, &step, &code).await;
    assert_second_factor_needed(&after, true);
    app.stop().await;
}
both_backends!(phr_needs_passkey, acr_values_phr_needs_a_passkey);

/// (f) A refreshed ID token keeps the sign-in's `amr` and `acr` (and `auth_time`).
async fn refreshed_id_token_keeps_amr_and_acr(db: TestDatabase) {
    let (app, creds) = setup(db).await;
    let token = account_token(&app, EMAIL, PASSWORD).await;
    let (mut auth, _) = enrol(&app, &token).await;
    let rp = relying_party(&app, &creds).await;
    let mut browser = Browser::new();
    let req = request(&rp, Some("mfa"), true);
    let page = browser.get(&req.url).await;
    let done = sign_in(&app, &mut browser, &page, Some(&mut auth)).await;
    let signed = finish(&app, &rp, req, &done).await;
    assert_eq!(signed.acr.as_deref(), Some("mfa"));
    let rt = signed.refresh_token.clone().expect("a refresh token");

    let refreshed = rp
        .exchange_refresh_token(&rt)
        .unwrap()
        .request_async(&app.http)
        .await
        .expect("refresh");
    let id_token = refreshed.id_token().expect("an ID token on refresh");
    let claims = id_token
        .claims(&rp.id_token_verifier(), |_: Option<&Nonce>| Ok(()))
        .expect("the refreshed ID token verifies");
    let (amr, acr, auth_time) = read_claims(claims);
    assert_eq!(amr, signed.amr);
    assert_eq!(acr, signed.acr);
    assert_eq!(auth_time, signed.auth_time);
    assert!(
        refreshed
            .refresh_token()
            .is_some_and(|n| n.secret() != rt.secret()),
        "rotated"
    );
    app.stop().await;
}
both_backends!(refresh_keeps_levels, refreshed_id_token_keeps_amr_and_acr);
