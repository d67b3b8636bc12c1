//! Issue 18: signing in through upstream identity providers, end to end on both backends.
//!
//! - A second Tessera (its own database, user and client) is the upstream; a person signs in
//!   downstream through it, with the `openidconnect` crate as the downstream's relying party:
//!   the ID token Tessera issues says `amr: ["fed"]`, and the audit names the upstream.
//! - A stub upstream (discovery, JWKS, token endpoint with ES256 ID tokens) misbehaves: a
//!   tampered ID token, a wrong nonce, an `iss` mix-up, a replayed `state`, a token endpoint
//!   that is down, an upstream that cannot be reached: each a clear page, no account made.
//! - An existing account with the same email is linked only after its password.
//! - GitHub: OAuth 2.0 plus `/user` and `/user/emails` on the stub.

use crate::sign_in::{authorize_url, web_client, REDIRECT};
use crate::support::browser::{Browser, Page};
use crate::support::stub_upstream::{StubMode, StubUpstream};
use crate::support::{test_config, TestApp};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    RedirectUrl, Scope, TokenResponse,
};
use secrecy::SecretString;
use tessera_application::ports::AuditFilter;
use tessera_application::services::admin::Actor;
use tessera_application::services::{NewClient, NewUpstream};
use tessera_domain::Email;
use tessera_server::wiring::Core;
use tessera_tests::{both_backends, TestDatabase};

const UP_EMAIL: &str = "grace@example.com";
const UP_PASSWORD: &str = "orbital tangerine lighthouse 42";
const UPSTREAM_ID: &str = "00000000-0000-4000-8000-0000000000a1";

/// A second, empty database of the same kind as `db`.
async fn another(db: &TestDatabase) -> TestDatabase {
    if db.sqlite_path().is_some() {
        TestDatabase::sqlite()
    } else {
        TestDatabase::postgres()
            .await
            .expect("PostgreSQL is configured")
    }
}

/// The downstream Tessera: outbound fetches may reach loopback (the upstream runs there).
async fn downstream(db: TestDatabase, jit: bool) -> TestApp {
    let mut config = test_config(db.url());
    config.outbound.allow_private_addresses = true;
    config.upstream.jit = jit;
    TestApp::spawn_with(db, config).await
}

/// Registers an upstream at `app` through the same service as `tessera upstream create`.
async fn add_upstream(app: &TestApp, req: NewUpstream) -> String {
    let core = Core::open(&app.config).await.expect("core");
    let secret = tessera_server::secret_key::resolve(&app.config).expect("secret key");
    let audit = std::sync::Arc::new(tessera_adapters::audit::start_audit_writer(
        core.db.audit(),
        16,
    ));
    let created = core
        .upstream_registry(&secret, audit.clone())
        .create(&Actor::cli(), req)
        .await
        .expect("upstream registered");
    audit.shutdown(std::time::Duration::from_secs(5)).await;
    created.id.as_str().to_owned()
}

fn new_upstream(name: &str, issuer: &str, client_id: &str, secret: &str) -> NewUpstream {
    NewUpstream {
        name: name.into(),
        issuer: Some(issuer.into()),
        client_id: client_id.into(),
        client_secret: SecretString::from(secret.to_owned()),
        ..NewUpstream::default()
    }
}

/// The `href` of the login page's "Sign in with {name}" link.
fn upstream_link(page: &Page, name: &str) -> String {
    let text = format!(">Sign in with {name}</a>");
    let end = page
        .body
        .find(&text)
        .unwrap_or_else(|| panic!("a link \"Sign in with {name}\": {}", page.body));
    let start = page.body[..end].rfind("href=\"").expect("an href") + 6;
    let href = &page.body[start..end];
    href[..href.find('"').unwrap()].replace("&amp;", "&")
}

/// From the login page of `url` through the upstream link to the upstream; `at_upstream`
/// plays the person's part there and returns its redirect back to the callback. The
/// downstream's answer to the callback.
async fn through_upstream(
    down: &TestApp,
    browser: &mut Browser,
    url: &str,
    name: &str,
    at_upstream: impl AsyncFnOnce(String) -> String,
) -> Page {
    let login = browser.get(url).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let start = browser.get(&down.url(&upstream_link(&login, name))).await;
    assert_eq!(start.status, 303, "start: {}", start.body);
    let callback = at_upstream(start.location().unwrap()).await;
    assert!(
        callback.starts_with(&down.url("/upstream/")),
        "back to the callback: {callback}"
    );
    browser.get(&callback).await
}

/// The stub signs the person in at once.
async fn stub_answers(location: String) -> String {
    let page = Browser::new().get(&location).await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location().unwrap()
}

/// Allows on the downstream's consent page (when shown); the final redirect.
async fn consent(down: &TestApp, browser: &mut Browser, page: Page) -> Page {
    if page.status == 303 {
        return page;
    }
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("decision"),
        "consent page: {}",
        page.body
    );
    let mut form = page.form();
    form.set("decision", "allow");
    let done = browser.post(&down.url("/authorize"), &form).await;
    assert_eq!(done.status, 303, "{}", done.body);
    done
}

async fn user_exists(app: &TestApp, email: &str) -> bool {
    let core = Core::open(&app.config).await.expect("core");
    core.db
        .users()
        .find_by_email(&Email::parse(email).unwrap())
        .await
        .unwrap()
        .is_some()
}

async fn a_person_signs_in_downstream_through_another_tessera(db: TestDatabase) {
    let upstream = TestApp::spawn_on_localhost(another(&db).await).await;
    let down = downstream(db, true).await;
    upstream
        .create_user(UP_EMAIL, UP_PASSWORD, Some("Grace Hopper"))
        .await;
    let callback = down.url(&format!("/upstream/{UPSTREAM_ID}/callback"));
    let at_upstream = upstream
        .register(NewClient {
            name: "Downstream Tessera".into(),
            grants: vec!["authorization_code".into()],
            redirect_uris: vec![callback.clone()],
            scope: "openid email profile".into(),
            skip_consent: true,
            ..NewClient::default()
        })
        .await;
    let mut req = new_upstream(
        "Upstream Tessera",
        &upstream.base,
        &at_upstream.id,
        &at_upstream.secret,
    );
    req.id = Some(UPSTREAM_ID.into());
    add_upstream(&down, req).await;

    // The downstream's relying party, through the openidconnect crate.
    let rp = web_client(&down, |_| {}).await;
    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(down.base.clone()).unwrap(),
        &down.http,
    )
    .await
    .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(rp.id.clone()),
        Some(ClientSecret::new(rp.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();

    // Two hosts (127.0.0.1 and localhost): each keeps its own cookies, as a browser does.
    let mut browser = Browser::new();
    let mut upstream_browser = Browser::new();
    let back = through_upstream(
        &down,
        &mut browser,
        url.as_str(),
        "Upstream Tessera",
        async |location: String| {
            assert!(
                location.starts_with(&upstream.url("/authorize?")),
                "{location}"
            );
            assert!(location.contains("code_challenge_method=S256") && location.contains("nonce="));
            let login = upstream_browser.get(&location).await;
            assert_eq!(
                login.status, 200,
                "the upstream's login page: {}",
                login.body
            );
            let mut form = login.form();
            form.set("email", UP_EMAIL).set("password", UP_PASSWORD);
            let done = upstream_browser
                .post(&upstream.url("/authorize"), &form)
                .await;
            assert_eq!(done.status, 303, "{}", done.body);
            let location = done.location().unwrap();
            assert!(
                location.contains(&format!("iss={}", urlencode(&upstream.base))),
                "RFC 9207: {location}"
            );
            location
        },
    )
    .await;
    let done = consent(&down, &mut browser, back).await;
    let params = done.redirect_params();
    assert_eq!(&params["state"], state.secret());

    let token = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&down.http)
        .await
        .expect("code exchange");
    let id_token = token.id_token().expect("an ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the downstream's ID token verifies");
    assert_eq!(claims.email().map(|e| e.as_str()), Some(UP_EMAIL));
    let amr: Vec<String> = claims
        .auth_method_refs()
        .expect("amr")
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    assert_eq!(amr, vec!["fed".to_owned()], "RFC 8176: federated");
    assert!(user_exists(&down, UP_EMAIL).await, "a just-in-time account");

    // The audit names the upstream (written in the background: wait for it).
    let core = Core::open(&down.config).await.expect("core");
    let mut named = false;
    for _ in 0..50 {
        let events = core
            .db
            .audit()
            .list(&AuditFilter::default(), None, 500)
            .await
            .expect("audit");
        named = events.iter().any(|e| {
            e.event.action.as_str() == "upstream_sign_in"
                && e.event
                    .detail
                    .as_deref()
                    .is_some_and(|d| d.contains(UPSTREAM_ID))
        });
        if named {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(named, "the audit log records which upstream");
    down.stop().await;
    upstream.stop().await;
}
both_backends!(
    through_another_tessera,
    a_person_signs_in_downstream_through_another_tessera
);

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_owned()
}

/// One attempt through the stub in `mode`; the downstream's answer to the callback.
async fn attempt(down: &TestApp, stub: &StubUpstream, rp: &str, mode: StubMode) -> Page {
    stub.set_mode(mode);
    let mut browser = Browser::new();
    through_upstream(
        down,
        &mut browser,
        &authorize_url(down, rp, &[]),
        "Stub",
        stub_answers,
    )
    .await
}

async fn refusals_leave_nothing_behind(db: TestDatabase) {
    let down = downstream(db, true).await;
    let stub = StubUpstream::start().await;
    add_upstream(
        &down,
        new_upstream("Stub", &stub.issuer, "tessera-at-stub", "stub-secret"),
    )
    .await;
    let rp = web_client(&down, |_| {}).await;

    for (mode, why) in [
        (StubMode::TamperedToken, "a tampered ID token"),
        (StubMode::WrongNonce, "a wrong nonce"),
        (StubMode::MixUp, "an iss mix-up"),
    ] {
        let page = attempt(&down, &stub, &rp.id, mode).await;
        assert_eq!(page.status, 400, "{why}: {}", page.body);
        assert!(
            page.body.contains("could not be verified"),
            "{why}: {}",
            page.body
        );
        assert!(
            !user_exists(&down, "stub.person@example.com").await,
            "{why}: no account"
        );
    }

    let before = stub.token_requests();
    let page = attempt(&down, &stub, &rp.id, StubMode::TokenDown).await;
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.body.contains("could not be reached"), "{}", page.body);
    assert_eq!(stub.token_requests(), before + 1);
    assert!(
        !user_exists(&down, "stub.person@example.com").await,
        "down: no account"
    );

    // A replayed state: the same callback with the same pending cookie, twice.
    stub.set_mode(StubMode::Good);
    let mut browser = Browser::new();
    let login = browser.get(&authorize_url(&down, &rp.id, &[])).await;
    let start = browser.get(&down.url(&upstream_link(&login, "Stub"))).await;
    let saved = browser.cookies.clone();
    let callback = stub_answers(start.location().unwrap()).await;
    let first = browser.get(&callback).await;
    assert_eq!(
        first.status, 200,
        "consent after a good sign-in: {}",
        first.body
    );
    assert!(
        user_exists(&down, "stub.person@example.com").await,
        "just in time"
    );
    let mut replay = Browser::new();
    replay.cookies = saved;
    let again = replay.get(&callback).await;
    assert_eq!(
        again.status, 400,
        "a replayed state is refused: {}",
        again.body
    );
    // Without the browser's pending cookie the callback is refused too (login CSRF).
    let stranger = Browser::new().get(&callback).await;
    assert_eq!(stranger.status, 400, "{}", stranger.body);

    // An upstream that cannot be reached at all: a clear page at the start.
    stub.stop().await;
    let closed = format!("http://127.0.0.1:{}", crate::support::chromium::free_port());
    let gone = add_upstream(&down, new_upstream("Gone", &closed, "x", "y")).await;
    let mut browser = Browser::new();
    let login = browser.get(&authorize_url(&down, &rp.id, &[])).await;
    // The login page's list is refreshed every few seconds; the start URL is the same shape.
    let link = upstream_link(&login, "Stub");
    let (_, query) = link.split_once('?').unwrap();
    let page = browser
        .get(&down.url(&format!("/upstream/{gone}/start?{query}")))
        .await;
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.body.contains("could not be reached"), "{}", page.body);
    down.stop().await;
}
both_backends!(upstream_refusals, refusals_leave_nothing_behind);

async fn an_existing_account_is_linked_only_after_its_password(db: TestDatabase) {
    let down = downstream(db, false).await;
    let stub = StubUpstream::start().await;
    stub.set_person("linked-person", "ada@example.com");
    add_upstream(
        &down,
        new_upstream("Stub", &stub.issuer, "tessera-at-stub", "stub-secret"),
    )
    .await;
    down.create_user("ada@example.com", "correct horse battery staple", None)
        .await;
    let rp = web_client(&down, |_| {}).await;

    let mut browser = Browser::new();
    let url = authorize_url(&down, &rp.id, &[]);
    let proof = through_upstream(&down, &mut browser, &url, "Stub", stub_answers).await;
    assert_eq!(proof.status, 200, "{}", proof.body);
    assert!(proof.body.contains("already exists"), "{}", proof.body);
    let mut form = proof.form();
    form.set("password", "not the password at all");
    let wrong = browser.post(&down.url("/upstream/link"), &form).await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("role=\"alert\""), "{}", wrong.body);
    let mut form = wrong.form();
    form.set("password", "correct horse battery staple");
    let linked = browser.post(&down.url("/upstream/link"), &form).await;
    let done = consent(&down, &mut browser, linked).await;
    assert!(done.redirect_params().contains_key("code"));

    // From now on the link is found by (upstream, sub): no proof page, straight on.
    let mut fresh = Browser::new();
    let page = through_upstream(&down, &mut fresh, &url, "Stub", stub_answers).await;
    let done = consent(&down, &mut fresh, page).await;
    assert!(done.redirect_params().contains_key("code"));

    // JIT is off: someone unknown gets a clear page and no account.
    stub.set_person("unknown-person", "nobody@example.com");
    let page = through_upstream(&down, &mut Browser::new(), &url, "Stub", stub_answers).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("no account linked"), "{}", page.body);
    assert!(!user_exists(&down, "nobody@example.com").await);
    stub.stop().await;
    down.stop().await;
}
both_backends!(
    link_after_proof,
    an_existing_account_is_linked_only_after_its_password
);

async fn github_sign_in_through_its_user_api(db: TestDatabase) {
    let down = downstream(db, true).await;
    let stub = StubUpstream::start().await;
    stub.set_person("unused", "octo@example.com");
    let mut req = new_upstream("GitHub", &stub.issuer, "Iv1.stub", "gh-secret");
    req.kind = Some("github".into());
    req.api_base = Some(stub.issuer.clone());
    add_upstream(&down, req).await;
    let rp = web_client(&down, |_| {}).await;

    let mut browser = Browser::new();
    let url = authorize_url(&down, &rp.id, &[]);
    let page = through_upstream(
        &down,
        &mut browser,
        &url,
        "GitHub",
        async |location: String| {
            assert!(location.starts_with(&format!("{}/login/oauth/authorize?", stub.issuer)));
            assert!(!location.contains("nonce="), "GitHub has no ID token");
            stub_answers(location).await
        },
    )
    .await;
    let done = consent(&down, &mut browser, page).await;
    assert!(done.redirect_params().contains_key("code"));
    let core = Core::open(&down.config).await.expect("core");
    let user = core
        .db
        .users()
        .find_by_email(&Email::parse("octo@example.com").unwrap())
        .await
        .unwrap()
        .expect("the primary verified address made the account");
    assert!(user.email_verified);
    assert_eq!(user.name.as_deref(), Some("The Octocat"));
    stub.stop().await;
    down.stop().await;
}
both_backends!(github, github_sign_in_through_its_user_api);
