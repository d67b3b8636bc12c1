//! `mfa.required`: whether second factors are asked for, and whether everyone must have one.

use tessera_domain::Acr;

/// The second-factor policy (`mfa.required`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MfaPolicy {
    /// Second factors are never asked for (enrolled ones are kept, unused).
    Off,
    /// Asked for from everyone who has one (the default).
    #[default]
    Optional,
    /// Everyone must have one: a person without one is led to enrol before a code is issued.
    Required,
}

impl MfaPolicy {
    /// Parses the configuration value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "off" => Some(Self::Off),
            "optional" => Some(Self::Optional),
            "required" => Some(Self::Required),
            _ => None,
        }
    }

    /// True when an enrolled second factor is asked for at sign-in.
    pub fn asks(self) -> bool {
        self != Self::Off
    }

    /// The least level every code must carry, whatever the client asks: `mfa` when
    /// `required`.
    pub fn floor(self) -> Option<Acr> {
        (self == Self::Required).then_some(Acr::MultiFactor)
    }
}
