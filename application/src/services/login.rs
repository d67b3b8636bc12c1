use crate::ports::{
    random_token, Clock, HashError, PasswordHasher, RandomSource, SessionRepository, UserRepository,
};
use crate::RepositoryError;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tessera_domain::{
    BrowserSession, Email, EmailError, Password, PasswordError, PasswordPolicy, TokenDigest, User,
    UserId,
};

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, wrong password or disabled account: one answer for all (no enumeration).
    #[error("the email or password is not correct")]
    InvalidCredentials,
    /// The hasher is saturated: 503.
    #[error("too many sign-ins at once, try again shortly")]
    Busy,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// The hasher failed.
    #[error("password check failed: {0}")]
    Hasher(String),
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// Bad email.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// Password breaks the rules.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// A display name that is empty, too long or has control characters.
    #[error("name must be 1 to 200 printable characters")]
    Name,
    /// The email is taken.
    #[error("an account with this email already exists")]
    Duplicate,
    /// Hashing failed or is saturated.
    #[error("password hashing failed: {0}")]
    Hasher(String),
    /// Storage failed.
    #[error(transparent)]
    Repository(RepositoryError),
}

/// A successful sign-in: the session to store and the cookie value to hand the browser once.
#[derive(Debug)]
pub struct SignedIn {
    /// The stored session.
    pub session: BrowserSession,
    /// The cookie value (256 bits); only its digest is stored.
    pub cookie: SecretString,
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
}

impl Accounts {
    /// Builds the service; sessions last `session_ttl` seconds.
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        policy: PasswordPolicy,
        session_ttl: i64,
    ) -> Self {
        Self {
            users,
            sessions,
            hasher,
            clock,
            rng,
            policy,
            session_ttl,
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
        let password = Password::parse(password.expose_secret(), self.policy)?;
        if let Some(n) = &name {
            if n.trim().is_empty() || n.chars().count() > 200 || n.chars().any(char::is_control) {
                return Err(CreateUserError::Name);
            }
        }
        let phc = self
            .hasher
            .hash(SecretString::from(password.expose().to_owned()))
            .await
            .map_err(|e| CreateUserError::Hasher(e.to_string()))?;
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
        };
        self.users.insert(&user).await.map_err(|e| match e {
            RepositoryError::Conflict => CreateUserError::Duplicate,
            other => CreateUserError::Repository(other),
        })?;
        log::info!("created user {}", user.id);
        Ok(user)
    }

    /// Checks email and password and opens a new session (a new id on every sign-in: no
    /// session fixation, ASVS 7.2.4). Unknown emails cost one dummy hash, like a real check.
    pub async fn sign_in(
        &self,
        email: &str,
        password: SecretString,
    ) -> Result<SignedIn, LoginError> {
        let normalised = SecretString::from(Password::normalise(password.expose_secret()));
        let user = match Email::parse(email) {
            Ok(e) => self.users.find_by_email(&e).await?,
            Err(_) => None,
        };
        let phc = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| self.hasher.dummy_hash());
        let check = self
            .hasher
            .verify(normalised.clone(), &phc)
            .await
            .map_err(|e| match e {
                HashError::Busy => LoginError::Busy,
                HashError::InvalidHash => LoginError::InvalidCredentials,
                other => LoginError::Hasher(other.to_string()),
            })?;
        let user = match user {
            Some(u) if check.matches && !u.disabled => u,
            Some(u) => {
                log::info!("failed sign-in for user {}", u.id);
                return Err(LoginError::InvalidCredentials);
            }
            None => return Err(LoginError::InvalidCredentials),
        };
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
        let now = self.clock.now();
        let cookie = random_token(self.rng.as_ref(), 32);
        let session = BrowserSession {
            digest: TokenDigest::of(&cookie),
            user_id: user.id.clone(),
            auth_time: now,
            expires_at: now.plus(self.session_ttl),
        };
        self.sessions.insert(&session).await?;
        log::info!("user {} signed in", user.id);
        Ok(SignedIn {
            session,
            cookie: SecretString::from(cookie),
        })
    }

    /// The live session behind a cookie value, if any.
    pub async fn session(&self, cookie: &str) -> Result<Option<BrowserSession>, RepositoryError> {
        self.sessions
            .find(&TokenDigest::of(cookie), self.clock.now())
            .await
    }

    /// Ends the session behind a cookie value.
    pub async fn sign_out(&self, cookie: &str) -> Result<(), RepositoryError> {
        self.sessions.delete(&TokenDigest::of(cookie)).await
    }
}
