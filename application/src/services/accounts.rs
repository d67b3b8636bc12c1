//! Password sign-in, sessions and account creation: the lockout rules and the hashing budget
//! that keep both cheap to defend.

use crate::ports::{
    random_token, AuditLog, Clock, HashError, PasswordCheck, PasswordHasher, RandomSource,
    SessionRepository, UserRepository,
};
use crate::services::BackchannelLogout;
use crate::RepositoryError;
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
mod errors;

pub use errors::{CreateUserError, LoginError};

use tessera_domain::{
    AuditAction, AuditEvent, AuditOutcome, AuthMethods, BrowserSession, Email, LockoutPolicy,
    LoginAttempts, Password, PasswordPolicy, TokenDigest, User, UserId,
};

/// A successful sign-in: the session to store and the cookie value to hand the browser once.
#[derive(Debug)]
pub struct SignedIn {
    /// The stored session.
    pub session: BrowserSession,
    /// The cookie value (256 bits); only its digest is stored.
    pub cookie: SecretString,
}

/// What the lockout rules know about who is asking.
///
/// The per-account lock stops guessing from anywhere; a browser that has signed in to this
/// account before (its trusted-device cookie, verified and not itself out of failures at the
/// edge) passes that lock, so an attacker who keeps an account locked does not lock its owner
/// out (ASVS 6.3.1: no malicious-lockout denial of service).
#[derive(Debug, Clone, Default)]
pub struct SignInContext {
    /// The account a verified trusted-device cookie of this browser was issued for.
    pub trusted_device_for: Option<UserId>,
}

impl SignInContext {
    /// Nothing known: the plain lockout rules.
    pub fn anonymous() -> Self {
        Self::default()
    }

    fn trusts(&self, user: &UserId) -> bool {
        self.trusted_device_for.as_ref() == Some(user)
    }
}

/// What [`Accounts`] is built from: the ports it uses and the rules it applies. Named fields,
/// so the wiring cannot swap two of the same type.
pub struct AccountsDeps {
    /// Where accounts are stored.
    pub users: Arc<dyn UserRepository>,
    /// Where sign-in sessions are stored.
    pub sessions: Arc<dyn SessionRepository>,
    /// Hashes and checks passwords.
    pub hasher: Arc<dyn PasswordHasher>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// Session ids.
    pub rng: Arc<dyn RandomSource>,
    /// What a new password must satisfy.
    pub policy: PasswordPolicy,
    /// How long a session lasts, in seconds.
    pub session_ttl: i64,
    /// When failed sign-ins lock an account, and for how long.
    pub lockout: LockoutPolicy,
}

/// Password sign-in and account creation.
pub struct Accounts {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    policy: PasswordPolicy,
    session_ttl: i64,
    lockout: LockoutPolicy,
    audit: Option<Arc<dyn AuditLog>>,
    backchannel: Option<Arc<BackchannelLogout>>,
}

impl Accounts {
    /// Sends back-channel logout tokens when a session is signed out, and keeps a session's
    /// `sid` when the same person signs in again in the same browser (a step-up).
    pub fn with_backchannel_logout(mut self, backchannel: Arc<BackchannelLogout>) -> Self {
        self.backchannel = Some(backchannel);
        self
    }

    /// Reports account lockouts to the audit log (they happen here, out of the callers' sight).
    pub fn with_audit(mut self, audit: Arc<dyn AuditLog>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// Builds the service; sessions last `deps.session_ttl` seconds; failed sign-ins lock
    /// accounts as `deps.lockout` says.
    pub fn new(deps: AccountsDeps) -> Self {
        let AccountsDeps {
            users,
            sessions,
            hasher,
            clock,
            rng,
            policy,
            session_ttl,
            lockout,
        } = deps;
        Self {
            users,
            sessions,
            hasher,
            clock,
            rng,
            policy,
            session_ttl,
            lockout,
            audit: None,
            backchannel: None,
        }
    }

    /// Creates an account (the CLI's `user create`, later the registration API).
    pub async fn create_user(
        &self,
        email: &str,
        password: SecretString,
        name: Option<String>,
        verified: bool,
    ) -> Result<User, CreateUserError> {
        let email = Email::parse(email)?;
        // Length, then the blocklist and the email name (one place: the domain).
        let password = Password::parse_for(password.expose_secret(), self.policy, &email)?;
        if let Some(n) = &name {
            if !tessera_domain::is_valid_display_name(n) {
                return Err(CreateUserError::Name);
            }
        }
        let phc = self
            .hasher
            .hash(SecretString::from(password.expose().to_owned()))
            .await
            .map_err(|e| match e {
                HashError::Busy => CreateUserError::Busy,
                other => CreateUserError::Hasher(other.to_string()),
            })?;
        let mut id = [0u8; 16];
        self.rng.fill(&mut id);
        let user = User {
            id: UserId::from_random(id),
            email,
            email_verified: verified,
            name,
            password_hash: phc,
            created_at: self.clock.now(),
            disabled: false,
            login_attempts: LoginAttempts::default(),
        };
        self.users.insert(&user).await.map_err(|e| match e {
            RepositoryError::Conflict => CreateUserError::Duplicate,
            other => CreateUserError::Repository(other),
        })?;
        log::info!("created user {}", user.id);
        Ok(user)
    }

    /// Checks email and password and opens a new session (a new id on every sign-in: no
    /// session fixation, ASVS 7.2.4).
    ///
    /// Brute force (ASVS 6.3.1): every attempt on an unlocked account is counted as a failure
    /// in the database *while* its password is checked, and a success forgets the count, so
    /// no attempt goes unmetered, however many race, on however many processes. A locked
    /// account answers [`LoginError::Locked`] whatever the password; an attempt that was
    /// counted after others had locked the account gets that answer too, so racing requests
    /// never learn more than the threshold allows.
    ///
    /// Enumeration (ASVS 6.3.8): every path costs one password check. An unknown or malformed
    /// email is checked against a dummy hash; a locked account against its own hash, its
    /// result unused. The count is written concurrently with the check, so the extra write of
    /// an existing account hides behind the hash (argon2id takes far longer than one short
    /// transaction).
    pub async fn sign_in(
        &self,
        email: &str,
        password: SecretString,
        context: &SignInContext,
    ) -> Result<SignedIn, LoginError> {
        let user = self.verify_credentials(email, password, context).await?;
        self.open_session(&user.id, AuthMethods::password()).await
    }

    /// Opens a browser session for `user`, who authenticated with `amr` just now (a new id on
    /// every sign-in and step-up: no session fixation, ASVS 7.2.4).
    pub async fn open_session(
        &self,
        user: &UserId,
        amr: AuthMethods,
    ) -> Result<SignedIn, LoginError> {
        self.open_session_with(user, amr, None).await
    }

    /// Opens a session for `user` in a browser that may still hold the session cookie
    /// `previous`, and ends that one. When it is the same person's (a step-up, or signing in
    /// again), the new session keeps its `sid`, so the relying parties' sessions stay matched
    /// and no logout token is sent; another person's is signed out as any other.
    pub async fn replace_session(
        &self,
        user: &UserId,
        amr: AuthMethods,
        previous: Option<&str>,
    ) -> Result<SignedIn, LoginError> {
        let carried = match (&self.backchannel, previous) {
            (Some(_), Some(old)) => self
                .sessions
                .find(&TokenDigest::of(old), self.clock.now())
                .await?
                .filter(|s| s.user_id == *user),
            _ => None,
        };
        let signed = self
            .open_session_with(user, amr, carried.as_ref().map(|s| s.sid.clone()))
            .await?;
        if let Some(old) = previous {
            let ended = match carried {
                Some(s) => self.sessions.delete(&s.digest).await,
                None => self.sign_out(old).await,
            };
            if let Err(e) = ended {
                log::warn!("could not end the previous session: {e}");
            }
        }
        Ok(signed)
    }

    async fn open_session_with(
        &self,
        user: &UserId,
        amr: AuthMethods,
        sid: Option<String>,
    ) -> Result<SignedIn, LoginError> {
        let now = self.clock.now();
        let cookie = random_token(self.rng.as_ref(), 32);
        let sid = sid.unwrap_or_else(|| random_token(self.rng.as_ref(), 16));
        let session = BrowserSession {
            digest: TokenDigest::of(&cookie),
            sid,
            user_id: user.clone(),
            auth_time: now,
            expires_at: now.plus(self.session_ttl),
            amr,
        };
        self.sessions.insert(&session).await?;
        log::info!("user {user} signed in ({amr})");
        Ok(SignedIn {
            session,
            cookie: SecretString::from(cookie),
        })
    }

    /// Checks email and password as [`Self::verify_credentials`] does, but on success only
    /// takes back this attempt's count, keeping earlier failures: for an account with a second
    /// factor, where only the second step may forget them (otherwise each right password would
    /// buy a fresh set of code guesses). Call [`Self::forget_failures`] when no second step
    /// follows.
    pub async fn check_first_factor(
        &self,
        email: &str,
        password: SecretString,
        context: &SignInContext,
    ) -> Result<User, LoginError> {
        self.check_password(email, password, context, false).await
    }

    /// Forgets the failed attempts of `user` (a finished sign-in), as read by
    /// [`Self::check_first_factor`]; nothing is written when there is nothing to forget.
    pub async fn forget_failures(&self, user: &User) -> Result<(), LoginError> {
        if user.login_attempts == LoginAttempts::after_success() {
            return Ok(());
        }
        Ok(self.users.reset_login_failures(&user.id).await?)
    }

    /// Checks email and password exactly as [`Self::sign_in`] does (lockout, failure counting,
    /// the dummy hash for unknown emails, rehashing), without opening a browser session: for
    /// the JSON account API, which hands out tokens instead.
    ///
    /// A `context` that trusts this account's device skips the account lock (the attempt is
    /// still counted, and the edge limits failures per device).
    pub async fn verify_credentials(
        &self,
        email: &str,
        password: SecretString,
        context: &SignInContext,
    ) -> Result<User, LoginError> {
        self.check_password(email, password, context, true).await
    }

    /// The password check behind both entry points; `forget` resets the failure count on
    /// success.
    async fn check_password(
        &self,
        email: &str,
        password: SecretString,
        context: &SignInContext,
        forget: bool,
    ) -> Result<User, LoginError> {
        let normalised = SecretString::from(Password::normalise(password.expose_secret()));
        let user = match Email::parse(email) {
            Ok(e) => self.users.find_by_email(&e).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            // Even a "match" against the dummy hash signs no one in.
            self.check(normalised, &self.hasher.dummy_hash()).await?;
            return Err(LoginError::InvalidCredentials);
        };
        let now = self.clock.now();
        let trusted = context.trusts(&user.id);
        if trusted && user.login_attempts.is_locked(now) {
            log::info!(
                "account {} is locked; a browser it signed in from before may try",
                user.id
            );
        }
        if let Some(secs) = user
            .login_attempts
            .retry_after_secs(now)
            .filter(|_| !trusted)
        {
            self.check(normalised, &user.password_hash).await?;
            log::warn!(
                "sign-in refused: account {} is locked for another {secs} s",
                user.id
            );
            return Err(LoginError::Locked {
                retry_after_secs: secs,
            });
        }
        let (check, counted) = both(
            self.check(normalised.clone(), &user.password_hash),
            self.users.record_login_failure(&user.id, now, self.lockout),
        )
        .await;
        let counted = counted?;
        let check = match check {
            Ok(c) => c,
            Err(e) => {
                // No password was checked (the hasher shed the load, or failed): take the
                // attempt back, so an overload never locks the rightful owner out.
                if let Err(undo) = self
                    .users
                    .undo_login_failure(&user.id, counted, user.login_attempts)
                    .await
                {
                    log::warn!("could not take back an unchecked sign-in attempt: {undo}");
                }
                return Err(e);
            }
        };
        if !trusted && !user.login_attempts.admits(&counted, now, &self.lockout) {
            let secs = counted.retry_after_secs(now).unwrap_or(1);
            log::warn!(
                "sign-in refused: account {} was locked by concurrent attempts, for another \
                 {secs} s",
                user.id
            );
            return Err(LoginError::Locked {
                retry_after_secs: secs,
            });
        }
        if !check.matches || user.disabled {
            match counted.retry_after_secs(now) {
                Some(secs) => {
                    log::warn!(
                        "account {} locked for {secs} s after {} failed sign-ins (lock number {})",
                        user.id,
                        self.lockout.threshold,
                        counted.lockouts
                    );
                    if let Some(audit) = &self.audit {
                        audit.record(
                            AuditEvent::new(now, AuditAction::AccountLocked, AuditOutcome::Success)
                                .subject(user.id.as_str())
                                .detail(format!(
                                    "for {secs} s after {} failed sign-ins (lock number {})",
                                    self.lockout.threshold, counted.lockouts
                                )),
                        );
                    }
                }
                None => log::info!("failed sign-in for user {}", user.id),
            }
            return Err(LoginError::InvalidCredentials);
        }
        let mut user = user;
        if forget {
            self.users.reset_login_failures(&user.id).await?;
            user.login_attempts = LoginAttempts::after_success();
        } else {
            // A right password is no failure: take back the attempt counted up front, and
            // leave earlier failures for the second step to forget. The user handed back
            // carries the count as it now stands.
            let undone = self
                .users
                .undo_login_failure(&user.id, counted, user.login_attempts)
                .await?;
            if !undone {
                user.login_attempts = counted;
            }
        }
        if check.needs_rehash {
            match self.hasher.hash(normalised).await {
                Ok(new) => {
                    if let Err(e) = self.users.update_password_hash(&user.id, &new).await {
                        log::warn!("could not store the rehashed password of {}: {e}", user.id);
                    }
                }
                Err(e) => log::warn!("could not rehash the password of {}: {e}", user.id),
            }
        }
        Ok(user)
    }

    /// One password check; a hash the hasher cannot read is a wrong password.
    async fn check(&self, password: SecretString, phc: &str) -> Result<PasswordCheck, LoginError> {
        match self.hasher.verify(password.clone(), phc).await {
            Ok(check) => Ok(check),
            // An unusable hash (an administrator forced a reset) fails like a wrong password
            // and costs as much as one, so timing does not tell such accounts apart.
            Err(HashError::InvalidHash) => {
                let _ = self
                    .hasher
                    .verify(password, &self.hasher.dummy_hash())
                    .await;
                Ok(PasswordCheck {
                    matches: false,
                    needs_rehash: false,
                })
            }
            Err(HashError::Busy) => Err(LoginError::Busy),
            Err(other) => Err(LoginError::Hasher(other.to_string())),
        }
    }

    /// The live session behind a cookie value, if any.
    pub async fn session(&self, cookie: &str) -> Result<Option<BrowserSession>, RepositoryError> {
        self.sessions
            .find(&TokenDigest::of(cookie), self.clock.now())
            .await
    }

    /// Ends the session behind a cookie value (and, with back-channel logout, queues the
    /// logout tokens of the clients that got codes in it).
    pub async fn sign_out(&self, cookie: &str) -> Result<(), RepositoryError> {
        let digest = TokenDigest::of(cookie);
        let Some(backchannel) = &self.backchannel else {
            return self.sessions.delete(&digest).await;
        };
        let ended = self.sessions.find(&digest, self.clock.now()).await?;
        self.sessions.delete(&digest).await?;
        if let Some(session) = ended {
            backchannel.session_ended(&session.sid).await?;
        }
        Ok(())
    }
}

/// Runs two futures concurrently on the current task and returns both outputs.
async fn both<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    std::future::poll_fn(move |cx| {
        if out_a.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        match (out_a.take(), out_b.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (out_a, out_b) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests;
