//! How a person authenticated: the methods used (RFC 8176 `amr`) and the level they reach
//! (`acr`). Recorded on the browser session and carried by codes and refresh tokens into the
//! ID tokens, so a relying party learns what happened in that authentication and nothing more.

use std::fmt;

/// One authentication method, named as RFC 8176 §2 registers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// A password (`pwd`).
    Password,
    /// A one-time password: a TOTP code or a recovery code (`otp`).
    OneTimePassword,
    /// A hardware-bound key: a passkey that cannot leave its authenticator (`hwk`).
    HardwareKey,
    /// A software key: a synced passkey, which can leave the device it was made on (`swk`).
    SoftwareKey,
    /// The authenticator checked that the person was there and verified them (`user`).
    UserPresence,
    /// More than one factor was used (`mfa`).
    MultiFactor,
    /// Federated: the person was authenticated by an upstream identity provider (`fed`).
    Federated,
}

impl AuthMethod {
    /// Every method, in the order `amr` lists them.
    pub const ALL: [AuthMethod; 7] = [
        AuthMethod::Password,
        AuthMethod::OneTimePassword,
        AuthMethod::HardwareKey,
        AuthMethod::SoftwareKey,
        AuthMethod::UserPresence,
        AuthMethod::MultiFactor,
        AuthMethod::Federated,
    ];

    /// The RFC 8176 name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "pwd",
            AuthMethod::OneTimePassword => "otp",
            AuthMethod::HardwareKey => "hwk",
            AuthMethod::SoftwareKey => "swk",
            AuthMethod::UserPresence => "user",
            AuthMethod::MultiFactor => "mfa",
            AuthMethod::Federated => "fed",
        }
    }

    fn bit(self) -> u8 {
        match self {
            AuthMethod::Password => 1,
            AuthMethod::OneTimePassword => 2,
            AuthMethod::HardwareKey => 4,
            AuthMethod::SoftwareKey => 8,
            AuthMethod::UserPresence => 16,
            AuthMethod::MultiFactor => 32,
            AuthMethod::Federated => 64,
        }
    }
}

/// The methods of one authentication. `mfa` is never set by hand: it follows from the
/// factors (a password and a one-time code, or a key with user verification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AuthMethods(u8);

/// Why a stored `amr` list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown authentication method {0:?}")]
pub struct AuthMethodsError(String);

impl AuthMethods {
    /// A password alone.
    pub fn password() -> Self {
        Self::default().with(AuthMethod::Password)
    }

    /// A sign-in through an upstream identity provider (RFC 8176 `fed`): what the upstream
    /// checked is its business, so it counts as one factor here.
    pub fn federated() -> Self {
        Self::default().with(AuthMethod::Federated)
    }

    /// A passkey with user verification: possession of the key plus the person's PIN or
    /// biometric, so two factors. `synced` keys (backup eligible) are software keys.
    pub fn passkey(synced: bool) -> Self {
        let key = if synced {
            AuthMethod::SoftwareKey
        } else {
            AuthMethod::HardwareKey
        };
        Self::default()
            .with(key)
            .with(AuthMethod::UserPresence)
            .with(AuthMethod::MultiFactor)
    }

    /// These methods plus `method`, with `mfa` added once two kinds of factor are present.
    pub fn with(self, method: AuthMethod) -> Self {
        let mut bits = self.0 | method.bit();
        let something_you_know = bits & AuthMethod::Password.bit() != 0;
        let something_you_have = bits
            & (AuthMethod::OneTimePassword.bit()
                | AuthMethod::HardwareKey.bit()
                | AuthMethod::SoftwareKey.bit())
            != 0;
        if something_you_know && something_you_have {
            bits |= AuthMethod::MultiFactor.bit();
        }
        Self(bits)
    }

    /// These methods plus every method of `other` (a second factor after a password).
    pub fn and(self, other: AuthMethods) -> Self {
        AuthMethod::ALL
            .into_iter()
            .filter(|m| other.contains(*m))
            .fold(self, AuthMethods::with)
    }

    /// True when `method` was used.
    pub fn contains(self, method: AuthMethod) -> bool {
        self.0 & method.bit() != 0
    }

    /// True when nothing was recorded.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The `amr` claim's values, in a fixed order.
    pub fn amr(self) -> Vec<&'static str> {
        AuthMethod::ALL
            .into_iter()
            .filter(|m| self.contains(*m))
            .map(AuthMethod::as_str)
            .collect()
    }

    /// The level these methods reach.
    pub fn acr(self) -> Acr {
        if self.contains(AuthMethod::HardwareKey) || self.contains(AuthMethod::SoftwareKey) {
            Acr::PhishingResistant
        } else if self.contains(AuthMethod::MultiFactor) {
            Acr::MultiFactor
        } else {
            Acr::SingleFactor
        }
    }

    /// Reads a stored list (space-separated RFC 8176 names). An empty list is a session from
    /// before methods were recorded: a password.
    pub fn parse(s: &str) -> Result<Self, AuthMethodsError> {
        let mut methods = Self::default();
        for name in s.split_ascii_whitespace() {
            let m = AuthMethod::ALL
                .into_iter()
                .find(|m| m.as_str() == name)
                .ok_or_else(|| AuthMethodsError(name.chars().take(16).collect()))?;
            methods = methods.with(m);
        }
        if methods.is_empty() {
            return Ok(Self::password());
        }
        Ok(methods)
    }
}

impl fmt::Display for AuthMethods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.amr().join(" "))
    }
}

/// Authentication context class (`acr`), in increasing strength. `mfa` and `phr` are the
/// values a relying party may ask for with `acr_values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Acr {
    /// One factor (a password): `1`, as Keycloak and others name it.
    SingleFactor,
    /// Two factors (`mfa`).
    MultiFactor,
    /// A phishing-resistant authenticator, a passkey (`phr`, OpenID EAP ACR Values 1.0).
    PhishingResistant,
}

impl Acr {
    /// The values discovery lists in `acr_values_supported`.
    pub const SUPPORTED: [&'static str; 3] = ["1", "mfa", "phr"];

    /// The claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            Acr::SingleFactor => "1",
            Acr::MultiFactor => "mfa",
            Acr::PhishingResistant => "phr",
        }
    }

    /// A value the server knows; unknown ones are ignored (OIDC Core §3.1.2.1: `acr_values`
    /// is a voluntary claim request).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "1" => Some(Acr::SingleFactor),
            "mfa" => Some(Acr::MultiFactor),
            "phr" => Some(Acr::PhishingResistant),
            _ => None,
        }
    }

    /// The level an `acr_values` list (space-separated, in order of preference) asks for: the
    /// weakest known value listed, since any listed value satisfies the request. `None` when
    /// no value is known.
    pub fn requested(acr_values: &str) -> Option<Self> {
        acr_values
            .split_ascii_whitespace()
            .filter_map(Acr::parse)
            .min()
    }

    /// True when an authentication at `self` satisfies a request for `wanted`.
    pub fn satisfies(self, wanted: Acr) -> bool {
        self >= wanted
    }
}

#[cfg(test)]
mod tests;
