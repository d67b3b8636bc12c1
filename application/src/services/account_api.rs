use crate::ports::{random_token, ClientRepository, Clock, RandomSource, UserRepository};
use crate::services::fault_code::repository_fault_code;
use crate::services::{
    AccessTokenVerifier, Accounts, CreateUserError, EmailLinks, LoginError, TokenError, TokenSet,
    UserGrant, UserTokenIssuer,
};
use crate::{OAuthErrorCode, RepositoryError};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    AuthMethods, Client, ClientId, Email, GrantType, ResourceTarget, ScopeSet,
    TokenEndpointAuthMethod, UnixTime, User, UserId,
};

/// The `client_id` of the tokens the account API issues: Tessera acting for itself, a public
/// client with only the `refresh_token` grant that start-up stores (see
/// [`AccountApi::ensure_client`]). Registration generates client ids, so none collides.
pub const ACCOUNT_CLIENT_ID: &str = "tessera-account";

/// The one scope of account API tokens, and the scope `/users/me` demands.
pub const ACCOUNT_SCOPE: &str = "account";

/// What a registration did. Callers answer both alike (ASVS 6.3.8: no account
/// enumeration); only the mail [`AccountApi::notify`] sends differs.
#[derive(Debug)]
pub enum Registration {
    /// A new, unverified account.
    Created(User),
    /// The address already has an account; nothing was stored.
    Taken(Email),
}

impl Registration {
    /// The normalised address, the one thing the answer shows.
    pub fn email(&self) -> &Email {
        match self {
            Registration::Created(user) => &user.email,
            Registration::Taken(email) => email,
        }
    }
}

/// Why a direct login failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountLoginError {
    /// The credential check failed (see [`LoginError`]).
    #[error(transparent)]
    Login(#[from] LoginError),
    /// Signing the token failed.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The second step failed (wrong code, expired step…).
    #[error(transparent)]
    SecondFactor(#[from] super::SecondFactorError),
    /// `accounts.require_verified_email` is on and the address is not verified yet: no
    /// tokens. Only said after the password was right, so it tells nothing to a guesser.
    #[error("the email address is not verified yet; open the link in the verification mail")]
    EmailUnverified,
}

/// Why a bearer token was refused by the account API (RFC 6750 §3.1).
#[derive(Debug, thiserror::Error)]
pub enum AccountTokenError {
    /// Not a valid, active access token of an existing, enabled user: `401 invalid_token`.
    #[error("the access token is not valid")]
    InvalidToken,
    /// A valid token, but not one issued for the account API: `403 insufficient_scope`.
    #[error("the access token was not issued for the account API")]
    InsufficientScope,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl AccountLoginError {
    /// The code of the refusal: a wrong password or a locked account answers like the
    /// password grant would (`invalid_grant`), so the two cannot be told apart.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::Login(LoginError::InvalidCredentials | LoginError::Locked { .. }) => {
                OAuthErrorCode::InvalidGrant
            }
            Self::Login(LoginError::Busy) => OAuthErrorCode::TemporarilyUnavailable,
            Self::Login(LoginError::Repository(e)) => repository_fault_code(e),
            Self::Login(_) => OAuthErrorCode::ServerError,
            Self::Token(e) => e.code(),
            Self::SecondFactor(e) => e.code(),
            Self::EmailUnverified => OAuthErrorCode::AccessDenied,
        }
    }
}

impl AccountTokenError {
    /// The RFC 6750 code of the refusal.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidToken => OAuthErrorCode::InvalidToken,
            Self::InsufficientScope => OAuthErrorCode::InsufficientScope,
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// The JSON account API: registration, direct login with a password, and the signed-in
/// user's own profile.
///
/// Login issues an RFC 9068 access token with `client_id` [`ACCOUNT_CLIENT_ID`], scope
/// [`ACCOUNT_SCOPE`] and the issuer's usual audience, and a refresh token of that public
/// client, redeemed at `/token` (`grant_type=refresh_token&client_id=tessera-account`) with
/// the usual rotation and reuse detection.
pub struct AccountApi {
    accounts: Arc<Accounts>,
    issuer: Arc<UserTokenIssuer>,
    verifier: Arc<AccessTokenVerifier>,
    users: Arc<dyn UserRepository>,
    clients: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    links: Arc<EmailLinks>,
    client: Client,
    scope: ScopeSet,
    verified_email_required: bool,
}

/// What the account API is built from: the services it hands work to and the ports it reads.
/// Named fields, so the wiring cannot swap two of the same type.
pub struct AccountApiDeps {
    /// Credential checks, lockout and account creation.
    pub accounts: Arc<Accounts>,
    /// Signs the tokens a direct login returns.
    pub issuer: Arc<UserTokenIssuer>,
    /// Checks the bearer tokens of profile requests.
    pub verifier: Arc<AccessTokenVerifier>,
    /// The users, for profile reads.
    pub users: Arc<dyn UserRepository>,
    /// The clients, to register the account API's own client.
    pub clients: Arc<dyn ClientRepository>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Token ids and grant ids.
    pub rng: Arc<dyn RandomSource>,
    /// Verification mail for new accounts.
    pub links: Arc<EmailLinks>,
}

impl AccountApi {
    /// Builds the service.
    #[allow(
        clippy::expect_used,
        reason = "parses two compile-time constants, once at start-up; the service tests build it"
    )]
    pub fn new(deps: AccountApiDeps) -> Self {
        let AccountApiDeps {
            accounts,
            issuer,
            verifier,
            users,
            clients,
            clock,
            rng,
            links,
        } = deps;
        let scope = ScopeSet::parse(ACCOUNT_SCOPE).expect("a valid scope");
        let client = Client {
            security: Default::default(),
            origin: Default::default(),
            registration_access_digest: None,
            application_type: Default::default(),
            exchange_audiences: Vec::new(),
            metadata: Default::default(),
            id: ClientId::parse(ACCOUNT_CLIENT_ID).expect("a valid client id"),
            name: "Tessera account API".into(),
            secret_digest: None,
            auth_method: TokenEndpointAuthMethod::None,
            grant_types: vec![GrantType::RefreshToken],
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            scope: scope.clone(),
            skip_consent: true,
            require_mfa: false,
            created_at: UnixTime::from_secs(0),
        };
        Self {
            accounts,
            issuer,
            verifier,
            users,
            clients,
            clock,
            rng,
            links,
            client,
            scope,
            verified_email_required: false,
        }
    }

    /// The same service refusing tokens to accounts whose address is not verified
    /// (`accounts.require_verified_email`).
    pub fn with_verified_email_required(self, required: bool) -> Self {
        Self {
            verified_email_required: required,
            ..self
        }
    }

    /// Stores the account API's own client unless it exists (start-up calls this; racing
    /// processes are fine: a conflict means another stored it).
    pub async fn ensure_client(&self) -> Result<(), RepositoryError> {
        if self.clients.find(&self.client.id).await?.is_some() {
            return Ok(());
        }
        match self.clients.insert(&self.client).await {
            Ok(()) => {
                log::info!("stored the account API client {ACCOUNT_CLIENT_ID}");
                Ok(())
            }
            Err(RepositoryError::Conflict) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Self-service registration, first step: checks the input, hashes the password and
    /// stores the account if the address is free. A taken address is not an error
    /// (ASVS 6.3.8): the caller answers both alike, and [`Self::notify`] mails the owner. The
    /// password is hashed before the insert in both cases, so the answer takes as long.
    pub async fn register(
        &self,
        email: &str,
        password: SecretString,
        name: Option<String>,
    ) -> Result<Registration, CreateUserError> {
        match self
            .accounts
            .create_user(email, password, name, false)
            .await
        {
            Ok(user) => Ok(Registration::Created(user)),
            Err(CreateUserError::Duplicate) => Ok(Registration::Taken(Email::parse(email)?)),
            Err(e) => Err(e),
        }
    }

    /// Self-service registration, second step: the mail that follows. A new account gets its
    /// verification link (the account stands even if the link could not be stored: the person
    /// can ask for another); the owner of a taken address a notice that someone tried.
    /// Failures are logged, never answered: the caller may run this after it has answered.
    pub async fn notify(&self, registration: Registration) {
        self.notify_returning(registration, None).await
    }

    /// [`Self::notify`] whose verification link carries `return_to` (the browser's sign-up
    /// page: the link leads back to the authorization request it started from).
    pub async fn notify_returning(&self, registration: Registration, return_to: Option<&str>) {
        match registration {
            Registration::Created(user) => {
                if let Err(e) = self
                    .links
                    .send_verification_returning(&user, return_to)
                    .await
                {
                    log::error!("no verification link for new user {}: {e}", user.id);
                }
            }
            Registration::Taken(email) => {
                if let Err(e) = self.links.send_registration_notice(&email).await {
                    log::error!("no notice for a registration with a taken address: {e}");
                }
            }
        }
    }

    /// Issues the account API's tokens to `user`, who authenticated with `amr` just now
    /// (the password and, where due, the second factor are checked by [`super::SignIn`]).
    pub async fn issue_for(
        &self,
        user: &User,
        amr: AuthMethods,
    ) -> Result<TokenSet, AccountLoginError> {
        if self.verified_email_required && !user.email_verified {
            return Err(AccountLoginError::EmailUnverified);
        }
        let grant_id = random_token(self.rng.as_ref(), 16);
        let grant = UserGrant {
            dpop_jkt: None,
            client: &self.client,
            user,
            grant_id: &grant_id,
            scope: &self.scope,
            grant_scope: &self.scope,
            auth_time: self.clock.now(),
            amr,
            nonce: None,
            target: &ResourceTarget::default(),
            grant_resources: &[],
            sid: None,
        };
        let (access_token, _) = self.issuer.sign(&grant)?;
        let refresh_token = self.issuer.first_refresh_token(&grant).await?;
        Ok(TokenSet {
            access_token: SecretString::from(access_token),
            expires_in: self.issuer.settings().lifetimes.access_token,
            scope: self.scope.clone(),
            refresh_token: Some(refresh_token),
            id_token: None,
            dpop_bound: false,
        })
    }

    /// The user behind an account API access token: it must be active (signature, lifetime,
    /// revocation), issued to [`ACCOUNT_CLIENT_ID`] with scope [`ACCOUNT_SCOPE`], and its
    /// user must exist and be enabled.
    pub async fn me(&self, token: &str) -> Result<User, AccountTokenError> {
        Ok(self.me_authenticated(token).await?.0)
    }

    /// [`Self::me`], with when the token's sign-in happened (`auth_time`): changes to second
    /// factors need a recent one (ASVS 7.5.1).
    pub async fn me_authenticated(
        &self,
        token: &str,
    ) -> Result<(User, Option<UnixTime>), AccountTokenError> {
        let claims = self
            .verifier
            .verify_active(token)
            .await?
            .ok_or(AccountTokenError::InvalidToken)?;
        if claims.client_id != ACCOUNT_CLIENT_ID
            || !claims.scope.split(' ').any(|s| s == ACCOUNT_SCOPE)
        {
            return Err(AccountTokenError::InsufficientScope);
        }
        let id = UserId::parse(&claims.sub).map_err(|_| AccountTokenError::InvalidToken)?;
        let user = self
            .users
            .find(&id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AccountTokenError::InvalidToken)?;
        Ok((user, claims.auth_time.map(UnixTime::from_secs)))
    }
}

#[cfg(test)]
mod tests;
