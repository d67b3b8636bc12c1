//! Encryption at rest under keys derived from `secret_key`, one key per purpose.

use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use openssl::symm::{encrypt_aead, Cipher, Crypter, Mode};
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox, SecretString};
use std::fmt;
use tessera_application::errors::CryptoError;
use tessera_application::ports::KeyCipher;

/// Format version, the first byte of every ciphertext, so the scheme can change later.
const VERSION: u8 = 1;
/// AES-GCM nonce length (the 96 bits GCM is designed for).
const NONCE_LEN: usize = 12;
/// AES-GCM tag length: the full 128 bits.
const TAG_LEN: usize = 16;

/// What a cipher encrypts. Each purpose derives its own AES key from `secret_key` under its own
/// label, so no two purposes ever share a key: a ciphertext of one never opens under another,
/// and a flaw in how one purpose uses its key cannot reach another's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherPurpose {
    /// Private signing keys at rest. Keeps the label keys have always been sealed under, so
    /// existing databases still open their keys.
    SigningKeys,
    /// The refresh grace window's stored replays.
    RefreshReplay,
    /// TOTP secrets (ASVS 6.5.2: encrypted at rest under their own key).
    TotpSecrets,
    /// The secrets of `client_secret_jwt` clients, which must be recovered to check an HMAC
    /// (the client id as associated data).
    ClientSecrets,
    /// Our client secrets at upstream identity providers, recovered for their token
    /// endpoints (the upstream id as associated data).
    UpstreamSecrets,
    /// The browser cookies of a pending upstream sign-in (state, nonce, PKCE verifier, the
    /// authorization request) and of a pending link.
    UpstreamLogin,
}

impl CipherPurpose {
    /// The HMAC label the purpose's key is derived under; never reuse one for a new purpose.
    pub fn label(self) -> &'static [u8] {
        match self {
            Self::SigningKeys => b"tessera/signing-key-encryption/v1",
            Self::RefreshReplay => b"tessera/refresh-replay-encryption/v1",
            Self::TotpSecrets => b"tessera/totp-secret-encryption/v1",
            Self::ClientSecrets => b"tessera/client-secret-encryption/v1",
            Self::UpstreamSecrets => b"tessera/upstream-secret/v1",
            Self::UpstreamLogin => b"tessera/upstream-login/v1",
        }
    }
}

/// AES-256-GCM encryption at rest, with a key derived from the configured `secret_key` as
/// HMAC-SHA256(secret_key, label of the [`CipherPurpose`]).
///
/// Ciphertext layout: `1 || nonce (12) || ciphertext || tag (16)`. The nonce is random per
/// encryption; with a handful of keys per secret the 2^-32 collision budget of random GCM
/// nonces is never approached. The caller's associated data (the kid) is authenticated, so a
/// stored key cannot be moved to another row.
pub struct AeadKeyCipher {
    /// `None` only if OpenSSL could not compute the HMAC: every call then fails.
    key: Option<SecretBox<[u8; 32]>>,
}

impl AeadKeyCipher {
    /// Derives the encryption key of `purpose` from `secret`.
    ///
    /// Infallible by signature; if OpenSSL cannot compute the HMAC (it only fails on
    /// allocation), the error is logged and every encrypt and decrypt fails with
    /// [`CryptoError::Backend`], so nothing is ever encrypted under a weak key.
    pub fn from_secret(secret: &SecretString, purpose: CipherPurpose) -> AeadKeyCipher {
        match derive_key(secret.expose_secret().as_bytes(), purpose.label()) {
            Ok(key) => AeadKeyCipher { key: Some(key) },
            Err(e) => {
                log::error!("cannot derive the {purpose:?} encryption key: {e}");
                AeadKeyCipher { key: None }
            }
        }
    }

    fn key(&self) -> Result<&[u8; 32], CryptoError> {
        self.key
            .as_ref()
            .map(ExposeSecret::expose_secret)
            .ok_or_else(|| CryptoError::backend("no encryption key could be derived"))
    }
}

impl fmt::Debug for AeadKeyCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AeadKeyCipher")
            .field("key", &"[REDACTED]")
            .finish()
    }
}

fn derive_key(
    secret: &[u8],
    label: &[u8],
) -> Result<SecretBox<[u8; 32]>, openssl::error::ErrorStack> {
    let pkey = PKey::hmac(secret)?;
    let mut signer = Signer::new(MessageDigest::sha256(), &pkey)?;
    signer.update(label)?;
    let mut key = SecretBox::new(Box::new([0u8; 32]));
    let written = signer.sign(key.expose_secret_mut())?;
    debug_assert_eq!(written, 32);
    Ok(key)
}

fn backend(e: ErrorStack) -> CryptoError {
    CryptoError::failed("key encryption", e)
}

impl KeyCipher for AeadKeyCipher {
    fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = self.key()?;
        let mut nonce = [0u8; NONCE_LEN];
        // A failure here is an error, not an abort: nothing has been handed out yet.
        openssl::rand::rand_bytes(&mut nonce).map_err(backend)?;
        let mut tag = [0u8; TAG_LEN];
        let ciphertext = encrypt_aead(
            Cipher::aes_256_gcm(),
            key,
            Some(&nonce),
            aad,
            plaintext,
            &mut tag,
        )
        .map_err(backend)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len() + TAG_LEN);
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    fn decrypt(&self, ciphertext: &[u8], aad: &[u8]) -> Result<SecretBox<Vec<u8>>, CryptoError> {
        let key = self.key()?;
        let refused = || CryptoError::decrypt(String::from_utf8_lossy(aad), None);
        let (&version, rest) = ciphertext.split_first().ok_or_else(refused)?;
        if version != VERSION || rest.len() < NONCE_LEN + TAG_LEN {
            return Err(refused());
        }
        let (nonce, rest) = rest.split_at(NONCE_LEN);
        let (body, tag) = rest.split_at(rest.len() - TAG_LEN);

        let cipher = Cipher::aes_256_gcm();
        let mut crypter = Crypter::new(cipher, Mode::Decrypt, key, Some(nonce)).map_err(backend)?;
        crypter.aad_update(aad).map_err(backend)?;
        // Decrypt into a zeroizing buffer: before the tag is checked it holds plaintext that
        // must not be left behind in freed memory if the check fails.
        let mut out = SecretBox::new(Box::new(vec![0u8; body.len() + cipher.block_size()]));
        let buf = out.expose_secret_mut();
        let mut n = crypter.update(body, buf).map_err(backend)?;
        crypter.set_tag(tag).map_err(backend)?;
        let tail = buf.get_mut(n..).ok_or_else(refused)?;
        n += crypter.finalize(tail).map_err(|_| refused())?;
        buf.truncate(n);
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
