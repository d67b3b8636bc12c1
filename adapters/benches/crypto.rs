//! Micro-benchmarks of the crypto adapters (`make bench`): JWS sign and verify through the real
//! [`JosekitEngine`] for each algorithm, and argon2id hash and verify through [`Argon2Hasher`]
//! with the default (OWASP) parameters.

// A benchmark binary: its fixtures are fixed inputs, and one that fails to build should stop the run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark binary: a fixture that fails is meant to stop the run"
)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde_json::{json, Map, Value};
use std::hint::black_box;
use std::time::Duration;
use tessera_adapters::crypto::{Argon2Hasher, Argon2Settings, JosekitEngine, KeyPairGenerator};
use tessera_application::ports::{JwsEngine, KeyGenerator, KeyMaterial, PasswordHasher};
use tessera_domain::{KeyState, SigningAlgorithm, SigningKey, UnixTime};

const ALGS: [SigningAlgorithm; 3] = [
    SigningAlgorithm::Rs256,
    SigningAlgorithm::Es256,
    SigningAlgorithm::EdDsa,
];

/// An engine whose one active key is a fresh key of `alg`.
fn engine(alg: SigningAlgorithm) -> JosekitEngine {
    let generated = KeyPairGenerator.generate(alg).expect("key generation");
    let engine = JosekitEngine::new();
    engine
        .install(vec![KeyMaterial {
            key: SigningKey {
                kid: format!("bench-{}", alg.as_str()),
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

/// Claims the size of a client_credentials access token's.
fn claims() -> Map<String, Value> {
    let Value::Object(m) = json!({
        "iss": "http://127.0.0.1:8080",
        "sub": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "aud": "http://127.0.0.1:8080",
        "exp": 2_000_000_000_i64,
        "iat": 1_999_999_100_i64,
        "jti": "q1w2e3r4t5y6u7i8o9p0aa",
        "client_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "scope": "read write",
    }) else {
        unreachable!()
    };
    m
}

fn jws(c: &mut Criterion) {
    let mut group = c.benchmark_group("jws");
    group.throughput(Throughput::Elements(1));
    let claims = claims();
    for alg in ALGS {
        let engine = engine(alg);
        let token = engine.sign("at+jwt", &claims).expect("sign");
        group.bench_function(format!("sign/{}", alg.as_str()), |b| {
            b.iter(|| {
                engine
                    .sign(black_box("at+jwt"), black_box(&claims))
                    .unwrap()
            })
        });
        group.bench_function(format!("verify/{}", alg.as_str()), |b| {
            b.iter(|| {
                engine
                    .verify(black_box(&token), "at+jwt", UnixTime::from_secs(1_000))
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn argon2(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("tokio runtime");
    let hasher = Argon2Hasher::new(Argon2Settings::default()).expect("argon2 settings");
    let password = "correct horse battery staple";
    let phc = runtime
        .block_on(hasher.hash(SecretString::from(password)))
        .expect("hash");
    let mut group = c.benchmark_group("argon2id_m19456_t2_p1");
    group.throughput(Throughput::Elements(1));
    // ~30 ms per hash: few samples, or the group alone would take minutes.
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("hash", |b| {
        b.iter_batched(
            || SecretString::from(password),
            |p| runtime.block_on(hasher.hash(p)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("verify", |b| {
        b.iter_batched(
            || SecretString::from(password),
            |p| {
                let check = runtime.block_on(hasher.verify(p, &phc)).unwrap();
                assert!(check.matches);
            },
            BatchSize::SmallInput,
        )
    });
    // The machine's limit, the login target's reference: the argon2 crate alone on memory
    // allocated once, so no page faults, zeroing or unmapping are counted.
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("params");
    let engine = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params.clone(),
    );
    let mut memory = vec![argon2::Block::default(); params.block_count()];
    group.bench_function("compute", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            engine
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    b"sixteen byte salt",
                    &mut out,
                    &mut memory,
                )
                .unwrap();
            out
        })
    });
    group.finish();
}

criterion_group!(benches, jws, argon2);
criterion_main!(benches);
