//! The refresh-token grace window over real HTTP, on both backends: within the window,
//! parallel retries of one refresh all get the same successor; without it, or after it, reuse
//! revokes the family (R-06, AS-21).

use crate::support;

use crate::support::{Creds, TestApp};
use serde_json::Value;
use tessera_application::services::NewClient;
use tessera_tests::{both_backends, TestDatabase};

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// How many retries of one refresh race.
const PARALLEL: usize = 16;

/// Starts a server with `refresh_token_grace_secs = grace`, a user, and a confidential client
/// that skips consent.
async fn setup(db: TestDatabase, grace: i64) -> (TestApp, Creds) {
    let mut config = support::test_config(db.url());
    config.tokens.refresh_grace = u64::try_from(grace)
        .ok()
        .filter(|g| *g > 0)
        .map(std::time::Duration::from_secs);
    // The bursts of this test are its point, not a rate limit's.
    config.rate_limit.enabled = false;
    let app = TestApp::spawn_with(db, config).await;
    app.create_user(EMAIL, PASSWORD, None).await;
    let client = app
        .register(NewClient {
            name: "Notes".into(),
            grants: vec!["authorization_code".into(), "refresh_token".into()],
            redirect_uris: vec![REDIRECT.into()],
            scope: "openid offline_access".into(),
            skip_consent: true,
            ..NewClient::default()
        })
        .await;
    (app, client)
}

/// Signs in through the login page and redeems the code: the first tokens of a family.
async fn first_tokens(app: &TestApp, client: &Creds) -> Value {
    let page = support::sign_in_for_code(app, client, REDIRECT, CHALLENGE, (EMAIL, PASSWORD)).await;
    assert_eq!(
        page.status, 303,
        "signed in, consent skipped: {}",
        page.body
    );
    let code = page.redirect_params()["code"].clone();
    let res = app
        .post_form(
            "/token",
            Some(client),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// One refresh: the status and the JSON body.
async fn refresh(app: &TestApp, client: &Creds, rt: &str) -> (u16, Value) {
    let res = app
        .post_form(
            "/token",
            Some(client),
            &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        )
        .await;
    (res.status().as_u16(), res.json().await.unwrap())
}

/// `PARALLEL` refreshes of `rt` at once.
async fn parallel_refreshes(
    app: TestApp,
    client: &Creds,
    rt: &str,
) -> (TestApp, Vec<(u16, Value)>) {
    let app = std::sync::Arc::new(app);
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(PARALLEL));
    let tasks: Vec<_> = (0..PARALLEL)
        .map(|_| {
            let (app, start, rt) = (app.clone(), start.clone(), rt.to_owned());
            let client = Creds {
                id: client.id.clone(),
                secret: client.secret.clone(),
            };
            tokio::spawn(async move {
                start.wait().await;
                refresh(&app, &client, &rt).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let app = std::sync::Arc::into_inner(app).expect("every task is done");
    (app, answers)
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .to_owned()
}

async fn r_10_parallel_refreshes_within_the_window_all_get_the_same_tokens(db: TestDatabase) {
    let (app, client) = setup(db, 30).await;
    let rt1 = text(&first_tokens(&app, &client).await, "refresh_token");
    let (app, answers) = parallel_refreshes(app, &client, &rt1).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let rt2 = text(&answers[0].1, "refresh_token");
    let at2 = text(&answers[0].1, "access_token");
    assert_ne!(rt2, rt1, "rotated");
    for (_, body) in &answers {
        assert_eq!(
            text(body, "refresh_token"),
            rt2,
            "the same successor for every retry"
        );
        assert_eq!(text(body, "access_token"), at2, "and the same access token");
        assert_eq!(body["scope"], "offline_access openid");
        assert!(body["id_token"].is_string());
    }
    assert_eq!(app.introspect(&client, &at2).await["active"], true);

    // The family lives on: the successor rotates once, like any refresh token.
    let (status, t3) = refresh(&app, &client, &rt2).await;
    assert_eq!(status, 200, "{t3}");
    let rt3 = text(&t3, "refresh_token");
    assert_ne!(rt3, rt2);
    assert_eq!(app.introspect(&client, &rt3).await["active"], true);
    app.stop().await;
}
both_backends!(
    r_10_parallel_within_window,
    r_10_parallel_refreshes_within_the_window_all_get_the_same_tokens
);

async fn r_06_parallel_refreshes_without_the_window_give_at_most_one_success(db: TestDatabase) {
    let (app, client) = setup(db, 0).await;
    let rt1 = text(&first_tokens(&app, &client).await, "refresh_token");
    let (app, answers) = parallel_refreshes(app, &client, &rt1).await;
    let winners: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .collect();
    assert!(winners.len() <= 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*status, 400, "{body}");
        assert_eq!(body["error"], "invalid_grant");
    }
    // The losers' requests are reuse: the family, with any winner's successor, is revoked.
    for w in winners {
        let (status, body) = refresh(&app, &client, &text(w, "refresh_token")).await;
        assert_eq!(
            (status, &body["error"]),
            (400, &Value::from("invalid_grant"))
        );
        let at = text(w, "access_token");
        assert_eq!(app.introspect(&client, &at).await["active"], false);
    }
    app.stop().await;
}
both_backends!(
    r_06_parallel_refresh_no_window,
    r_06_parallel_refreshes_without_the_window_give_at_most_one_success
);

async fn r_10_replay_after_the_window_revokes_the_family(db: TestDatabase) {
    let (app, client) = setup(db, 1).await;
    let rt1 = text(&first_tokens(&app, &client).await, "refresh_token");
    let (status, t2) = refresh(&app, &client, &rt1).await;
    assert_eq!(status, 200, "{t2}");
    let (rt2, at2) = (text(&t2, "refresh_token"), text(&t2, "access_token"));
    // Within the window (whole seconds: at most one has passed): the same tokens again.
    let (status, again) = refresh(&app, &client, &rt1).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(text(&again, "refresh_token"), rt2);

    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let (status, late) = refresh(&app, &client, &rt1).await;
    assert_eq!(status, 400, "{late}");
    assert_eq!(late["error"], "invalid_grant");
    let (status, after) = refresh(&app, &client, &rt2).await;
    assert_eq!(
        (status, &after["error"]),
        (400, &Value::from("invalid_grant")),
        "successor revoked"
    );
    assert_eq!(
        app.introspect(&client, &at2).await["active"],
        false,
        "access tokens of the family too"
    );
    app.stop().await;
}
both_backends!(
    r_10_replay_after_window,
    r_10_replay_after_the_window_revokes_the_family
);
