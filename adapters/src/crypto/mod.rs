//! Crypto adapters: the OS clock and CSPRNG, key generation, encryption of private keys at rest,
//! and the JWS engine.
//!
//! Signing and verification go through josekit, which is backed by OpenSSL. The `rsa` crate is
//! used only to generate and encode RSA keys, never to sign: its PKCS#1 v1.5 signing is not
//! constant time (RUSTSEC-2023-0071).

mod cipher;
pub(crate) mod client_jwt;
mod clock;
mod dpop;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod jwk;
mod jws_engine;
pub(crate) mod jws_header;
mod key_generator;
mod key_set;
mod passkeys;
mod password_hasher;
mod random;

#[cfg(test)]
mod test_keys;

pub use cipher::{AeadKeyCipher, CipherPurpose};
pub use client_jwt::{ClientKeySets, JosekitClientJwtVerifier};
pub use clock::SystemClock;
pub use dpop::{HmacDpopNonces, JosekitDpopVerifier, DPOP_NONCE_BUCKET_SECS};
pub use jws_engine::JosekitEngine;
pub use key_generator::KeyPairGenerator;
pub use passkeys::{PasskeySetupError, WebauthnPasskeys};
pub use password_hasher::{Argon2Hasher, Argon2Settings};
pub use random::{generate_secret_key, OsRandom};
