//! Key pair generation.

use super::jwk::public_members;
use base64::Engine;
use josekit::jwk::KeyPair;
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use pkcs8::EncodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use secrecy::{ExposeSecret, SecretBox};
use serde_json::{Map, Value};
use tessera_application::errors::CryptoError;
use tessera_application::ports::{GeneratedKey, KeyGenerator};
use tessera_domain::SigningAlgorithm;

/// RSA modulus size for RS256 keys.
const RSA_BITS: usize = 2048;

/// Generates signing key pairs: RSA 2048 with the `rsa` crate (generation and PKCS#8 encoding
/// only; signing goes through OpenSSL), P-256 and Ed25519 with OpenSSL. The public JWK is read
/// back from the encoded private key by josekit, so it always matches what will sign.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyPairGenerator;

impl KeyGenerator for KeyPairGenerator {
    fn generate(&self, alg: SigningAlgorithm) -> Result<GeneratedKey, CryptoError> {
        match alg {
            SigningAlgorithm::Rs256 => generate_rsa(),
            SigningAlgorithm::Es256 => {
                let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)
                    .map_err(|e| backend("P-256 key generation", e))?;
                let key = EcKey::generate(&group)
                    .and_then(PKey::from_ec_key)
                    .map_err(|e| backend("P-256 key generation", e))?;
                let der = pkcs8_der(&key)?;
                let pair = josekit::jws::ES256
                    .key_pair_from_der(der.expose_secret())
                    .map_err(|e| backend("P-256 key decoding", e))?;
                finish(der, &pair)
            }
            SigningAlgorithm::EdDsa => {
                let key =
                    PKey::generate_ed25519().map_err(|e| backend("Ed25519 key generation", e))?;
                let der = pkcs8_der(&key)?;
                let pair = josekit::jws::EdDSA
                    .key_pair_from_der(der.expose_secret())
                    .map_err(|e| backend("Ed25519 key decoding", e))?;
                finish(der, &pair)
            }
        }
    }
}

fn generate_rsa() -> Result<GeneratedKey, CryptoError> {
    let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)
        .map_err(|e| backend("RSA key generation", e))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| backend("PKCS#8 encoding", e))?;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut public_jwk = Map::new();
    public_jwk.insert("kty".into(), Value::from("RSA"));
    public_jwk.insert("n".into(), Value::from(b64.encode(key.n().to_bytes_be())));
    public_jwk.insert("e".into(), Value::from(b64.encode(key.e().to_bytes_be())));
    Ok(GeneratedKey {
        // `SecretDocument` zeroizes its own buffer on drop; this copy lives in a `SecretBox`.
        private_pkcs8_der: SecretBox::new(Box::new(der.as_bytes().to_vec())),
        public_jwk,
    })
}

/// PKCS#8 PrivateKeyInfo, explicitly: OpenSSL's plain `private_key_to_der` writes the
/// traditional SEC1 form for EC keys.
fn pkcs8_der(key: &PKey<Private>) -> Result<SecretBox<Vec<u8>>, CryptoError> {
    key.private_key_to_pkcs8()
        .map(|der| SecretBox::new(Box::new(der)))
        .map_err(|e| backend("PKCS#8 encoding", e))
}

fn finish(der: SecretBox<Vec<u8>>, pair: &dyn KeyPair) -> Result<GeneratedKey, CryptoError> {
    let jwk: Map<String, Value> = pair.to_jwk_public_key().into();
    Ok(GeneratedKey {
        private_pkcs8_der: der,
        public_jwk: public_members(&jwk)?,
    })
}

fn backend(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> CryptoError {
    CryptoError::failed(what, e)
}

#[cfg(test)]
mod tests;
