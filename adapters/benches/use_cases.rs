//! Micro-benchmarks of the application layer (`make bench`): scope parsing, and the
//! client_credentials use case on in-memory fakes (a fixed clock, a counting random source),
//! once with a no-op signer (the use case's own cost) and once with the real ES256 and RS256
//! engines.

// A benchmark binary: its fixtures are fixed inputs, and one that fails to build should stop the run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark binary: a fixture that fails is meant to stop the run"
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use secrecy::{ExposeSecret, SecretBox};
use serde_json::{Map, Value};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tessera_adapters::crypto::{JosekitEngine, KeyPairGenerator};
use tessera_application::errors::{CryptoError, VerifyError};
use tessera_application::ports::{
    Clock, JwsEngine, KeyGenerator, KeyMaterial, RandomSource, VerifiedJws,
};
use tessera_application::services::ClientCredentialsGrant;
use tessera_application::IssuerSettings;
use tessera_domain::{
    Client, ClientId, GrantType, KeyState, ScopeSet, SigningAlgorithm, SigningKey, TokenDigest,
    TokenEndpointAuthMethod, UnixTime,
};

/// Always the same instant.
struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(1_800_000_000)
    }
}

/// Fills each buffer from a counter: cheap, and every token differs.
#[derive(Default)]
struct CountingRandom(AtomicU64);

impl RandomSource for CountingRandom {
    fn fill(&self, buf: &mut [u8]) {
        let n = self.0.fetch_add(1, Ordering::Relaxed).to_le_bytes();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = n[i % n.len()];
        }
    }
}

/// A signer that only serialises the claims: what is left is the use case's own cost.
struct NoopEngine;

impl JwsEngine for NoopEngine {
    fn install(&self, _keys: Vec<KeyMaterial>) -> Result<(), CryptoError> {
        Ok(())
    }
    fn sign(&self, _typ: &str, claims: &Map<String, Value>) -> Result<String, CryptoError> {
        serde_json::to_string(claims).map_err(CryptoError::backend)
    }
    fn verify(&self, _token: &str, _typ: &str, _now: UnixTime) -> Result<VerifiedJws, VerifyError> {
        Err(VerifyError::Malformed)
    }
    fn jwks(&self) -> String {
        r#"{"keys":[]}"#.to_owned()
    }
    fn active_kid(&self) -> Option<String> {
        None
    }
    fn active_algorithm(&self) -> Option<SigningAlgorithm> {
        None
    }
}

fn real_engine(alg: SigningAlgorithm) -> JosekitEngine {
    let generated = KeyPairGenerator.generate(alg).expect("key generation");
    let engine = JosekitEngine::new();
    engine
        .install(vec![KeyMaterial {
            key: SigningKey {
                kid: "bench".into(),
                alg,
                state: KeyState::Active,
                created_at: UnixTime::from_secs(0),
                retire_after: None,
                public_jwk: Value::Object(generated.public_jwk.clone()).to_string(),
            },
            private_pkcs8_der: SecretBox::new(Box::new(
                generated.private_pkcs8_der.expose_secret().clone(),
            )),
        }])
        .expect("install");
    engine
}

fn service_client() -> Client {
    Client {
        security: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        id: ClientId::parse("0a1b2c3d4e5f60718293a4b5c6d7e8f9").unwrap(),
        name: "bench service".into(),
        secret_digest: Some(TokenDigest::of("secret")),
        auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("read write admin").unwrap(),
        skip_consent: false,
        require_mfa: false,
        created_at: UnixTime::from_secs(0),
    }
}

fn scope_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("scope_parse");
    group.throughput(Throughput::Elements(1));
    for (name, text) in [
        ("one", "read"),
        ("oidc", "openid profile email offline_access"),
        (
            "twelve",
            "a:read a:write b:read b:write c:read c:write d e f g openid profile",
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| ScopeSet::parse(black_box(text)).unwrap())
        });
    }
    group.finish();
}

fn client_credentials(c: &mut Criterion) {
    let mut group = c.benchmark_group("client_credentials_use_case");
    group.throughput(Throughput::Elements(1));
    let client = service_client();
    let engines: [(&str, Arc<dyn JwsEngine>); 3] = [
        ("noop_signer", Arc::new(NoopEngine)),
        ("ES256", Arc::new(real_engine(SigningAlgorithm::Es256))),
        ("RS256", Arc::new(real_engine(SigningAlgorithm::Rs256))),
    ];
    for (name, engine) in engines {
        let grant = ClientCredentialsGrant::new(
            engine,
            Arc::new(FixedClock),
            Arc::new(CountingRandom::default()),
            IssuerSettings::new("http://127.0.0.1:8080"),
        );
        group.bench_function(name, |b| {
            b.iter(|| grant.issue(black_box(&client), Some("read write")).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, scope_parse, client_credentials);
criterion_main!(benches);
