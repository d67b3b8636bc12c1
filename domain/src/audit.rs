//! Security events worth keeping: who did what, when, from where, and whether it worked.
//!
//! An [`AuditEvent`] is built with a builder that cleans every text field (control characters
//! stripped, length clamped), so an attacker-chosen value (a login name, a client id, an IP
//! header) can neither forge a second log line nor bloat a row. Callers must never put a
//! password, secret, token or key into any field: events describe, they do not carry material.

use std::fmt;

use serde::Serialize;

use crate::UnixTime;

/// Longest text field kept, in characters; anything longer is cut. Enough for an email
/// address, a user or client id, an IPv6 address or a one-line description.
pub const MAX_AUDIT_FIELD_CHARS: usize = 256;

/// What happened. Stored and logged by its snake_case name ([`AuditAction::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A sign-in with the right password.
    LoginSucceeded,
    /// A sign-in refused (wrong password, unknown account, locked or disabled).
    LoginFailed,
    /// Too many failures locked an account.
    AccountLocked,
    /// A token endpoint issued tokens.
    TokenIssued,
    /// A refresh token was exchanged for new tokens.
    TokenRefreshed,
    /// A token was revoked (RFC 7009) or a family withdrawn.
    TokenRevoked,
    /// A used refresh token came back: likely theft, the family is revoked.
    RefreshTokenReuse,
    /// A user granted a client access.
    ConsentGiven,
    /// A user withdrew a grant.
    ConsentRevoked,
    /// A user changed their password knowing the old one.
    PasswordChanged,
    /// A password was set through an emailed reset link.
    PasswordReset,
    /// An address was proven through an emailed link.
    EmailVerified,
    /// An account was deleted.
    AccountDeleted,
    /// An administrator changed something (the detail says what).
    AdminAction,
    /// The signing keys were rotated.
    KeyRotated,
    /// An API key was created.
    ApiKeyCreated,
    /// An API key was revoked.
    ApiKeyRevoked,
    /// A second factor (TOTP code, recovery code or passkey) was accepted at sign-in.
    SecondFactorSucceeded,
    /// A second factor was refused (wrong or replayed code, failed passkey).
    SecondFactorFailed,
    /// TOTP was confirmed and turned on.
    MfaEnabled,
    /// TOTP was turned off by its owner.
    MfaDisabled,
    /// A recovery code was spent (its owner is mailed).
    RecoveryCodeUsed,
    /// A new set of recovery codes replaced the old one.
    RecoveryCodesRenewed,
    /// A passkey was registered.
    PasskeyAdded,
    /// A passkey was removed (or renamed: the detail says).
    PasskeyRemoved,
    /// An administrator removed every second factor of an account.
    MfaReset,
    /// A person signed one of their own browser sessions out from their account page.
    SessionEnded,
    /// A protected resource (RFC 8707) was registered.
    ResourceCreated,
    /// A protected resource was removed from the registry.
    ResourceDeleted,
    /// A token exchange (RFC 8693) was answered or refused; the detail names the subject,
    /// the actor and the audience.
    TokenExchanged,
    /// A client registered itself (RFC 7591).
    ClientRegistered,
    /// A self-registered client changed its registration (RFC 7592).
    ClientUpdated,
    /// A self-registered client deleted its registration (RFC 7592).
    ClientDeleted,
    /// A back-channel logout token reached a client (it answered 200 or 204).
    BackchannelLogoutDelivered,
    /// A back-channel logout token was given up after its last attempt (or its client is
    /// gone); the detail says why, never the token.
    BackchannelLogoutFailed,
    /// An upstream identity provider was registered.
    UpstreamCreated,
    /// An upstream identity provider was removed.
    UpstreamDeleted,
    /// A sign-in through an upstream provider worked or was refused; the detail names the
    /// upstream and, on refusal, why.
    UpstreamSignIn,
    /// An account was linked to an identity at an upstream.
    UpstreamLinked,
    /// A link to an upstream identity was removed.
    UpstreamUnlinked,
}

impl AuditAction {
    /// Every action, for filters and exhaustive tests.
    pub const ALL: [AuditAction; 40] = [
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::AccountLocked,
        Self::TokenIssued,
        Self::TokenRefreshed,
        Self::TokenRevoked,
        Self::RefreshTokenReuse,
        Self::ConsentGiven,
        Self::ConsentRevoked,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::EmailVerified,
        Self::AccountDeleted,
        Self::AdminAction,
        Self::KeyRotated,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::SecondFactorSucceeded,
        Self::SecondFactorFailed,
        Self::MfaEnabled,
        Self::MfaDisabled,
        Self::RecoveryCodeUsed,
        Self::RecoveryCodesRenewed,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
        Self::MfaReset,
        Self::SessionEnded,
        Self::ResourceCreated,
        Self::ResourceDeleted,
        Self::TokenExchanged,
        Self::ClientRegistered,
        Self::ClientUpdated,
        Self::ClientDeleted,
        Self::BackchannelLogoutDelivered,
        Self::BackchannelLogoutFailed,
        Self::UpstreamCreated,
        Self::UpstreamDeleted,
        Self::UpstreamSignIn,
        Self::UpstreamLinked,
        Self::UpstreamUnlinked,
    ];

    /// The stored and logged name; stable, as rows outlive releases.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::AccountLocked => "account_locked",
            Self::TokenIssued => "token_issued",
            Self::TokenRefreshed => "token_refreshed",
            Self::TokenRevoked => "token_revoked",
            Self::RefreshTokenReuse => "refresh_token_reuse",
            Self::ConsentGiven => "consent_given",
            Self::ConsentRevoked => "consent_revoked",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::EmailVerified => "email_verified",
            Self::AccountDeleted => "account_deleted",
            Self::AdminAction => "admin_action",
            Self::KeyRotated => "key_rotated",
            Self::ApiKeyCreated => "api_key_created",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::SecondFactorSucceeded => "second_factor_succeeded",
            Self::SecondFactorFailed => "second_factor_failed",
            Self::MfaEnabled => "mfa_enabled",
            Self::MfaDisabled => "mfa_disabled",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::RecoveryCodesRenewed => "recovery_codes_renewed",
            Self::PasskeyAdded => "passkey_added",
            Self::PasskeyRemoved => "passkey_removed",
            Self::MfaReset => "mfa_reset",
            Self::SessionEnded => "session_ended",
            Self::ResourceCreated => "resource_created",
            Self::ResourceDeleted => "resource_deleted",
            Self::TokenExchanged => "token_exchanged",
            Self::ClientRegistered => "client_registered",
            Self::ClientUpdated => "client_updated",
            Self::ClientDeleted => "client_deleted",
            Self::BackchannelLogoutDelivered => "backchannel_logout_delivered",
            Self::BackchannelLogoutFailed => "backchannel_logout_failed",
            Self::UpstreamCreated => "upstream_created",
            Self::UpstreamDeleted => "upstream_deleted",
            Self::UpstreamSignIn => "upstream_sign_in",
            Self::UpstreamLinked => "upstream_linked",
            Self::UpstreamUnlinked => "upstream_unlinked",
        }
    }

    /// Parses a stored name (or an admin API filter); `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the attempt worked: failures matter as much as successes (guessing, abuse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// It was done.
    Success,
    /// It was refused or failed.
    Failure,
}

impl AuditOutcome {
    /// The stored and logged name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }

    /// Parses a stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            _ => None,
        }
    }
}

impl fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One security event. Build it with [`AuditEvent::new`] and the builder methods, which clean
/// every text field; the fields are public for reading and for rebuilding stored rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// When it happened.
    pub at: UnixTime,
    /// What happened.
    pub action: AuditAction,
    /// Whether it worked.
    pub outcome: AuditOutcome,
    /// Who did it: a user id, an admin, a client acting for itself.
    pub actor: Option<String>,
    /// Whom or what it was done to: the account, the key, the token family.
    pub subject: Option<String>,
    /// The OAuth client involved.
    pub client_id: Option<String>,
    /// The remote address of the request.
    pub ip: Option<String>,
    /// A short description, e.g. `grant=client_credentials`; never secret material.
    pub detail: Option<String>,
}

impl AuditEvent {
    /// An event with no actor, subject, client, address or detail yet.
    pub fn new(at: UnixTime, action: AuditAction, outcome: AuditOutcome) -> Self {
        Self {
            at,
            action,
            outcome,
            actor: None,
            subject: None,
            client_id: None,
            ip: None,
            detail: None,
        }
    }

    /// Sets who did it (cleaned; an empty value leaves it unset).
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = clean_field(actor.into());
        self
    }

    /// Sets whom or what it was done to (cleaned; an empty value leaves it unset).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = clean_field(subject.into());
        self
    }

    /// Sets the OAuth client involved (cleaned; an empty value leaves it unset).
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = clean_field(client_id.into());
        self
    }

    /// Sets the remote address (cleaned; an empty value leaves it unset).
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = clean_field(ip.into());
        self
    }

    /// Sets the short description (cleaned; an empty value leaves it unset).
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = clean_field(detail.into());
        self
    }

    /// The same event with every text field cleaned again: for events built field by field
    /// (or read back from storage) before they are logged or stored.
    pub fn sanitized(self) -> Self {
        Self {
            actor: self.actor.and_then(clean_field),
            subject: self.subject.and_then(clean_field),
            client_id: self.client_id.and_then(clean_field),
            ip: self.ip.and_then(clean_field),
            detail: self.detail.and_then(clean_field),
            ..self
        }
    }
}

/// Characters that could break a log line or hide text from a reader: controls (newlines,
/// escapes), the Unicode line and paragraph separators, and bidirectional overrides.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `value` without unsafe characters, cut to [`MAX_AUDIT_FIELD_CHARS`]; `None` when nothing
/// is left. Returns the input untouched (no copy) when it is already clean.
fn clean_field(value: String) -> Option<String> {
    let clean = if value.chars().any(is_unsafe_char) {
        value.chars().filter(|c| !is_unsafe_char(*c)).collect()
    } else {
        value
    };
    let clean = match clean.char_indices().nth(MAX_AUDIT_FIELD_CHARS) {
        Some((cut, _)) => clean[..cut].to_owned(),
        None => clean,
    };
    (!clean.is_empty()).then_some(clean)
}

#[cfg(test)]
mod tests;
