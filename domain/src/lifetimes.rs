//! How long each kind of credential lives.

/// Lifetimes in seconds. Defaults follow OAuth 2.1 and ASVS: short access tokens (they are
/// self-contained JWTs, so revocation relies on a denylist), codes of at most a minute, refresh
/// families with both an idle and an absolute limit (ASVS 10.4.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetimes {
    /// Access token lifetime.
    pub access_token: i64,
    /// Authorization code lifetime.
    pub authorization_code: i64,
    /// A refresh token unused this long expires.
    pub refresh_idle: i64,
    /// No refresh family outlives this, however often it is used.
    pub refresh_absolute: i64,
    /// ID token lifetime.
    pub id_token: i64,
    /// Tolerance for other parties' clocks.
    pub clock_skew: i64,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            access_token: 900,
            authorization_code: 60,
            refresh_idle: 14 * 24 * 3600,
            refresh_absolute: 90 * 24 * 3600,
            id_token: 3600,
            clock_skew: 30,
        }
    }
}

impl TokenLifetimes {
    /// The longest any signed token can stay valid, plus skew: how long a retired signing key
    /// must stay published.
    pub fn max_signed_token_lifetime(&self) -> i64 {
        self.access_token.max(self.id_token) + self.clock_skew
    }
}

#[cfg(test)]
mod tests;
