//! The person's side of the device flow on `/device`: the user code looked up, the level of
//! sign-in it needs, and the decision.

use super::DeviceFlow;
use crate::RepositoryError;
use crate::RequestContext;
use tessera_domain::{
    Acr, AuditAction, AuditOutcome, BrowserSession, Client, DeviceApproval, ResourceTarget,
    ScopeSet, User, UserCode, UserId,
};

use crate::services::ResourceIndicators;

/// Why a user code cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// Not a code, no such code, or no longer pending (decided or expired). One answer for
    /// all, and each is counted by the edge's throttle.
    #[error("the code is not valid")]
    UnknownCode,
    /// The session's sign-in is below the level the approval needs: sign in again.
    #[error("a stronger sign-in is needed")]
    SignInRequired,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// A pending device authorization as the consent page shows it.
#[derive(Debug, Clone)]
pub struct PendingDevice {
    /// The code, normalised.
    pub user_code: UserCode,
    /// The client (device) asking.
    pub client: Client,
    /// What it asks for.
    pub scope: ScopeSet,
    /// The resources it asks for, with their names.
    pub resources: ResourceTarget,
}

impl DeviceFlow {
    /// The pending, unexpired authorization a typed user code names.
    pub async fn pending(&self, typed: &str) -> Result<PendingDevice, DeviceError> {
        let user_code = UserCode::parse(typed).map_err(|_| DeviceError::UnknownCode)?;
        let now = self.deps.clock.now();
        let device = self
            .deps
            .devices
            .find_by_user_code(&user_code.digest())
            .await?
            .filter(|d| d.awaits_decision(now))
            .ok_or(DeviceError::UnknownCode)?;
        let client = self
            .deps
            .clients
            .find(&device.client_id)
            .await?
            .ok_or(DeviceError::UnknownCode)?;
        // A resource deleted since the device asked: the request cannot be honoured any more.
        let resources = ResourceIndicators::new(self.deps.resources.clone())
            .lookup(&device.resources)
            .await
            .map_err(|e| match e {
                crate::services::TargetError::Repository(r) => DeviceError::Repository(r),
                crate::services::TargetError::Invalid(_) => DeviceError::UnknownCode,
            })?;
        Ok(PendingDevice {
            user_code,
            client,
            scope: device.scope,
            resources,
        })
    }

    /// The least level of sign-in approving `pending` as `user` needs, as `/authorize` decides
    /// it: `mfa` for a client that requires it, under `mfa.required`, and for an account that
    /// has a second factor (which its owner is asked for at every sign-in).
    pub async fn required_level(
        &self,
        pending: &PendingDevice,
        user: &UserId,
    ) -> Result<Option<Acr>, DeviceError> {
        let settings = &self.deps.settings;
        let has_factor = if settings.second_factors {
            let totp = self
                .deps
                .factors
                .totp(user)
                .await?
                .is_some_and(|t| t.confirmed);
            totp || (settings.passkeys && !self.deps.passkeys.list_for_user(user).await?.is_empty())
        } else {
            false
        };
        Ok([
            pending.client.require_mfa.then_some(Acr::MultiFactor),
            settings.acr_floor,
            has_factor.then_some(Acr::MultiFactor),
        ]
        .into_iter()
        .flatten()
        .max())
    }

    /// The live account behind `session`, for the consent page (`None` once disabled).
    pub async fn signed_in_user(
        &self,
        session: &BrowserSession,
    ) -> Result<Option<User>, DeviceError> {
        Ok(self
            .deps
            .users
            .find(&session.user_id)
            .await?
            .filter(|u| !u.disabled))
    }

    /// True when `session` may answer `pending` without signing in again.
    pub async fn session_suffices(
        &self,
        pending: &PendingDevice,
        session: &BrowserSession,
    ) -> Result<bool, DeviceError> {
        let wanted = self.required_level(pending, &session.user_id).await?;
        Ok(wanted.is_none_or(|w| session.amr.acr().satisfies(w)))
    }

    /// The person's answer on the consent page: allow or deny the authorization `typed`
    /// names, as the signed-in `session`. Only a pending, unexpired one changes, once.
    pub async fn answer(
        &self,
        ctx: &RequestContext,
        typed: &str,
        session: &BrowserSession,
        allow: bool,
    ) -> Result<PendingDevice, DeviceError> {
        let pending = self.pending(typed).await?;
        if !self.session_suffices(&pending, session).await? {
            return Err(DeviceError::SignInRequired);
        }
        let approval = allow.then(|| DeviceApproval {
            user_id: session.user_id.clone(),
            auth_time: session.auth_time,
            amr: session.amr,
        });
        let decided = self
            .deps
            .devices
            .decide(&pending.user_code.digest(), approval.as_ref(), ctx.now)
            .await?;
        if !decided {
            return Err(DeviceError::UnknownCode);
        }
        let outcome = if allow {
            AuditOutcome::Success
        } else {
            AuditOutcome::Failure
        };
        self.deps.audit.record(
            ctx.audit(AuditAction::ConsentGiven, outcome)
                .subject(session.user_id.as_str())
                .client(pending.client.id.as_str())
                .detail(if allow {
                    "device: allow"
                } else {
                    "device: deny"
                }),
        );
        Ok(pending)
    }
}
