use base64::Engine;

/// A cryptographically secure random source (the OS CSPRNG in production).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait RandomSource: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// A random base64url string of `bytes` bytes of entropy: 32 bytes give the 256 bits Tessera
/// uses for secrets and codes, far past the 2^-160 guessing bound of AS-19.
pub fn random_token(rng: &dyn RandomSource, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rng.fill(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}
