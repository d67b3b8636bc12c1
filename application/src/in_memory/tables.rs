//! The rows of the in-memory store, one map per SQL table, keyed like the table.

use std::collections::{BTreeMap, HashMap};

use tessera_domain::{
    ApiKey, AuditEvent, AuthorizationCode, BrowserSession, Client, ClientId, Consent,
    DeviceAuthorization, EmailToken, LogoutDelivery, Passkey, RefreshToken, Resource,
    SessionClient, UnixTime, User, UserId,
};

use crate::ports::{Challenge, PushedRequest, StoredSigningKey, StoredTotp};
use crate::RepositoryError;

/// A digest as a map key (`TokenDigest` is deliberately not `Hash`).
pub(super) type DigestKey = [u8; 32];

/// An authorization code with its redemption mark.
#[derive(Clone)]
pub(super) struct CodeRow {
    pub(super) code: AuthorizationCode,
    pub(super) used_at: Option<UnixTime>,
}

/// A refresh token with its marks, as the `refresh_tokens` table keeps them.
#[derive(Clone)]
pub(super) struct RefreshRow {
    pub(super) token: RefreshToken,
    pub(super) used_at: Option<UnixTime>,
    pub(super) replay: Option<Vec<u8>>,
    pub(super) replay_count: u32,
    pub(super) revoked: bool,
}

/// A recovery code's use mark, as the `recovery_codes` table keeps it (its creation time is
/// never read back).
#[derive(Clone)]
pub(super) struct RecoveryCodeRow {
    pub(super) used_at: Option<UnixTime>,
}

/// A queued back-channel logout with its finishing marks, as `logout_deliveries` keeps it.
#[derive(Clone)]
pub(super) struct DeliveryRow {
    pub(super) delivery: LogoutDelivery,
    pub(super) delivered_at: Option<UnixTime>,
    pub(super) failed_at: Option<UnixTime>,
}

/// Every table.
#[derive(Default)]
pub(super) struct Tables {
    /// By user id.
    pub(super) users: BTreeMap<String, User>,
    /// By client id.
    pub(super) clients: BTreeMap<String, Client>,
    /// The `first_used_at` column of `clients`, by client id (set once).
    pub(super) client_first_use: HashMap<String, UnixTime>,
    /// Roles by (user id, role), as `user_roles` keeps them.
    pub(super) user_roles: BTreeMap<(String, tessera_domain::Role), tessera_domain::RoleGrant>,
    /// By identifier.
    pub(super) resources: BTreeMap<String, Resource>,
    pub(super) codes: HashMap<DigestKey, CodeRow>,
    pub(super) refresh_tokens: HashMap<DigestKey, RefreshRow>,
    /// Denylisted `jti` → when its token expires.
    pub(super) revoked_jtis: HashMap<String, UnixTime>,
    pub(super) sessions: HashMap<DigestKey, BrowserSession>,
    /// By (user id, client id).
    pub(super) consents: BTreeMap<(String, String), Consent>,
    pub(super) email_tokens: HashMap<DigestKey, EmailToken>,
    /// By prefix.
    pub(super) api_keys: BTreeMap<String, ApiKey>,
    /// By id, increasing with insertion.
    pub(super) audit: BTreeMap<i64, AuditEvent>,
    pub(super) last_audit_id: i64,
    /// By kid.
    pub(super) signing_keys: BTreeMap<String, StoredSigningKey>,
    /// TOTP enrolments by user id.
    pub(super) totp: BTreeMap<String, StoredTotp>,
    /// By (user id, digest).
    pub(super) recovery_codes: BTreeMap<(String, DigestKey), RecoveryCodeRow>,
    /// By Tessera's passkey id; credential ids are unique across them.
    pub(super) passkeys: BTreeMap<String, Passkey>,
    /// Pending ceremonies; no user reference (as the SQL table has none).
    pub(super) challenges: HashMap<DigestKey, Challenge>,
    /// Device authorizations by device-code digest.
    pub(super) device_authorizations: HashMap<DigestKey, DeviceAuthorization>,
    /// Single-use `jti` keys (see [`crate::ports::replay_key`]) → until when they are kept.
    pub(super) used_jtis: HashMap<DigestKey, UnixTime>,
    /// By (sid, client id).
    pub(super) session_clients: BTreeMap<(String, String), SessionClient>,
    /// Back-channel logout deliveries by id.
    pub(super) logout_deliveries: BTreeMap<String, DeliveryRow>,
    /// Pushed authorization requests (RFC 9126) by `request_uri` digest.
    pub(super) pushed_requests: HashMap<DigestKey, PushedRequest>,
}

impl Tables {
    /// What a `REFERENCES users (id)` column refuses: a row of a user not stored.
    pub(super) fn require_user(&self, id: &UserId) -> Result<(), RepositoryError> {
        if self.users.contains_key(id.as_str()) {
            Ok(())
        } else {
            Err(RepositoryError::other(format!(
                "foreign key violated: user {id} is not stored"
            )))
        }
    }

    /// What a `REFERENCES clients (id)` column refuses: a row of a client not stored.
    pub(super) fn require_client(&self, id: &ClientId) -> Result<(), RepositoryError> {
        if self.clients.contains_key(id.as_str()) {
            Ok(())
        } else {
            Err(RepositoryError::other(format!(
                "foreign key violated: client {id:?} is not stored"
            )))
        }
    }

    /// What `ON DELETE CASCADE` does when user `id` goes.
    pub(super) fn cascade_user(&mut self, id: &str) {
        self.sessions.retain(|_, s| s.user_id.as_str() != id);
        self.consents.retain(|(user, _), _| user != id);
        self.codes.retain(|_, c| c.code.user_id.as_str() != id);
        self.refresh_tokens
            .retain(|_, r| r.token.user_id.as_str() != id);
        self.email_tokens.retain(|_, t| t.user_id.as_str() != id);
        self.totp.remove(id);
        self.recovery_codes.retain(|(user, _), _| user != id);
        self.passkeys.retain(|_, p| p.user_id.as_str() != id);
        self.device_authorizations
            .retain(|_, d| d.approval.as_ref().is_none_or(|a| a.user_id.as_str() != id));
        self.session_clients.retain(|_, e| e.user_id.as_str() != id);
        self.user_roles.retain(|(user, _), _| user != id);
    }

    /// What `ON DELETE CASCADE` does when client `id` goes.
    pub(super) fn cascade_client(&mut self, id: &str) {
        self.consents.retain(|(_, client), _| client != id);
        self.codes.retain(|_, c| c.code.client_id.as_str() != id);
        self.refresh_tokens
            .retain(|_, r| r.token.client_id.as_str() != id);
        self.device_authorizations
            .retain(|_, d| d.client_id.as_str() != id);
        self.session_clients.retain(|(_, client), _| client != id);
        self.logout_deliveries
            .retain(|_, r| r.delivery.client_id.as_str() != id);
    }
}
