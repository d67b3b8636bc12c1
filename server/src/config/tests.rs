//! The rules of each key, on the raw shape figment produces.

use super::raw::RawConfig;
use super::*;
use secrecy::SecretString;
use std::time::Duration;

#[test]
fn defaults_are_valid_and_match_the_contract() {
    let c = Config::defaults().unwrap();
    assert_eq!(c.http.issuer.as_str(), "http://127.0.0.1:8080");
    assert_eq!(c.http.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(
        c.database.sqlite_path().unwrap(),
        PathBuf::from("tessera.db")
    );
    assert!(c.rate_limit.enabled);
    assert_eq!(c.tokens.refresh_grace, None, "grace window off by default");
    assert_eq!(
        c.housekeeping,
        Some(HousekeepingConfig {
            every: Duration::from_secs(300),
            batch: 5000
        })
    );
    assert_eq!(c.tokens.access_token, Duration::from_secs(900));
    assert_eq!(c.database.timeout, Duration::from_millis(2000));
    assert_eq!(c.keys.signing_alg, tessera_domain::SigningAlgorithm::Rs256);
    assert_eq!(c.accounts.password.min_chars, 15);
    assert_eq!(
        c.rate_limit.settings(&c.accounts.lockout).sign_in_failures,
        tessera_adapters::http::RateLimitSettings::default().sign_in_failures
    );
    assert!(c.http.docs);
    assert!(c.http.workers.is_none());
}

#[test]
fn housekeeping_keys_are_bounded_and_named() {
    let bad = [
        (0, 99, "housekeeping_batch"),
        (300, 100_001, "housekeeping_batch"),
        (86_401, 5000, "housekeeping_interval_secs"),
    ];
    for (interval, batch, key) in bad {
        let c = RawConfig {
            housekeeping_interval_secs: interval,
            housekeeping_batch: batch,
            ..RawConfig::default()
        };
        let msg = c.parse().unwrap_err().to_string();
        assert!(msg.contains(key), "{msg} should name {key}");
    }
    for (interval, batch) in [(0, 100), (86_400, 100_000)] {
        let c = RawConfig {
            housekeeping_interval_secs: interval,
            housekeeping_batch: batch,
            ..RawConfig::default()
        };
        c.parse().unwrap();
    }
}

#[test]
fn as_11_bad_values_name_their_key_and_issuer_has_no_query_or_fragment() {
    let cases: Vec<(RawConfig, &str)> = vec![
        (
            RawConfig {
                issuer: "ftp://x".into(),
                ..RawConfig::default()
            },
            "issuer",
        ),
        (
            RawConfig {
                issuer: "https://x/?a".into(),
                ..RawConfig::default()
            },
            "issuer",
        ),
        (
            RawConfig {
                issuer: "https://x/".into(),
                ..RawConfig::default()
            },
            "issuer",
        ),
        (
            RawConfig {
                bind: "nowhere".into(),
                ..RawConfig::default()
            },
            "bind",
        ),
        (
            RawConfig {
                signing_alg: Some("HS256".into()),
                ..RawConfig::default()
            },
            "signing_alg",
        ),
        (
            RawConfig {
                environment: Environment::Production,
                issuer: "http://id.example".into(),
                ..RawConfig::default()
            },
            "issuer",
        ),
        (
            RawConfig {
                environment: Environment::Production,
                issuer: "https://id.example".into(),
                ..RawConfig::default()
            },
            "secret_key",
        ),
    ];
    let mut cases = cases;
    for grace in [61, -1] {
        cases.push((
            RawConfig {
                refresh_token_grace_secs: grace,
                ..RawConfig::default()
            },
            "refresh_token_grace_secs",
        ));
    }
    for (c, key) in cases {
        let msg = c.parse().unwrap_err().to_string();
        assert!(msg.contains(key), "{msg} should name {key}");
    }
}

#[test]
#[allow(clippy::result_large_err)] // figment::Jail's own signature
fn environment_overrides_file_and_type_errors_name_the_key() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "t.toml",
            "issuer = \"https://file.example\"\nbind = \"127.0.0.1:9000\"",
        )?;
        jail.set_env("TESSERA_BIND", "127.0.0.1:9001");
        jail.set_env("TESSERA_RATE_LIMIT__ENABLED", "false");
        jail.set_env("TESSERA_CONFIG", "ignored-here");
        let c = Config::load(Some(Path::new("t.toml"))).map_err(|e| e.to_string())?;
        assert_eq!(c.http.issuer.as_str(), "https://file.example");
        assert_eq!(c.http.bind.to_string(), "127.0.0.1:9001");
        assert!(!c.rate_limit.enabled);
        jail.set_env("TESSERA_ACCESS_TOKEN_TTL_SECS", "soon");
        let err = Config::load(Some(Path::new("t.toml")))
            .unwrap_err()
            .to_string();
        assert!(
            err.to_lowercase().contains("access_token_ttl_secs"),
            "{err}"
        );
        Ok(())
    });
}

/// Production refuses a non-loopback http issuer, a missing or short secret key and the
/// docs page, naming every problem on its own line.
#[test]
fn production_refusals_are_listed_one_per_line() {
    let c = RawConfig {
        environment: Environment::Production,
        issuer: "http://id.example".into(),
        docs: Some(true),
        ..RawConfig::default()
    };
    let msg = c.parse().unwrap_err().to_string();
    let lines: Vec<&str> = msg.lines().collect();
    assert_eq!(lines.len(), 3, "{msg}");
    assert!(lines[0].contains("issuer: must be https"), "{msg}");
    assert!(lines[1].contains("secret_key: is required"), "{msg}");
    assert!(lines[2].contains("docs: must be off"), "{msg}");
    let ok = |issuer: &str| RawConfig {
        environment: Environment::Production,
        issuer: issuer.into(),
        secret_key: Some(SecretString::from("k".repeat(32))),
        ..RawConfig::default()
    };
    for issuer in [
        "https://id.example",
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
    ] {
        ok(issuer)
            .parse()
            .unwrap_or_else(|e| panic!("{issuer}: {e}"));
        assert!(!ok(issuer).parse().unwrap().http.docs);
    }
    for issuer in ["http://127.0.0.1.example", "http://localhost.example"] {
        assert!(ok(issuer).parse().is_err(), "{issuer}");
    }
    let short = RawConfig {
        secret_key: Some(SecretString::from("short".to_owned())),
        ..ok("https://id.example")
    };
    assert!(short
        .parse()
        .unwrap_err()
        .to_string()
        .contains("secret_key"));
    assert!(Config::defaults().unwrap().http.docs);
}

#[test]
fn keys_production_refuses_an_admin_token_shorter_than_32_characters() {
    let with_token = |token: &str| RawConfig {
        environment: Environment::Production,
        issuer: "https://id.example".into(),
        secret_key: Some(SecretString::from("k".repeat(32))),
        admin_token: Some(SecretString::from(token.to_owned())),
        ..RawConfig::default()
    };
    let short = "t".repeat(31);
    let msg = with_token(&short).parse().unwrap_err().to_string();
    assert!(
        msg.contains("admin_token: must be at least 32 characters"),
        "{msg}"
    );
    assert!(!msg.contains(&short), "the token is not echoed: {msg}");
    with_token(&"t".repeat(32)).parse().unwrap();
    // 31 characters in more than 32 bytes are still 31 characters.
    assert!(with_token(&"é".repeat(31)).parse().is_err());
    // Development keeps any token, and production without one has the admin API off.
    RawConfig {
        environment: Environment::Development,
        ..with_token("short")
    }
    .parse()
    .unwrap();
    RawConfig {
        admin_token: None,
        ..with_token("")
    }
    .parse()
    .unwrap();
}

#[test]
fn missing_explicit_file_is_an_error() {
    assert!(Config::load(Some(Path::new("/nonexistent/tessera.toml"))).is_err());
}

#[test]
fn asvs_2_2_1_lockout_settings_are_checked_and_production_allows_at_most_100_per_hour() {
    let d = RawConfig::default();
    assert_eq!(
        (d.lockout_threshold, d.lockout_base_secs, d.lockout_max_secs),
        (5, 60, 3600)
    );
    assert_eq!(
        d.parse().unwrap().accounts.lockout,
        tessera_domain::LockoutPolicy::default()
    );
    let bad = [
        (0, 60, 3600, "lockout_threshold"),
        (101, 60, 3600, "lockout_threshold"),
        (5, 0, 3600, "lockout_base_secs"),
        (5, 86_401, 86_401, "lockout_base_secs"),
        (5, 60, 59, "lockout_max_secs"),
        (5, 60, 86_401, "lockout_max_secs"),
    ];
    for (threshold, base, max, key) in bad {
        let c = RawConfig {
            lockout_threshold: threshold,
            lockout_base_secs: base,
            lockout_max_secs: max,
            ..RawConfig::default()
        };
        let msg = c.parse().unwrap_err().to_string();
        assert!(msg.contains(key), "{msg} should name {key}");
    }
    let production = |threshold, base, max| RawConfig {
        environment: Environment::Production,
        issuer: "https://id.example".into(),
        secret_key: Some(SecretString::from("k".repeat(32))),
        lockout_threshold: threshold,
        lockout_base_secs: base,
        lockout_max_secs: max,
        ..RawConfig::default()
    };
    production(5, 60, 3600).parse().unwrap();
    production(10, 300, 3600).parse().unwrap();
    // Short delays are for development and tests only.
    let fast = production(5, 2, 4);
    let msg = fast.parse().unwrap_err().to_string();
    assert!(
        msg.contains("lockout_threshold") && msg.contains("at most 100"),
        "{msg}"
    );
    RawConfig {
        environment: Environment::Development,
        ..fast
    }
    .parse()
    .unwrap();
    assert!(production(100, 60, 3600).parse().is_err());
}

#[test]
fn as_41_production_refuses_outbound_fetches_to_private_addresses() {
    let with = |environment, allow| RawConfig {
        environment,
        issuer: "https://id.example".into(),
        secret_key: Some(SecretString::from("k".repeat(32))),
        outbound: super::raw::RawOutbound {
            allow_private_addresses: allow,
        },
        ..RawConfig::default()
    };
    let msg = with(Environment::Production, true)
        .parse()
        .unwrap_err()
        .to_string();
    assert!(msg.contains("outbound.allow_private_addresses"), "{msg}");
    with(Environment::Production, false).parse().unwrap();
    let dev = with(Environment::Development, true).parse().unwrap();
    assert!(dev.outbound.allow_private_addresses);
    assert!(!Config::defaults().unwrap().outbound.allow_private_addresses);
}

/// `registration.self_service` follows `environment` unless set; `accounts.require_verified_email`
/// is off unless set; both come from the environment too.
#[test]
#[allow(clippy::result_large_err)] // figment::Jail's own signature
fn self_service_follows_the_environment_and_verified_email_is_opt_in() {
    let defaults = Config::defaults().unwrap();
    assert!(defaults.accounts.self_service, "on in development");
    assert!(!defaults.accounts.require_verified_email);
    let production = |self_service| RawConfig {
        environment: Environment::Production,
        issuer: "https://id.example".into(),
        secret_key: Some(SecretString::from("k".repeat(32))),
        registration: super::raw::RawRegistration {
            self_service,
            ..Default::default()
        },
        ..RawConfig::default()
    };
    assert!(!production(None).parse().unwrap().accounts.self_service);
    assert!(
        production(Some(true))
            .parse()
            .unwrap()
            .accounts
            .self_service
    );
    figment::Jail::expect_with(|jail| {
        jail.set_env("TESSERA_REGISTRATION__SELF_SERVICE", "false");
        jail.set_env("TESSERA_ACCOUNTS__REQUIRE_VERIFIED_EMAIL", "true");
        let c = Config::load(None).map_err(|e| e.to_string())?;
        assert!(!c.accounts.self_service);
        assert!(c.accounts.require_verified_email);
        jail.set_env("TESSERA_ACCOUNTS__REQUIRE_VERIFIED_EMAIL", "sometimes");
        let err = Config::load(None).unwrap_err().to_string();
        assert!(err.contains("require_verified_email"), "{err}");
        Ok(())
    });
}
