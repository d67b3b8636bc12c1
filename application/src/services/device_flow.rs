//! The device authorization grant (RFC 8628) as one use case: a device asks at
//! `/device_authorization` and polls `/token`; a person enters the user code on `/device`,
//! signs in (with their second factor when due) and allows or denies.

use crate::ports::{
    random_token, AuditLog, ClientRepository, Clock, DeviceAuthorizationRepository,
    PasskeyRepository, RandomSource, ResourceRepository, SecondFactorRepository, UserRepository,
};
use crate::services::user_tokens::{TokenSet, UserGrant, UserTokenIssuer};
use crate::services::{ResourceIndicators, TokenError};
use crate::RepositoryError;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    Acr, Client, DeviceAuthorization, DeviceStatus, GrantType, ResourceTarget, ScopeSet,
    TokenDigest, UserCode,
};

mod approval;

pub use approval::{DeviceError, PendingDevice};

/// How device authorizations are handed out.
#[derive(Debug, Clone)]
pub struct DeviceFlowSettings {
    /// The page where people enter the code: the issuer's `/device`.
    pub verification_uri: String,
    /// Seconds both codes live (RFC 8628 §3.2 `expires_in`).
    pub lifetime: i64,
    /// The least seconds between polls at first (`interval`).
    pub interval: i64,
    /// `mfa.required`: the least level every approval needs.
    pub acr_floor: Option<Acr>,
    /// Second factors are asked for at sign-in (`mfa.required` is not `off`): an account that
    /// has one must have used it to approve.
    pub second_factors: bool,
    /// Passkeys can be used here (the issuer has a host name).
    pub passkeys: bool,
}

impl DeviceFlowSettings {
    /// The defaults RFC 8628 suggests: codes for 10 minutes, a poll every 5 seconds.
    pub fn new(verification_uri: impl Into<String>) -> Self {
        Self {
            verification_uri: verification_uri.into(),
            lifetime: 600,
            interval: 5,
            acr_floor: None,
            second_factors: true,
            passkeys: false,
        }
    }
}

/// What the device flow is built on.
pub struct DeviceFlowDeps {
    /// The device authorizations.
    pub devices: Arc<dyn DeviceAuthorizationRepository>,
    /// Registered clients (for the consent page).
    pub clients: Arc<dyn ClientRepository>,
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// TOTP enrolments, to know whether an account has a second factor.
    pub factors: Arc<dyn SecondFactorRepository>,
    /// Passkeys, likewise.
    pub passkeys: Arc<dyn PasskeyRepository>,
    /// The resource registry (RFC 8707).
    pub resources: Arc<dyn ResourceRepository>,
    /// Issues the tokens, as for every other user grant.
    pub issuer: Arc<UserTokenIssuer>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Randomness for both codes and grant ids.
    pub rng: Arc<dyn RandomSource>,
    /// Where decisions are recorded.
    pub audit: Arc<dyn AuditLog>,
    /// The settings.
    pub settings: DeviceFlowSettings,
}

/// The RFC 8628 §3.2 answer to a device authorization request.
#[derive(Debug)]
pub struct DeviceStart {
    /// The code the device polls with (256 bits, stored only as a digest).
    pub device_code: SecretString,
    /// The code the person types.
    pub user_code: UserCode,
    /// The page to type it on.
    pub verification_uri: String,
    /// The same page with the code filled in.
    pub verification_uri_complete: String,
    /// Seconds both codes live.
    pub expires_in: i64,
    /// Seconds between polls.
    pub interval: i64,
}

/// How often a user code is drawn again when it collides with a stored one.
const USER_CODE_DRAWS: usize = 4;

/// The device authorization grant.
pub struct DeviceFlow {
    deps: DeviceFlowDeps,
}

impl DeviceFlow {
    /// Builds the use case.
    pub fn new(deps: DeviceFlowDeps) -> Self {
        Self { deps }
    }

    /// The settings in force.
    pub fn settings(&self) -> &DeviceFlowSettings {
        &self.deps.settings
    }

    /// `POST /device_authorization` for `client` (authenticated, or a public client by id):
    /// the client must hold the device grant; the scope is narrowed like every grant's and
    /// every `resource` must be registered.
    pub async fn start(
        &self,
        client: &Client,
        scope: Option<&str>,
        resources: &[&str],
    ) -> Result<DeviceStart, TokenError> {
        client.ensure_grant(GrantType::DeviceCode)?;
        let requested = scope
            .map(ScopeSet::parse)
            .transpose()
            .map_err(TokenError::InvalidScope)?;
        let scope = client.grant_scope(requested.as_ref())?;
        let target = ResourceIndicators::new(self.deps.resources.clone())
            .resolve(resources)
            .await?;
        let now = self.deps.clock.now();
        let settings = &self.deps.settings;
        for _ in 0..USER_CODE_DRAWS {
            let device_code = random_token(self.deps.rng.as_ref(), 32);
            let user_code = self.draw_user_code()?;
            let device = DeviceAuthorization {
                device_code: TokenDigest::of(&device_code),
                user_code: user_code.digest(),
                client_id: client.id.clone(),
                scope: scope.clone(),
                resources: target.identifiers(),
                status: DeviceStatus::Pending,
                approval: None,
                interval: settings.interval,
                last_polled_at: None,
                created_at: now,
                expires_at: now.plus(settings.lifetime),
            };
            match self.deps.devices.insert(&device).await {
                Ok(()) => {
                    let complete = format!(
                        "{}?user_code={}",
                        settings.verification_uri,
                        user_code.display()
                    );
                    return Ok(DeviceStart {
                        device_code: SecretString::from(device_code),
                        user_code,
                        verification_uri: settings.verification_uri.clone(),
                        verification_uri_complete: complete,
                        expires_in: settings.lifetime,
                        interval: settings.interval,
                    });
                }
                Err(RepositoryError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(RepositoryError::Conflict.into())
    }

    /// A poll at `/token` with `device_code` (RFC 8628 §3.4, §3.5): pending, slow down,
    /// denied, expired, or the tokens, exactly once.
    pub async fn poll(&self, client: &Client, device_code: &str) -> Result<TokenSet, TokenError> {
        self.poll_bound(client, device_code, None).await
    }

    /// [`Self::poll`] with the thumbprint of a checked DPoP proof, if any: the tokens are bound
    /// to that key (RFC 9449 §5).
    pub async fn poll_bound(
        &self,
        client: &Client,
        device_code: &str,
        dpop_jkt: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        client.ensure_grant(GrantType::DeviceCode)?;
        let invalid = |m: &str| TokenError::InvalidGrant(m.to_owned());
        let digest = TokenDigest::of(device_code);
        let devices = &self.deps.devices;
        let device = devices
            .find_by_device_code(&digest)
            .await?
            .filter(|d| d.client_id == client.id)
            .ok_or_else(|| invalid("the device code is not valid"))?;
        if device.status == DeviceStatus::Redeemed {
            return Err(invalid("the device code was already used"));
        }
        let now = self.deps.clock.now();
        if device.is_expired(now) {
            return Err(TokenError::ExpiredToken);
        }
        if device.polled_too_soon(now) {
            devices
                .record_poll(&digest, now, device.slowed_interval())
                .await?;
            return Err(TokenError::SlowDown);
        }
        devices.record_poll(&digest, now, device.interval).await?;
        match device.status {
            DeviceStatus::Pending => return Err(TokenError::AuthorizationPending),
            DeviceStatus::Denied => return Err(TokenError::AccessDenied),
            DeviceStatus::Approved | DeviceStatus::Redeemed => {}
        }
        let redeemed = devices
            .redeem(&digest, now)
            .await?
            .ok_or_else(|| invalid("the device code was already used"))?;
        self.issue(client, redeemed, dpop_jkt).await
    }

    /// The tokens of a redeemed authorization, through the issuer every user grant uses.
    async fn issue(
        &self,
        client: &Client,
        device: DeviceAuthorization,
        dpop_jkt: Option<&str>,
    ) -> Result<TokenSet, TokenError> {
        let invalid = |m: &str| TokenError::InvalidGrant(m.to_owned());
        let approval = device
            .approval
            .ok_or_else(|| invalid("the device authorization was not approved"))?;
        let user = self
            .deps
            .users
            .find(&approval.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| invalid("the user is no longer active"))?;
        let target: ResourceTarget = ResourceIndicators::new(self.deps.resources.clone())
            .lookup(&device.resources)
            .await?;
        let grant_id = random_token(self.deps.rng.as_ref(), 16);
        let grant = UserGrant {
            dpop_jkt,
            client,
            user: &user,
            grant_id: &grant_id,
            scope: &device.scope,
            grant_scope: &device.scope,
            auth_time: approval.auth_time,
            amr: approval.amr,
            nonce: None,
            target: &target,
            grant_resources: &device.resources,
            sid: None,
        };
        let issuer = &self.deps.issuer;
        let (access_token, id_token) = issuer.sign(&grant)?;
        let refresh_token = if UserTokenIssuer::wants_refresh_token(client, &device.scope) {
            Some(issuer.first_refresh_token(&grant).await?)
        } else {
            None
        };
        Ok(TokenSet {
            access_token: SecretString::from(access_token),
            expires_in: issuer.settings().lifetimes.access_token,
            scope: grant.access_scope(),
            refresh_token,
            id_token,
            dpop_bound: false,
        })
    }

    /// A fresh user code, without bias.
    fn draw_user_code(&self) -> Result<UserCode, TokenError> {
        let mut bytes = [0u8; 32];
        for _ in 0..4 {
            self.deps.rng.fill(&mut bytes);
            if let Some(code) = UserCode::from_random(&bytes) {
                return Ok(code);
            }
        }
        Err(TokenError::Crypto(crate::errors::CryptoError::backend(
            "the random source gave no usable bytes for a user code",
        )))
    }
}

#[cfg(test)]
mod tests;
