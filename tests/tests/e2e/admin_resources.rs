//! `/admin/resources` over real HTTP on both backends: protected resources (RFC 8707) are
//! registered, listed and deleted with the admin token; bad input is `400` in the standard
//! error shape, a taken identifier `409`, an absent one `404`; nothing without credentials;
//! every change in the audit log.

use crate::support::{test_config, TestApp};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use tessera_server::config::Budget;
use tessera_tests::{both_backends, TestDatabase};

const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";
const MCP: &str = "https://mcp.example.com/mcp?tenant=a&b=1";

async fn spawn(db: TestDatabase) -> TestApp {
    let mut config = test_config(db.url());
    config.admin.token = Some(SecretString::from(ADMIN_TOKEN.to_owned()));
    config.rate_limit.admin_auth_failures = Budget::new(1_000, 3600);
    TestApp::spawn_with(db, config).await
}

/// One call with `bearer` (none: no Authorization header); status and JSON body (or null).
async fn call(
    app: &TestApp,
    bearer: Option<&str>,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.http.request(method, app.url(path)).query(query);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request sent");
    let status = res.status();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn admin(
    app: &TestApp,
    method: Method,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Value) {
    call(
        app,
        Some(ADMIN_TOKEN),
        method,
        "/admin/resources",
        query,
        body,
    )
    .await
}

/// The standard error shape with `code`.
fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"], code, "{body}");
    assert!(body["error_description"].as_str().is_some(), "{body}");
}

async fn resources_are_registered_listed_and_deleted(db: TestDatabase) {
    let app = spawn(db).await;
    let (s, listed) = admin(&app, Method::GET, &[], None).await;
    assert_eq!(s, StatusCode::OK, "{listed}");
    assert_eq!(listed, json!({ "resources": [] }));

    let (s, created) = admin(
        &app,
        Method::POST,
        &[],
        Some(json!({ "identifier": MCP, "name": "Notes MCP", "scope": "notes:write notes:read" })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["identifier"], MCP);
    assert_eq!(created["name"], "Notes MCP");
    assert_eq!(created["scope"], "notes:read notes:write");
    assert!(created["created_at"].as_i64().unwrap() > 0);

    let (s, plain) = admin(
        &app,
        Method::POST,
        &[],
        Some(json!({ "identifier": "urn:example:api" })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{plain}");
    assert_eq!(plain["name"], "urn:example:api");
    assert_eq!(plain["scope"], "");

    let (s, dup) = admin(
        &app,
        Method::POST,
        &[],
        Some(json!({ "identifier": MCP, "name": "Again" })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{dup}");
    assert_error(&dup, "conflict");

    let (s, listed) = admin(&app, Method::GET, &[], None).await;
    assert_eq!(s, StatusCode::OK);
    let all = listed["resources"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    let mine = all.iter().find(|r| r["identifier"] == MCP).unwrap();
    assert_eq!(mine["name"], "Notes MCP", "the duplicate changed nothing");

    let (s, body) = admin(&app, Method::DELETE, &[("identifier", MCP)], None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    let (s, body) = admin(&app, Method::DELETE, &[("identifier", MCP)], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    let (s, body) = admin(&app, Method::DELETE, &[], None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "invalid_request");

    let (s, listed) = admin(&app, Method::GET, &[], None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(listed["resources"].as_array().unwrap().len(), 1);
    assert_eq!(listed["resources"][0]["identifier"], "urn:example:api");

    // Both changes are in the audit log with the actor and the identifier.
    let mut seen = Vec::new();
    for _ in 0..100 {
        let (s, audit) = call(
            &app,
            Some(ADMIN_TOKEN),
            Method::GET,
            "/admin/audit",
            &[("limit", "500")],
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        seen = audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["subject"] == MCP)
            .map(|e| (e["action"].clone(), e["actor"].clone()))
            .collect();
        if seen.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    seen.sort_by_key(|(a, _)| a.to_string());
    assert_eq!(
        seen,
        vec![
            (json!("resource_created"), json!("admin_token")),
            (json!("resource_deleted"), json!("admin_token")),
        ]
    );
}
both_backends!(
    admin_resources_lifecycle,
    resources_are_registered_listed_and_deleted
);

async fn bad_input_is_400_and_no_credentials_401(db: TestDatabase) {
    let app = spawn(db).await;
    let long = "n".repeat(201);
    for body in [
        json!({ "identifier": "https://mcp.example.com/#frag" }),
        json!({ "identifier": "not a uri" }),
        json!({ "identifier": "/relative" }),
        json!({ "identifier": "https://" }),
        json!({ "identifier": MCP, "name": long }),
        json!({ "identifier": MCP, "name": " " }),
        json!({ "identifier": MCP, "scope": "a  b" }),
        json!({ "identifier": MCP, "unknown": true }),
        json!({ "name": "no identifier" }),
        json!({ "identifier": 7 }),
    ] {
        let (s, err) = admin(&app, Method::POST, &[], Some(body.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {err}");
        assert_error(&err, "invalid_request");
    }
    let (_, err) = admin(
        &app,
        Method::POST,
        &[],
        Some(json!({ "identifier": "https://mcp.example.com/#frag" })),
    )
    .await;
    let description = err["error_description"].as_str().unwrap();
    assert!(
        description.starts_with("identifier") && description.contains("fragment"),
        "{description}"
    );

    for bearer in [None, Some("wrong-token")] {
        for (method, query, body) in [
            (Method::GET, vec![], None),
            (
                Method::POST,
                vec![],
                Some(json!({ "identifier": "urn:example:api" })),
            ),
            (
                Method::DELETE,
                vec![("identifier", "urn:example:api")],
                None,
            ),
        ] {
            let (s, err) = call(
                &app,
                bearer,
                method.clone(),
                "/admin/resources",
                &query,
                body,
            )
            .await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {bearer:?}: {err}");
            assert_error(&err, "invalid_token");
        }
    }
    let (s, listed) = admin(&app, Method::GET, &[], None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(listed, json!({ "resources": [] }), "nothing was stored");
}
both_backends!(
    admin_resources_refusals,
    bad_input_is_400_and_no_credentials_401
);
