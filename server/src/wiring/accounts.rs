//! The accounts side: sign-in, registration, emailed links and the mail queue behind them,
//! account settings and the JSON account API.

use super::oauth::Tokens;
use super::{Core, WiringError};
use crate::config::{Config, Environment, MailDelivery};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_adapters::crypto::{AeadKeyCipher, CipherPurpose, WebauthnPasskeys};
use tessera_adapters::http::RateLimiter;
use tessera_adapters::mail::MailQueue;
use tessera_application::ports::{AuditLog, PasswordHasher};
use tessera_application::services::{
    AccountApi, AccountApiDeps, AccountSettings, Accounts, EmailLinks, EmailLinksDeps,
    SecondFactors, SecondFactorsDeps,
};

/// The account services.
pub struct AccountServices {
    /// Sign-in and account creation (one shared hasher, R-08).
    pub accounts: Arc<Accounts>,
    /// Verification and reset links by mail.
    pub email_links: Arc<EmailLinks>,
    /// Changes to one's own account.
    pub account_settings: AccountSettings,
    /// `/users/*`.
    pub account_api: Arc<AccountApi>,
    /// The queue that delivers the mail (flushed on shutdown).
    pub mailer: Arc<MailQueue>,
    /// TOTP, recovery codes and passkeys.
    pub second_factors: Arc<SecondFactors>,
}

/// What the account services are built from, beside the core.
pub struct AccountInputs<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// Token issuing and checking (the account API signs in with tokens).
    pub tokens: &'a Tokens,
    /// The audit sink.
    pub audit: Arc<dyn AuditLog>,
    /// The rate limiter; its mail budget bounds the mail sent per account.
    pub limiter: Arc<RateLimiter>,
    /// The secret key (TOTP secrets are encrypted under a key derived from it).
    pub secret: &'a SecretString,
}

impl AccountServices {
    /// Wires the account services; registers the account API's own client if missing.
    pub async fn new(core: &Core, inputs: AccountInputs<'_>) -> Result<Self, WiringError> {
        let AccountInputs {
            config,
            tokens,
            audit,
            limiter,
            secret,
        } = inputs;
        let db = &core.db;
        let audit_for_factors = audit.clone();
        let hasher: Arc<dyn PasswordHasher> = Core::password_hasher(config)?;
        let policy = config.accounts.password;
        let accounts = Arc::new(
            core.accounts_with(config, hasher.clone())
                .with_audit(audit.clone()),
        );
        let mailer = Arc::new(Core::mail_queue(config)?);
        warn_if_mail_is_not_delivered(config);
        let sign_out = Arc::new(core.sign_out_everywhere());
        let email_links = Arc::new(
            EmailLinks::new(
                EmailLinksDeps {
                    users: db.users(),
                    tokens: db.email_tokens(),
                    mailer: mailer.clone(),
                    hasher: hasher.clone(),
                    sign_out: sign_out.clone(),
                    clock: core.clock.clone(),
                    rng: core.rng.clone(),
                },
                policy,
                tessera_adapters::http::paths::link_targets(config.http.issuer.as_str()),
            )
            .with_mail_budget(limiter)
            .with_audit(audit.clone()),
        );
        let account_settings = AccountSettings::new(
            accounts.clone(),
            db.users(),
            db.email_tokens(),
            hasher,
            sign_out,
            policy,
        )
        .with_audit(audit);
        let account_api = Arc::new(
            AccountApi::new(AccountApiDeps {
                accounts: accounts.clone(),
                issuer: tokens.issuer.clone(),
                verifier: tokens.verifier.clone(),
                users: db.users(),
                clients: db.clients(),
                clock: core.clock.clone(),
                rng: core.rng.clone(),
                links: email_links.clone(),
            })
            .with_verified_email_required(config.accounts.require_verified_email),
        );
        account_api
            .ensure_client()
            .await
            .map_err(|e| WiringError::Database(e.into()))?;
        let issuer = config.http.issuer.as_str();
        let ceremonies = WebauthnPasskeys::new(issuer, "Tessera")
            .map_err(|e| WiringError::Passkeys(e.into()))?;
        if !tessera_application::ports::PasskeyCeremonies::available(&ceremonies) {
            log::info!(
                "passkeys are off: the issuer {issuer} has no host name (browsers refuse \
                 WebAuthn on IP addresses; use http://localhost:8080 in development)"
            );
        }
        let second_factors = Arc::new(SecondFactors::new(SecondFactorsDeps {
            users: db.users(),
            factors: db.second_factors(),
            passkeys: db.passkeys(),
            challenges: db.challenges(),
            ceremonies: Arc::new(ceremonies),
            cipher: Arc::new(AeadKeyCipher::from_secret(
                secret,
                CipherPurpose::TotpSecrets,
            )),
            clock: core.clock.clone(),
            rng: core.rng.clone(),
            mailer: mailer.clone(),
            audit: audit_for_factors,
            issuer_name: "Tessera".to_owned(),
            lockout: config.accounts.lockout,
        }));
        Ok(Self {
            accounts,
            email_links,
            account_settings,
            account_api,
            mailer,
            second_factors,
        })
    }
}

/// Production with the file transport works, but nobody gets their mail: say so at start.
fn warn_if_mail_is_not_delivered(config: &Config) {
    if matches!(config.mail.delivery, MailDelivery::File)
        && config.environment == Environment::Production
    {
        log::warn!(
            "mail.transport is \"file\": verification and reset mail is written to {} and not \
             delivered",
            config.mail.outbox_dir.display()
        );
    }
}
