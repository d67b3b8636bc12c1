//! Client-signed JWTs (adapters `crypto::client_jwt`, application `check_claims`): no token
//! panics the verifier, for a client with public keys or one with a `client_secret_jwt`
//! secret, before or after the signature; an `alg` off the allow-list, `none` or an HMAC for a
//! client with keys is never accepted; the claim checks of an assertion never panic, and what
//! they accept names the client in `iss` and `sub`, with a `jti` and an expiry in bounds.
//! A second mode signs the fuzzer's payload with the client's real key, so the claims parser
//! after the signature check is reached too.
#![no_main]

use josekit::jws::{JwsHeader, JwsSigner, ES256};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use std::sync::{Arc, OnceLock};
use tessera_adapters::crypto::{
    AeadKeyCipher, CipherPurpose, ClientKeySets, JosekitClientJwtVerifier,
};
use tessera_adapters::outbound::{OutboundClient, OutboundSettings};
use tessera_application::ports::{ClientJwtError, ClientJwtVerifier, KeyCipher};
use tessera_application::services::{
    check_claims, ASSERTION_LEEWAY_SECS, MAX_ASSERTION_LIFETIME_SECS,
};
use tessera_domain::{
    Client, ClientId, ClientJwks, ClientSecurity, GrantType, ScopeSet, TokenEndpointAuthMethod,
    UnixTime,
};

const ALLOWED: &[&str] = &[
    "RS256", "PS256", "ES256", "EdDSA", "HS256", "HS384", "HS512",
];
const ISSUER: &str = "https://id.example";
const TOKEN_URL: &str = "https://id.example/token";

struct Fixture {
    runtime: tokio::runtime::Runtime,
    verifier: JosekitClientJwtVerifier,
    with_keys: Client,
    with_secret: Client,
    signer: Box<dyn JwsSigner>,
}

fn client(method: TokenEndpointAuthMethod, security: ClientSecurity) -> Client {
    Client {
        id: ClientId::parse("svc").expect("client id"),
        name: "svc".into(),
        secret_digest: None,
        auth_method: method,
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::default(),
        skip_consent: false,
        require_mfa: false,
        created_at: UnixTime::from_secs(1),
        exchange_audiences: vec![],
        metadata: Default::default(),
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        security,
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let cipher: Arc<dyn KeyCipher> = Arc::new(AeadKeyCipher::from_secret(
            &SecretString::from("fuzz-secret-key-of-at-least-32-characters".to_owned()),
            CipherPurpose::ClientSecrets,
        ));
        let outbound = runtime
            .block_on(async {
                OutboundClient::new(OutboundSettings {
                    allow_private_addresses: false,
                    timeout: std::time::Duration::from_secs(1),
                })
            })
            .expect("outbound client");
        let verifier = JosekitClientJwtVerifier::new(ClientKeySets::new(outbound), cipher.clone());
        let pair = ES256.generate_key_pair().expect("key pair");
        let mut public = pair.to_jwk_public_key();
        public.set_key_id("k1");
        let jwks = serde_json::json!({"keys": [public.as_ref()]}).to_string();
        let with_keys = client(
            TokenEndpointAuthMethod::PrivateKeyJwt,
            ClientSecurity {
                jwks: ClientJwks::Inline(jwks),
                ..Default::default()
            },
        );
        let sealed = cipher
            .encrypt(b"a-client-secret-of-43-characters-0123456789", b"svc")
            .expect("sealed secret");
        let with_secret = client(
            TokenEndpointAuthMethod::ClientSecretJwt,
            ClientSecurity {
                sealed_secret: Some(sealed),
                ..Default::default()
            },
        );
        let signer = Box::new(
            ES256
                .signer_from_jwk(&pair.to_jwk_private_key())
                .expect("signer"),
        );
        Fixture {
            runtime,
            verifier,
            with_keys,
            with_secret,
            signer,
        }
    })
}

fn signed(payload: &[u8], signer: &dyn JwsSigner) -> String {
    let mut header = JwsHeader::new();
    header.set_key_id("k1");
    header.set_token_type("JWT");
    josekit::jws::serialize_compact(payload, &header, signer).expect("signs")
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let jwt = match data.split_first() {
        Some((mode, rest)) if mode & 2 == 2 => signed(rest, f.signer.as_ref()),
        _ => tessera_fuzz::token(data),
    };
    for client in [&f.with_keys, &f.with_secret] {
        let result = f
            .runtime
            .block_on(f.verifier.verify(client, &jwt, ALLOWED, None));
        let verified = match result {
            Ok(v) => v,
            Err(ClientJwtError::Algorithm(alg)) => {
                // An allowed algorithm is refused only for the wrong kind of client: an HMAC
                // for the one with keys, an asymmetric one for the one with a secret.
                if ALLOWED.contains(&alg.as_str()) {
                    let hmac = alg.starts_with("HS");
                    assert_eq!(hmac, std::ptr::eq(client, &f.with_keys), "{alg} refused");
                }
                continue;
            }
            Err(_) => continue,
        };
        assert!(ALLOWED.contains(&verified.alg.as_str()));
        assert_ne!(verified.alg, "none");
        if std::ptr::eq(client, &f.with_keys) {
            assert!(
                !verified.alg.starts_with("HS"),
                "an HMAC passed for a client with keys"
            );
        }
        for now in [0, 1_700_000_000, i64::MAX, i64::MIN] {
            let now = UnixTime::from_secs(now);
            if let Ok(checked) = check_claims(&verified, "svc", ISSUER, TOKEN_URL, now) {
                assert_eq!(
                    verified.claims.get("iss").and_then(|v| v.as_str()),
                    Some("svc")
                );
                assert_eq!(
                    verified.claims.get("sub").and_then(|v| v.as_str()),
                    Some("svc")
                );
                assert!(!checked.jti.is_empty());
                assert!(checked.keep_until.as_secs() > now.as_secs());
                assert!(
                    checked.keep_until.as_secs()
                        <= now.as_secs().saturating_add(
                            MAX_ASSERTION_LIFETIME_SECS + 2 * ASSERTION_LEEWAY_SECS
                        )
                );
            }
        }
    }
});
