//! Keys shared by the crypto tests: RSA generation is slow, so one key serves them all.

use super::KeyPairGenerator;
use std::sync::OnceLock;
use tessera_application::ports::{GeneratedKey, KeyGenerator};
use tessera_domain::SigningAlgorithm;

/// One RSA 2048 key for the whole test run.
pub(crate) fn rsa_key() -> &'static GeneratedKey {
    static KEY: OnceLock<GeneratedKey> = OnceLock::new();
    KEY.get_or_init(|| KeyPairGenerator.generate(SigningAlgorithm::Rs256).unwrap())
}
