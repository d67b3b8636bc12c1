//! The typed values each key becomes.

use super::raw::{BudgetOverride, RawConfig, RawMail, RawMailTransport, RawRateLimit};
use super::*;
use std::time::Duration;

#[test]
fn typed_values_come_from_their_keys() {
    let c = RawConfig {
        issuer: "https://id.example:8443/tenant".into(),
        bind: "0.0.0.0:0".into(),
        workers: Some(3),
        refresh_token_grace_secs: 30,
        housekeeping_interval_secs: 0,
        signing_alg: Some("EdDSA".into()),
        ..RawConfig::default()
    }
    .parse()
    .unwrap();
    assert_eq!(
        c.http.issuer.as_str(),
        "https://id.example:8443/tenant",
        "kept exactly as configured (no trailing slash added)"
    );
    assert_eq!(c.http.issuer.url().port(), Some(8443));
    assert_eq!(c.http.bind.port(), 0, "port 0 binds any free port");
    assert_eq!(c.http.workers.map(|w| w.get()), Some(3));
    assert_eq!(c.tokens.refresh_grace, Some(Duration::from_secs(30)));
    assert_eq!(c.housekeeping, None, "0 turns housekeeping off");
    assert_eq!(c.keys.signing_alg, tessera_domain::SigningAlgorithm::EdDsa);
}

#[test]
fn more_bad_values_name_their_key() {
    let smtp_without_host = RawConfig {
        mail: RawMail {
            transport: RawMailTransport::Smtp,
            ..Default::default()
        },
        ..RawConfig::default()
    };
    let zero_budget = RawConfig {
        rate_limit: RawRateLimit {
            registrations: BudgetOverride {
                burst: Some(0),
                per_hour: None,
            },
            ..Default::default()
        },
        ..RawConfig::default()
    };
    let cases = [
        (
            RawConfig {
                issuer: "https://id.example:99999".into(),
                ..RawConfig::default()
            },
            "issuer",
        ),
        (
            RawConfig {
                workers: Some(0),
                ..RawConfig::default()
            },
            "workers",
        ),
        (
            RawConfig {
                key_refresh_secs: 0,
                ..RawConfig::default()
            },
            "key_refresh_secs",
        ),
        (
            RawConfig {
                database_pool_size: 0,
                ..RawConfig::default()
            },
            "database_pool_size",
        ),
        (smtp_without_host, "mail.smtp_host"),
        (zero_budget, "rate_limit.registrations"),
    ];
    for (c, key) in cases {
        let msg = c.parse().unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!("invalid configuration: {key}: ")),
            "{msg} should name {key}"
        );
    }
}

#[test]
fn a_budget_override_keeps_the_default_of_its_unset_half() {
    let c = RawConfig {
        rate_limit: RawRateLimit {
            sign_in_failures: BudgetOverride {
                burst: Some(2),
                per_hour: None,
            },
            ..Default::default()
        },
        ..RawConfig::default()
    }
    .parse()
    .unwrap();
    let default = tessera_adapters::http::RateLimitSettings::default().sign_in_failures;
    assert_eq!(
        c.rate_limit.sign_in_failures,
        Budget::new(2, default.per_hour)
    );
    let settings = c.rate_limit.settings(&c.accounts.lockout);
    assert_eq!(settings.device_failures, Budget::new(5, 5));
}

#[test]
fn the_fapi2_profile_tightens_what_it_touches() {
    let fapi = |tweak: fn(&mut RawConfig)| {
        let mut raw = RawConfig {
            profile: "fapi2".into(),
            ..RawConfig::default()
        };
        tweak(&mut raw);
        raw.parse()
    };
    let c = fapi(|_| {}).unwrap();
    assert_eq!(c.hardening.profile, tessera_domain::SecurityProfile::Fapi2);
    assert!(c.hardening.par_required, "FAPI 2.0 requires PAR");
    assert_eq!(
        c.keys.signing_alg,
        tessera_domain::SigningAlgorithm::Es256,
        "ES256 unless another FAPI algorithm is set"
    );
    assert_eq!(c.tokens.refresh_grace, None);
    let eddsa = fapi(|r| r.signing_alg = Some("EdDSA".into())).unwrap();
    assert_eq!(
        eddsa.keys.signing_alg,
        tessera_domain::SigningAlgorithm::EdDsa
    );
    for (tweak, key) in [
        (
            (|r: &mut RawConfig| r.signing_alg = Some("RS256".into())) as fn(&mut RawConfig),
            "signing_alg",
        ),
        (
            |r| r.refresh_token_grace_secs = 5,
            "refresh_token_grace_secs",
        ),
        (
            |r| r.authorization_code_ttl_secs = 120,
            "authorization_code_ttl_secs",
        ),
        (|r| r.profile = "fapi1".into(), "profile"),
    ] {
        let err = fapi(tweak).unwrap_err().to_string();
        assert!(err.contains(key), "{key}: {err}");
    }
    let standard = RawConfig::default().parse().unwrap();
    assert_eq!(
        standard.hardening.profile,
        tessera_domain::SecurityProfile::Standard
    );
    assert!(!standard.hardening.par_required);
    assert_eq!(
        standard.keys.signing_alg,
        tessera_domain::SigningAlgorithm::Rs256
    );
}
