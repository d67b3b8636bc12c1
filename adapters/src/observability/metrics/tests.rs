use super::*;

fn metrics() -> Metrics {
    Metrics::new(&["/token", "/jwks"])
}

#[test]
fn render_has_every_family_with_its_labels() {
    let m = metrics();
    m.observe_request("/token", &Method::POST, 200, Duration::from_micros(1500));
    m.observe_request("/token", &Method::POST, 200, Duration::from_micros(300));
    m.observe_request(UNMATCHED, &Method::GET, 404, Duration::from_micros(50));
    m.observe_request("/users/{id}", &Method::GET, 418, Duration::from_millis(2));
    m.token_issued("client_credentials");
    m.login(LoginOutcome::Success);
    m.login(LoginOutcome::Failure);
    m.login(LoginOutcome::Failure);
    m.lockout();
    m.rate_limited("/token");
    m.housekeeping_deleted("sessions", 3);
    m.audit_dropped(7);
    let out = m.render(&Snapshot {
        pool: PoolStatus {
            max_size: 10,
            size: 2,
            available: 1,
            waiting: 0,
        },
        signing_keys: vec![KeyAge {
            kid: "k1".into(),
            alg: "RS256",
            state: "active",
            age_secs: 3600,
        }],
    });
    for line in [
        r#"tessera_http_requests_total{method="POST",route="/token",status="200"} 2"#,
        r#"tessera_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"tessera_http_requests_total{method="GET",route="/users/{id}",status="418"} 1"#,
        r#"tessera_http_request_duration_seconds_bucket{method="POST",route="/token",le="0.0005"} 1"#,
        r#"tessera_http_request_duration_seconds_count{method="POST",route="/token"} 2"#,
        r#"tessera_tokens_issued_total{grant_type="client_credentials"} 1"#,
        r#"tessera_tokens_issued_total{grant_type="refresh_token"} 0"#,
        r#"tessera_logins_total{outcome="success"} 1"#,
        r#"tessera_logins_total{outcome="failure"} 2"#,
        r#"tessera_logins_total{outcome="locked"} 0"#,
        "tessera_lockouts_total 1",
        r#"tessera_rate_limited_total{route="/token"} 1"#,
        r#"tessera_housekeeping_deleted_total{kind="sessions"} 3"#,
        "tessera_audit_events_dropped_total 7",
        r#"tessera_db_pool_connections{state="max"} 10"#,
        r#"tessera_db_pool_connections{state="size"} 2"#,
        r#"tessera_db_pool_connections{state="available"} 1"#,
        r#"tessera_db_pool_connections{state="waiting"} 0"#,
        r#"tessera_signing_key_age_seconds{alg="RS256",kid="k1",state="active"} 3600"#,
        "# TYPE tessera_http_request_duration_seconds histogram",
    ] {
        assert!(out.contains(line), "missing {line} in\n{out}");
    }
    assert!(
        !out.contains(r#"route="/jwks""#),
        "routes never hit have no series"
    );
}

#[test]
fn scrape_time_values_replace_the_previous_ones() {
    let m = metrics();
    let key = |kid: &str| KeyAge {
        kid: kid.into(),
        alg: "ES256",
        state: "next",
        age_secs: 5,
    };
    m.render(&Snapshot {
        signing_keys: vec![key("old")],
        ..Snapshot::default()
    });
    m.audit_dropped(3);
    m.audit_dropped(2);
    let out = m.render(&Snapshot {
        signing_keys: vec![key("new")],
        ..Snapshot::default()
    });
    assert!(!out.contains("old"), "a deleted key's series goes away");
    assert!(out.contains(r#"kid="new""#));
    assert!(
        out.contains("tessera_audit_events_dropped_total 3"),
        "the counter never goes down"
    );
}

#[test]
fn extension_methods_share_one_label() {
    let m = metrics();
    let odd = Method::from_bytes(b"BREW").unwrap();
    m.observe_request("/token", &odd, 405, Duration::ZERO);
    let out = m.render(&Snapshot::default());
    assert!(out.contains(r#"method="OTHER",route="/token",status="405"} 1"#));
    assert!(!out.contains("BREW"));
}

#[test]
fn content_type_matches_the_encoder() {
    assert!(CONTENT_TYPE.starts_with(&encoder_format()));
}
