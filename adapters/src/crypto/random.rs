//! The OS random source and the development secret key.

use base64::Engine;
use secrecy::zeroize::Zeroize;
use secrecy::SecretString;
use tessera_application::ports::RandomSource;

/// Largest request passed to OpenSSL at once: `RAND_bytes` takes an `int` length.
const MAX_CHUNK: usize = 1 << 20;

/// Random bytes from OpenSSL's CSPRNG, seeded by the operating system.
///
/// [`RandomSource::fill`] cannot report an error, and every caller uses its output for secrets
/// (client secrets, codes, key ids, nonces). If OpenSSL ever fails to produce random bytes,
/// the process aborts: handing out zeroed or predictable bytes would silently make those
/// secrets guessable, while a crash is loud and safe.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(MAX_CHUNK) {
            if let Err(e) = openssl::rand::rand_bytes(chunk) {
                log::error!("the OS random generator failed ({e}); aborting rather than issuing weak secrets");
                std::process::abort();
            }
        }
    }
}

/// A fresh secret key for encrypting signing keys: 32 random bytes (256 bits), base64url
/// without padding, 43 characters. Used to create the development key file.
pub fn generate_secret_key() -> SecretString {
    let mut bytes = [0u8; 32];
    OsRandom.fill(&mut bytes);
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    bytes.zeroize();
    SecretString::from(encoded)
}

#[cfg(test)]
mod tests;
