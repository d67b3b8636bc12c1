//! RFC 8707 resource indicators over real HTTP: the consent page names the resource, the
//! access token's `aud` is it and its scope is cut to it, refreshes narrow within the grant,
//! unknown resources are `invalid_target` at /authorize and /token, and introspection shows a
//! resource's tokens only to the clients registered as its server. Both backends.

use crate::sign_in::{authorize_url, sign_in, web_client, EMAIL, PASSWORD, REDIRECT, VERIFIER};
use crate::support::browser::Browser;
use crate::support::{Creds, TestApp};
use base64::Engine as _;
use serde_json::{json, Value};
use tessera_tests::{both_backends, TestDatabase};

const NOTES: &str = "https://notes.example/mcp";
const CAL: &str = "https://cal.example/api";

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("json claims")
}

fn with_resources(url: String, resources: &[&str]) -> String {
    let extra: String = resources
        .iter()
        .map(|r| {
            format!(
                "&{}",
                serde_urlencoded::to_string([("resource", r)]).unwrap()
            )
        })
        .collect();
    url + &extra
}

struct Setup {
    app: TestApp,
    web: Creds,
    api_server: Creds,
}

async fn setup(db: TestDatabase) -> Setup {
    let app = TestApp::spawn(db).await;
    app.create_user(EMAIL, PASSWORD, Some("Ada")).await;
    let web = web_client(&app, |c| {
        c.scope = "openid offline_access notes:read notes:write cal:read".into();
        c.grants.push("client_credentials".into());
    })
    .await;
    let api_server = app.service_client("client_secret_basic").await;
    app.add_resource(NOTES, "notes:read notes:write", &[&api_server.id])
        .await;
    app.add_resource(CAL, "cal:read", &[]).await;
    Setup {
        app,
        web,
        api_server,
    }
}

async fn redeem(s: &Setup, code: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    form.extend_from_slice(extra);
    s.app.post_form("/token", Some(&s.web), &form).await
}

async fn code_flow_for_resources_sets_audience_scope_and_names_it_on_consent(db: TestDatabase) {
    let s = setup(db).await;
    let url = with_resources(
        authorize_url(
            &s.app,
            &s.web.id,
            &[("scope", "openid offline_access notes:read cal:read")],
        ),
        &[NOTES, CAL],
    );
    let mut browser = Browser::new();
    let login = browser.get(&url).await;
    let mut form = login.form();
    form.set("email", EMAIL).set("password", PASSWORD);
    let consent = browser.post(&s.app.url("/authorize"), &form).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains(NOTES), "consent names the resource");
    assert!(consent.body.contains(CAL));
    let mut form = consent.form();
    form.set("decision", "allow");
    let done = browser.post(&s.app.url("/authorize"), &form).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let code = done.redirect_params()["code"].clone();

    let res = redeem(&s, &code, &[("resource", CAL)]).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "cal:read");
    assert!(
        body["id_token"].is_string(),
        "openid still gives an ID token"
    );
    let at = claims(body["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], json!(CAL));
    assert_eq!(at["scope"], "cal:read");

    // The refresh token keeps the whole grant: no resource gives both, one narrows.
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    let res = s
        .app
        .post_form(
            "/token",
            Some(&s.web),
            &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
        )
        .await;
    let body: Value = res.json().await.unwrap();
    // Order carries no meaning (the pages keep the request's parameters sorted).
    let mut aud: Vec<String> =
        serde_json::from_value(claims(body["access_token"].as_str().unwrap())["aud"].clone())
            .unwrap();
    aud.sort();
    assert_eq!(aud, vec![CAL, NOTES]);
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    let res = s
        .app
        .post_form(
            "/token",
            Some(&s.web),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("resource", "https://elsewhere.example/"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_target");
}

async fn unknown_resources_are_invalid_target(db: TestDatabase) {
    let s = setup(db).await;
    // At /authorize: an error sent back to the client's redirect URI.
    let mut browser = Browser::new();
    let url = with_resources(
        authorize_url(&s.app, &s.web.id, &[("scope", "notes:read")]),
        &["https://unknown.example/"],
    );
    let page = browser.get(&url).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.redirect_params()["error"], "invalid_target");

    // At /token, for a code issued for NOTES only.
    let url = with_resources(
        authorize_url(&s.app, &s.web.id, &[("scope", "notes:read")]),
        &[NOTES],
    );
    let done = sign_in(&s.app, &mut Browser::new(), &url).await;
    let code = done.redirect_params()["code"].clone();
    let res = redeem(&s, &code, &[("resource", CAL)]).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["cache-control"].to_str().unwrap(), "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_target");

    // client_credentials: malformed and unknown alike.
    for bad in ["https://notes.example/mcp#frag", "https://unknown.example/"] {
        let res = s
            .app
            .post_form(
                "/token",
                Some(&s.web),
                &[("grant_type", "client_credentials"), ("resource", bad)],
            )
            .await;
        assert_eq!(res.status(), 400, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_target", "{bad}");
    }
}

async fn client_credentials_for_two_resources_and_introspection_by_resource(db: TestDatabase) {
    let s = setup(db).await;
    let res = s
        .app
        .post_form(
            "/token",
            Some(&s.web),
            &[
                ("grant_type", "client_credentials"),
                ("resource", NOTES),
                ("resource", CAL),
                ("scope", "notes:read cal:read"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&token)["aud"], json!([NOTES, CAL]));

    // NOTES's server sees it; an unrelated confidential client does not; the token's own
    // client does.
    let seen = s.app.introspect(&s.api_server, &token).await;
    assert_eq!(seen["active"], true);
    assert_eq!(seen["aud"], json!([NOTES, CAL]));
    let stranger = s.app.service_client("client_secret_basic").await;
    assert_eq!(
        s.app.introspect(&stranger, &token).await,
        json!({"active": false})
    );
    assert_eq!(s.app.introspect(&s.web, &token).await["active"], true);

    // A token for CAL only is not NOTES's server's business.
    let res = s
        .app
        .post_form(
            "/token",
            Some(&s.web),
            &[("grant_type", "client_credentials"), ("resource", CAL)],
        )
        .await;
    let body: Value = res.json().await.unwrap();
    let cal_only = body["access_token"].as_str().unwrap();
    assert_eq!(body["scope"], "cal:read");
    assert_eq!(
        s.app.introspect(&s.api_server, cal_only).await,
        json!({"active": false})
    );
    // Without resource, tokens are as before: any confidential client may introspect.
    let plain = s.app.token(&s.web, Some("notes:read")).await;
    assert_eq!(claims(&plain)["aud"], json!(s.app.base));
    assert_eq!(s.app.introspect(&stranger, &plain).await["active"], true);
}

both_backends!(
    code_flow,
    code_flow_for_resources_sets_audience_scope_and_names_it_on_consent
);
both_backends!(unknown, unknown_resources_are_invalid_target);
both_backends!(
    services,
    client_credentials_for_two_resources_and_introspection_by_resource
);
