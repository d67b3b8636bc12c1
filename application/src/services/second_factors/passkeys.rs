//! Passkeys: registration on the account page or API, renaming and removal, and the sign-in
//! ceremony (passwordless with a discoverable credential, or as the second factor).

use super::{SecondFactorError, SecondFactors};
use crate::ports::{ChallengePurpose, MailTemplate, PasskeyError};
use crate::{RepositoryError, RequestContext};
use secrecy::SecretString;
use tessera_domain::{
    is_valid_passkey_name, AuditAction, AuditOutcome, AuthMethods, Passkey, User, UserId,
};

/// How long a passkey ceremony may take before its challenge is void.
const CEREMONY_SECS: i64 = 300;

/// A started passkey ceremony: the handle the browser sends back with its answer, and the
/// options for `navigator.credentials.create` / `get` (JSON).
#[derive(Debug)]
pub struct PasskeyChallenge {
    /// Single-use handle of the stored challenge.
    pub handle: SecretString,
    /// The WebAuthn options (JSON).
    pub options: String,
}

/// A passkey sign-in that verified: whose account, and how.
#[derive(Debug)]
pub struct PasskeySignIn {
    /// The account the passkey belongs to.
    pub user: User,
    /// `hwk`/`swk`, `user`, `mfa`.
    pub amr: AuthMethods,
}

impl SecondFactors {
    /// Starts registering a passkey for `user` (a discoverable credential with user
    /// verification; the account's existing ones are excluded).
    pub async fn start_passkey_registration(
        &self,
        user: &User,
    ) -> Result<PasskeyChallenge, SecondFactorError> {
        self.require_passkeys()?;
        let existing = self.deps.passkeys.list_for_user(&user.id).await?;
        let display = user.name.clone().unwrap_or_else(|| user.email.to_string());
        let start = self.deps.ceremonies.start_registration(
            user_handle(&user.id),
            user.email.as_str(),
            &display,
            &existing,
        )?;
        let handle = self
            .store_challenge(
                ChallengePurpose::PasskeyRegistration,
                Some(&user.id),
                start.state,
                CEREMONY_SECS,
            )
            .await?;
        Ok(PasskeyChallenge {
            handle,
            options: start.options,
        })
    }

    /// Finishes a registration with the browser's answer and stores the passkey as `name`.
    pub async fn finish_passkey_registration(
        &self,
        ctx: &RequestContext,
        user: &User,
        handle: &SecretString,
        name: &str,
        response: &str,
    ) -> Result<Passkey, SecondFactorError> {
        let name = name.trim();
        if !is_valid_passkey_name(name) {
            return Err(SecondFactorError::InvalidName);
        }
        let challenge = self
            .take_challenge(handle, ChallengePurpose::PasskeyRegistration)
            .await?;
        if challenge.user_id.as_ref() != Some(&user.id) {
            return Err(SecondFactorError::Expired);
        }
        let credential = self
            .deps
            .ceremonies
            .finish_registration(response, &challenge.payload)?;
        let passkey = Passkey {
            id: crate::ports::random_token(self.deps.rng.as_ref(), 12),
            user_id: user.id.clone(),
            name: name.to_owned(),
            credential_id: credential.credential_id,
            credential: credential.credential,
            synced: credential.synced,
            created_at: ctx.now,
            last_used_at: None,
        };
        match self.deps.passkeys.insert(&passkey).await {
            Ok(()) => {}
            Err(RepositoryError::Conflict) => {
                return Err(SecondFactorError::Passkey(PasskeyError::Invalid(
                    "this passkey is registered already".to_owned(),
                )))
            }
            Err(e) => return Err(e.into()),
        }
        self.audit_change(ctx, user, AuditAction::PasskeyAdded, name);
        self.mail_with(
            MailTemplate::new("passkey_added", &[("name", name)]),
            user,
            "A passkey was added",
            format!(
                "A passkey named {name:?} was added to your account.\n\nIf this was not you, \
                 remove it on your account page and reset your password."
            ),
        )
        .await;
        Ok(passkey)
    }

    /// Renames one of the account's passkeys.
    pub async fn rename_passkey(
        &self,
        ctx: &RequestContext,
        user: &User,
        id: &str,
        name: &str,
    ) -> Result<(), SecondFactorError> {
        let name = name.trim();
        if !is_valid_passkey_name(name) {
            return Err(SecondFactorError::InvalidName);
        }
        if !self.deps.passkeys.rename(&user.id, id, name).await? {
            return Err(SecondFactorError::NotFound);
        }
        self.audit_change(
            ctx,
            user,
            AuditAction::PasskeyRemoved,
            &format!("renamed to {name}"),
        );
        Ok(())
    }

    /// Removes one of the account's passkeys; audited and mailed.
    pub async fn remove_passkey(
        &self,
        ctx: &RequestContext,
        user: &User,
        id: &str,
    ) -> Result<(), SecondFactorError> {
        if !self.deps.passkeys.delete(&user.id, id).await? {
            return Err(SecondFactorError::NotFound);
        }
        self.audit_change(ctx, user, AuditAction::PasskeyRemoved, id);
        self.mail_with(
            MailTemplate::new("passkey_removed", &[]),
            user,
            "A passkey was removed",
            "A passkey was removed from your account.\n\nIf this was not you, reset your \
             password at once."
                .to_owned(),
        )
        .await;
        Ok(())
    }

    /// Starts a passkey sign-in: for `user`'s passkeys (the second step after a password), or
    /// discoverable (`None`: the login page's passwordless button).
    pub async fn start_passkey_sign_in(
        &self,
        user: Option<&UserId>,
    ) -> Result<PasskeyChallenge, SecondFactorError> {
        self.require_passkeys()?;
        let allowed = match user {
            Some(u) => self.deps.passkeys.list_for_user(u).await?,
            None => Vec::new(),
        };
        if user.is_some() && allowed.is_empty() {
            return Err(SecondFactorError::NotFound);
        }
        let start = self.deps.ceremonies.start_authentication(&allowed)?;
        let handle = self
            .store_challenge(
                ChallengePurpose::PasskeyAuthentication,
                user,
                start.state,
                CEREMONY_SECS,
            )
            .await?;
        Ok(PasskeyChallenge {
            handle,
            options: start.options,
        })
    }

    /// Finishes a passkey sign-in with the browser's answer. `expected` is the account the
    /// sign-in must be for (the second step after a password); a passkey of another account,
    /// an unknown credential, a failed check or a sign count that went backwards is refused
    /// (and audited).
    pub async fn finish_passkey_sign_in(
        &self,
        ctx: &RequestContext,
        handle: &SecretString,
        response: &str,
        expected: Option<&UserId>,
    ) -> Result<PasskeySignIn, SecondFactorError> {
        let challenge = self
            .take_challenge(handle, ChallengePurpose::PasskeyAuthentication)
            .await?;
        let (credential_id, _user_handle) = self.deps.ceremonies.identify(response)?;
        let Some(passkey) = self
            .deps
            .passkeys
            .find_by_credential_id(&credential_id)
            .await?
        else {
            log::info!("passkey sign-in refused: unknown credential");
            return Err(SecondFactorError::Passkey(PasskeyError::Invalid(
                "unknown passkey".to_owned(),
            )));
        };
        let bound = challenge.user_id.as_ref().or(expected);
        if bound.is_some_and(|u| *u != passkey.user_id) {
            log::warn!("passkey sign-in refused: the passkey belongs to another account");
            return Err(SecondFactorError::Passkey(PasskeyError::Invalid(
                "the passkey belongs to another account".to_owned(),
            )));
        }
        let user = self.active_user(&passkey.user_id).await?;
        let verified =
            match self
                .deps
                .ceremonies
                .finish_authentication(response, &challenge.payload, &passkey)
            {
                Ok(v) => v,
                Err(e) => {
                    let why = match &e {
                        PasskeyError::CounterRegression => "passkey sign count went backwards",
                        _ => "passkey refused",
                    };
                    log::warn!("passkey sign-in of {} refused: {e}", user.id);
                    self.audit_attempt(ctx, &user, AuditOutcome::Failure, why);
                    return Err(e.into());
                }
            };
        if !verified.user_verified {
            self.audit_attempt(ctx, &user, AuditOutcome::Failure, "no user verification");
            return Err(SecondFactorError::Passkey(PasskeyError::Invalid(
                "the authenticator did not verify the person".to_owned(),
            )));
        }
        let stored = verified
            .updated_credential
            .as_deref()
            .unwrap_or(&passkey.credential);
        self.deps
            .passkeys
            .record_use(&passkey.id, stored, ctx.now)
            .await?;
        self.forget_failures(&user).await?;
        self.audit_attempt(ctx, &user, AuditOutcome::Success, "passkey");
        Ok(PasskeySignIn {
            user,
            amr: AuthMethods::passkey(verified.synced),
        })
    }

    fn require_passkeys(&self) -> Result<(), SecondFactorError> {
        if self.deps.ceremonies.available() {
            Ok(())
        } else {
            Err(SecondFactorError::PasskeysUnavailable)
        }
    }
}

/// The WebAuthn user handle of an account: the 16 bytes of its UUID (stable, no personal
/// data, as WebAuthn §14.6.1 asks).
pub fn user_handle(id: &UserId) -> [u8; 16] {
    let mut out = [0u8; 16];
    let hex: Vec<u8> = id.as_str().bytes().filter(|b| *b != b'-').collect();
    for (i, pair) in hex.chunks(2).enumerate() {
        let byte = std::str::from_utf8(pair)
            .ok()
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .unwrap_or(0);
        if let Some(slot) = out.get_mut(i) {
            *slot = byte;
        }
    }
    out
}
