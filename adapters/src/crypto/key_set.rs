//! The decrypted key set held by the engine, built once per install.

use super::jwk::public_members;
use josekit::jwk::KeyPair;
use josekit::jws::{EdDSA, JwsSigner, JwsVerifier, ES256, RS256};
use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use std::collections::HashMap;
use tessera_application::errors::{BoxError, CryptoError};
use tessera_application::ports::KeyMaterial;
use tessera_domain::{KeyState, SigningAlgorithm, SigningKey, UnixTime};

/// A published key, ready to verify.
pub(crate) struct VerifyingKey {
    /// Public metadata: algorithm and life cycle.
    pub key: SigningKey,
    /// Built once, from the public half of the private key.
    pub verifier: Box<dyn JwsVerifier>,
}

/// The active key, ready to sign.
pub(crate) struct ActiveKey {
    /// Its kid.
    pub kid: String,
    /// Its algorithm.
    pub alg: SigningAlgorithm,
    /// Built once; carries the kid, which josekit writes into every header.
    pub signer: Box<dyn JwsSigner>,
}

/// Everything the engine needs per request, immutable once built: installs swap in a whole
/// new set.
pub(crate) struct KeySet {
    /// Published keys by kid.
    pub keys: HashMap<String, VerifyingKey>,
    /// The one key that signs, if any.
    pub active: Option<ActiveKey>,
    /// The JWKS document, serialised once.
    pub jwks: String,
}

/// One key decoded by josekit.
struct Decoded {
    verifier: Box<dyn JwsVerifier>,
    signer: Option<Box<dyn JwsSigner>>,
    public_jwk: Map<String, Value>,
}

impl KeySet {
    /// The set before any install: nothing signs, nothing verifies, an empty JWKS.
    pub fn empty() -> Self {
        KeySet {
            keys: HashMap::new(),
            active: None,
            jwks: r#"{"keys":[]}"#.to_owned(),
        }
    }

    /// Decodes every key, and refuses the whole set if any key is unusable or the set does not
    /// have exactly one active key: serving with a partial set would fail later and less
    /// clearly.
    pub fn build(material: Vec<KeyMaterial>) -> Result<Self, CryptoError> {
        let active_count = material
            .iter()
            .filter(|m| m.key.state == KeyState::Active)
            .count();
        match active_count {
            0 => return Err(CryptoError::NoActiveKey),
            1 => {}
            n => {
                return Err(CryptoError::backend(format!(
                    "{n} active signing keys, expected one"
                )))
            }
        }
        let mut keys = HashMap::with_capacity(material.len());
        let mut active = None;
        let mut jwks = Vec::with_capacity(material.len());
        for m in material {
            let kid = m.key.kid.clone();
            if m.key.state == KeyState::Retired {
                log::warn!("signing key {kid} is retired and was not installed");
                continue;
            }
            if keys.contains_key(&kid) {
                return Err(CryptoError::backend(format!(
                    "duplicate signing key id {kid}"
                )));
            }
            let is_active = m.key.state == KeyState::Active;
            let unusable = |why: BoxError| {
                CryptoError::failed(format!("loading signing key {kid} ({})", m.key.alg), why)
            };
            let decoded = decode(
                m.key.alg,
                m.private_pkcs8_der.expose_secret(),
                &kid,
                is_active,
            )
            .map_err(|e| unusable(e.into()))?;
            let mut entry = public_members(&decoded.public_jwk)?;
            // EdDSA also names Ed448; Tessera's EdDSA keys are Ed25519.
            if m.key.alg == SigningAlgorithm::EdDsa
                && entry.get("crv").and_then(Value::as_str) != Some("Ed25519")
            {
                return Err(unusable("not an Ed25519 key".into()));
            }
            check_stored_jwk(&m.key, &entry)?;

            entry.insert("kid".into(), Value::from(kid.as_str()));
            entry.insert("alg".into(), Value::from(m.key.alg.as_str()));
            entry.insert("use".into(), Value::from("sig"));
            jwks.push(Value::Object(entry));

            if let Some(signer) = decoded.signer {
                active = Some(ActiveKey {
                    kid: kid.clone(),
                    alg: m.key.alg,
                    signer,
                });
            }
            keys.insert(
                kid,
                VerifyingKey {
                    key: m.key,
                    verifier: decoded.verifier,
                },
            );
        }
        let mut doc = Map::new();
        doc.insert("keys".into(), Value::Array(jwks));
        Ok(KeySet {
            keys,
            active,
            jwks: Value::Object(doc).to_string(),
        })
    }

    /// The key `kid` if it is published at `now`.
    pub fn published(&self, kid: &str, now: UnixTime) -> Option<&VerifyingKey> {
        self.keys.get(kid).filter(|k| k.key.is_published(now))
    }
}

/// Decodes with one josekit algorithm: its `key_pair_from_der` refuses a key of another type
/// (and RSA keys under 2048 bits), and the verifier is built from the public half only.
macro_rules! decode_with {
    ($alg:expr, $der:expr, $kid:expr, $active:expr) => {{
        let pair = $alg.key_pair_from_der($der)?;
        let mut verifier = $alg.verifier_from_der(pair.to_der_public_key())?;
        verifier.set_key_id($kid);
        let signer = if $active {
            let mut signer = $alg.signer_from_der($der)?;
            signer.set_key_id($kid);
            Some(Box::new(signer) as Box<dyn JwsSigner>)
        } else {
            None
        };
        Decoded {
            verifier: Box::new(verifier),
            signer,
            public_jwk: pair.to_jwk_public_key().into(),
        }
    }};
}

/// Decodes one PKCS#8 DER key for `alg`.
fn decode(
    alg: SigningAlgorithm,
    der: &[u8],
    kid: &str,
    active: bool,
) -> Result<Decoded, josekit::JoseError> {
    Ok(match alg {
        SigningAlgorithm::Rs256 => decode_with!(RS256, der, kid, active),
        SigningAlgorithm::Es256 => decode_with!(ES256, der, kid, active),
        SigningAlgorithm::EdDsa => decode_with!(EdDSA, der, kid, active),
    })
}

/// Refuses a key whose stored public JWK is not the public half of its private key. The JWKS
/// is built from the private key, so a mismatch would not be published; it means the row was
/// altered or mixed up, and loading it quietly would hide that.
fn check_stored_jwk(key: &SigningKey, derived: &Map<String, Value>) -> Result<(), CryptoError> {
    let mismatch = || {
        CryptoError::backend(format!(
            "the stored public key of signing key {} does not match its private key",
            key.kid
        ))
    };
    let stored: Map<String, Value> =
        serde_json::from_str(&key.public_jwk).map_err(|_| mismatch())?;
    if public_members(&stored).map_err(|_| mismatch())? != *derived {
        return Err(mismatch());
    }
    Ok(())
}
