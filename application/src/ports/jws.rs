use crate::errors::{CryptoError, VerifyError};
use secrecy::SecretBox;
use tessera_domain::{SigningAlgorithm, SigningKey, UnixTime};

/// A decrypted key handed to the engine.
pub struct KeyMaterial {
    /// Public half and life cycle.
    pub key: SigningKey,
    /// PKCS#8 DER of the private key.
    pub private_pkcs8_der: SecretBox<Vec<u8>>,
}

/// A JWS whose signature checked out against a published key.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJws {
    /// The payload.
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// The key that signed it.
    pub kid: String,
}

/// Signs and verifies compact JWS with Tessera's own keys, holding them decrypted in memory so
/// that no request pays for a database read or a decryption.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait JwsEngine: Send + Sync {
    /// Replaces the loaded key set. Keys must already be filtered to the published ones.
    fn install(&self, keys: Vec<KeyMaterial>) -> Result<(), CryptoError>;
    /// Signs `claims` with the active key, with header `typ`.
    fn sign(
        &self,
        typ: &str,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, CryptoError>;
    /// Verifies a compact JWS: header `typ` must equal `typ`, `alg` must be the key's own, the
    /// key must be published at `now`. Claims (exp, iss, …) are the caller's to check.
    fn verify(&self, token: &str, typ: &str, now: UnixTime) -> Result<VerifiedJws, VerifyError>;
    /// The published key set as a serialised JWKS document.
    fn jwks(&self) -> String;
    /// The kid of the active key, if one is loaded.
    fn active_kid(&self) -> Option<String>;
    /// The algorithm of the active key (it decides the hash of `at_hash`).
    fn active_algorithm(&self) -> Option<SigningAlgorithm>;
}
