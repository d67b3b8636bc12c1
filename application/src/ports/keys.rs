use crate::errors::CryptoError;
use crate::RepositoryError;
use async_trait::async_trait;
use secrecy::SecretBox;
use tessera_domain::{SigningAlgorithm, SigningKey};

/// A signing key as stored: public metadata plus the AEAD-encrypted private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSigningKey {
    /// Public half and life cycle.
    pub key: SigningKey,
    /// The PKCS#8 private key, encrypted by a [`KeyCipher`] with the kid as associated data.
    pub encrypted_private_key: Vec<u8>,
}

/// Where signing keys live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SigningKeyRepository: Send + Sync {
    /// Every key, newest first.
    async fn list(&self) -> Result<Vec<StoredSigningKey>, RepositoryError>;
    /// In one transaction: updates the state of `updated` keys and inserts `inserted` ones,
    /// so a rotation is never seen half-done (no moment with zero or two active keys).
    async fn save(
        &self,
        updated: Vec<SigningKey>,
        inserted: Vec<StoredSigningKey>,
    ) -> Result<(), RepositoryError>;
}

/// A freshly generated key pair.
pub struct GeneratedKey {
    /// PKCS#8 DER of the private key.
    pub private_pkcs8_der: SecretBox<Vec<u8>>,
    /// The public JWK (without `kid`, `alg`, `use`; the engine adds them).
    pub public_jwk: serde_json::Map<String, serde_json::Value>,
}

/// Makes key pairs.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait KeyGenerator: Send + Sync {
    /// Generates a key pair for `alg` (RSA 2048 for RS256, P-256, Ed25519).
    fn generate(&self, alg: SigningAlgorithm) -> Result<GeneratedKey, CryptoError>;
}

/// Encrypts private keys (and the refresh grace window's replays) at rest with a key derived
/// from the configured `secret_key`. Each use gets its own instance with its own derived key,
/// and callers bind each ciphertext to its place by the associated data.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait KeyCipher: Send + Sync {
    /// Encrypts `plaintext`, authenticating `aad` with it.
    fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Decrypts; fails (never returns garbage) on a wrong key or altered data.
    fn decrypt(&self, ciphertext: &[u8], aad: &[u8]) -> Result<SecretBox<Vec<u8>>, CryptoError>;
}
