//! Single-use links sent by email: verifying an address, resetting a password.

use crate::{Email, TokenDigest, UnixTime, UserId};

/// What an emailed link does. Each purpose has its own lifetime, and a token made for one is
/// never accepted for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailTokenPurpose {
    /// Proves the user reads the address (sets `email_verified`).
    VerifyEmail,
    /// Lets the user choose a new password without the old one.
    ResetPassword,
}

impl EmailTokenPurpose {
    /// How long a link stays valid: a day to verify an address, 15 minutes to reset a
    /// password (a reset link is a credential; the shorter its life, the smaller the window
    /// for a leaked mailbox or a proxy log).
    pub fn lifetime_secs(self) -> i64 {
        match self {
            Self::VerifyEmail => 24 * 3_600,
            Self::ResetPassword => 15 * 60,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verify_email" => Some(Self::VerifyEmail),
            "reset_password" => Some(Self::ResetPassword),
            _ => None,
        }
    }
}

/// A link token as stored: only the SHA-256 digest of the 256-bit value in the link is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailToken {
    /// Digest of the token in the link.
    pub digest: TokenDigest,
    /// Whose account it acts on.
    pub user_id: UserId,
    /// What it does.
    pub purpose: EmailTokenPurpose,
    /// The address it was sent to: a verification proves this address, not whatever the
    /// account holds when the link is followed.
    pub email: Email,
    /// When it was made.
    pub created_at: UnixTime,
    /// When it stops working.
    pub expires_at: UnixTime,
}

impl EmailToken {
    /// A token for `purpose` made at `now`, expiring after the purpose's lifetime.
    pub fn new(
        digest: TokenDigest,
        user_id: UserId,
        purpose: EmailTokenPurpose,
        email: Email,
        now: UnixTime,
    ) -> Self {
        Self {
            digest,
            user_id,
            purpose,
            email,
            created_at: now,
            expires_at: now.plus(purpose.lifetime_secs()),
        }
    }

    /// True once the link no longer works.
    pub fn is_expired(&self, now: UnixTime) -> bool {
        !now.is_before(self.expires_at)
    }
}

#[cfg(test)]
mod tests;
