//! Second factors: TOTP (RFC 6238), recovery codes, and the passkeys people register.
//!
//! The rules live here (which code matches which time step, what a recovery code looks like,
//! what a passkey's name may be); storing the secrets encrypted and remembering used steps is
//! the application's job.

use crate::{TokenDigest, UnixTime, UserId};
use std::fmt;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// A TOTP time step lasts 30 seconds (RFC 6238 §4, the value every authenticator app uses).
pub const TOTP_STEP_SECS: i64 = 30;
/// How many recovery codes a confirmation or a renewal hands out.
pub const RECOVERY_CODES: usize = 10;
/// The most characters a passkey's name may have.
pub const MAX_PASSKEY_NAME_CHARS: usize = 64;

/// Why a TOTP secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// Stored bytes are not a 160-bit secret.
    #[error("a TOTP secret is 20 bytes")]
    Length,
    /// The account name cannot go into an `otpauth://` label.
    #[error("the account name cannot be put into an otpauth URI")]
    Label,
}

/// A 160-bit TOTP secret (RFC 4226 §4 recommends 160 bits). Never printed.
#[derive(Clone)]
pub struct TotpSecret([u8; 20]);

impl TotpSecret {
    /// A secret from 20 random bytes.
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    /// A secret read back from storage (after decryption).
    pub fn from_stored(bytes: &[u8]) -> Result<Self, TotpError> {
        <[u8; 20]>::try_from(bytes)
            .map(Self)
            .map_err(|_| TotpError::Length)
    }

    /// The raw bytes, to encrypt for storage.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// The Base32 form (no padding) people type into an authenticator app.
    pub fn base32(&self) -> String {
        Secret::new_stack(self.0).to_base32()
    }

    fn totp(&self, account: &str, issuer: Option<&str>) -> Result<Totp, TotpError> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(TOTP_STEP_SECS.unsigned_abs())
            .with_secret(Secret::new_stack(self.0))
            .with_account_name(account)
            .with_issuer(issuer)
            .build()
            .map_err(|_| TotpError::Label)
    }

    /// The time step whose code `code` is, looking one step either side of `now` (RFC 6238
    /// §5.2); codes are compared in constant time. The caller accepts the step only if it is
    /// later than the last one used, so each code works once.
    pub fn matching_step(&self, code: &str, now: UnixTime) -> Option<i64> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let totp = self.totp("", None).ok()?;
        let now = u64::try_from(now.as_secs()).ok()?;
        totp.check(code, now).and_then(|s| i64::try_from(s).ok())
    }

    /// The code for time step `step` (what an authenticator app shows during it).
    pub fn code_at_step(&self, step: i64) -> String {
        let time = u64::try_from(step.saturating_mul(TOTP_STEP_SECS)).unwrap_or(0);
        self.totp("", None)
            .map(|t| t.generate(time).to_string())
            .unwrap_or_default()
    }

    /// The `otpauth://totp/...` URI an authenticator app reads from the QR code: the label is
    /// `issuer:account`, with `issuer=` repeated as Google Authenticator's key-uri format asks.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<String, TotpError> {
        let issuer = issuer.replace(':', " ");
        self.totp(account, Some(&issuer))?
            .to_url()
            .map_err(|_| TotpError::Label)
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

/// The time step `now` falls in.
pub fn totp_step(now: UnixTime) -> i64 {
    now.as_secs().div_euclid(TOTP_STEP_SECS)
}

/// A recovery code: 80 random bits as 16 Base32 letters in four groups (`abcd-efgh-ijkl-mnop`).
/// Stored only as a digest; 80 bits make the fast digest safe, as for other opaque secrets.
pub struct RecoveryCode;

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

impl RecoveryCode {
    /// The code shown to the person for 10 random bytes.
    pub fn format(random: [u8; 10]) -> String {
        let mut bits: u128 = 0;
        for b in random {
            bits = (bits << 8) | u128::from(b);
        }
        let mut out = String::with_capacity(19);
        for i in 0..16u32 {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            let index = usize::try_from((bits >> (75 - 5 * i)) & 31).unwrap_or(0);
            out.push(char::from(BASE32.get(index).copied().unwrap_or(b'a')));
        }
        out
    }

    /// The canonical form of what a person typed (case, spaces and hyphens ignored), or `None`
    /// when it cannot be a recovery code.
    pub fn normalise(input: &str) -> Option<String> {
        let s: String = input
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        (s.len() == 16 && s.bytes().all(|b| BASE32.contains(&b))).then_some(s)
    }

    /// The stored digest of a code, in any of the forms [`Self::normalise`] accepts.
    pub fn digest(input: &str) -> Option<TokenDigest> {
        Self::normalise(input).map(|s| TokenDigest::of(&s))
    }
}

/// True for a name a person may give a passkey: 1 to 64 characters, no control characters.
pub fn is_valid_passkey_name(name: &str) -> bool {
    let trimmed = name.trim();
    !trimmed.is_empty()
        && trimmed.chars().count() <= MAX_PASSKEY_NAME_CHARS
        && !trimmed.chars().any(char::is_control)
}

/// A registered passkey (a WebAuthn credential).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    /// Tessera's id for it (random, URL-safe), used in the account API.
    pub id: String,
    /// Whose it is.
    pub user_id: UserId,
    /// The name the person gave it.
    pub name: String,
    /// The authenticator's credential id.
    pub credential_id: Vec<u8>,
    /// The WebAuthn library's record of the credential (public key, counter, flags), opaque
    /// here; updated after each use.
    pub credential: String,
    /// Backup eligible (a synced passkey): a software key in `amr`.
    pub synced: bool,
    /// When it was registered.
    pub created_at: UnixTime,
    /// When it was last used to sign in.
    pub last_used_at: Option<UnixTime>,
}

#[cfg(test)]
mod tests;
