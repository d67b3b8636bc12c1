//! A [`BrowserFlowState`] of fakes for handler tests: real cookies, CSRF and rate limits, use
//! cases that answer what the test says.

use super::browser_flow::{
    AuthorizeFlow, BrowserFlowState, BrowserSessions, LoginPageSignIn, LogoutPlanner, PasskeyAnswer,
};
use crate::crypto::{OsRandom, SystemClock};
use crate::http::{
    AuthTransactions, BrowserSettings, CsrfGuard, DeviceCookies, RateLimitSettings, RateLimiter,
};
use crate::observability::Metrics;
use async_trait::async_trait;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_application::services::{
    AuthorizationRequest, AuthorizeError, AuthorizeOutcome, AuthorizeParams, Interaction,
    LoginError, LogoutError, LogoutPlan, LogoutRequest, PageSecondStep, PageSignIn,
    PageSignInOutcome, SecondFactorError, SecondStepOutcome, SignedIn,
};
use tessera_application::{RepositoryError, RequestContext};
use tessera_domain::{BrowserSession, UserId};

pub(crate) const ISSUER: &str = "https://id.example";

/// Answers every call with the error it was built with.
pub(crate) struct Failing<E>(pub(crate) fn() -> E);

#[async_trait]
impl AuthorizeFlow for Failing<AuthorizeError> {
    async fn resolve(&self, _: AuthorizeParams) -> Result<AuthorizeParams, AuthorizeError> {
        Err((self.0)())
    }

    async fn validate(&self, _: &AuthorizeParams) -> Result<AuthorizationRequest, AuthorizeError> {
        Err((self.0)())
    }

    async fn decide(
        &self,
        _: AuthorizationRequest,
        _: Option<&BrowserSession>,
        _: Interaction,
    ) -> Result<AuthorizeOutcome, AuthorizeError> {
        Err((self.0)())
    }

    fn consent_answered(
        &self,
        _: &tessera_application::RequestContext,
        _: &UserId,
        _: Option<&str>,
        _: bool,
    ) {
    }
}

#[async_trait]
impl BrowserSessions for Failing<RepositoryError> {
    async fn session(&self, _: &str) -> Result<Option<BrowserSession>, RepositoryError> {
        Err((self.0)())
    }

    async fn sign_out(&self, _: &str) -> Result<(), RepositoryError> {
        Err((self.0)())
    }
}

#[async_trait]
impl LogoutPlanner for Failing<LogoutError> {
    async fn plan(&self, _: &LogoutRequest, _: Option<&UserId>) -> Result<LogoutPlan, LogoutError> {
        Err((self.0)())
    }
}

#[async_trait]
impl LoginPageSignIn for Failing<LoginError> {
    async fn on_login_page(
        &self,
        _: &RequestContext,
        _: PageSignIn,
    ) -> Result<PageSignInOutcome, LoginError> {
        Err((self.0)())
    }

    async fn second_step(
        &self,
        _: &RequestContext,
        _: PageSecondStep,
    ) -> Result<SecondStepOutcome, SecondFactorError> {
        Err(SecondFactorError::Expired)
    }

    async fn passkey(
        &self,
        _: &RequestContext,
        _: PasskeyAnswer,
    ) -> Result<SignedIn, SecondFactorError> {
        Err(SecondFactorError::Expired)
    }
}

/// No browser is signed in; signing out succeeds.
pub(crate) struct NoSessions;

#[async_trait]
impl BrowserSessions for NoSessions {
    async fn session(&self, _: &str) -> Result<Option<BrowserSession>, RepositoryError> {
        Ok(None)
    }

    async fn sign_out(&self, _: &str) -> Result<(), RepositoryError> {
        Ok(())
    }
}

/// Plans every logout the same way.
pub(crate) struct Planning(pub(crate) LogoutPlan);

#[async_trait]
impl LogoutPlanner for Planning {
    async fn plan(&self, _: &LogoutRequest, _: Option<&UserId>) -> Result<LogoutPlan, LogoutError> {
        Ok(self.0.clone())
    }
}

/// The parts a handler test chooses; the rest is the real thing.
pub(crate) struct Fakes {
    pub(crate) authorize: Arc<dyn AuthorizeFlow>,
    pub(crate) sessions: Arc<dyn BrowserSessions>,
    pub(crate) logout: Arc<dyn LogoutPlanner>,
}

impl Default for Fakes {
    fn default() -> Self {
        Self {
            authorize: Arc::new(Failing(|| RepositoryError::Unavailable.into())),
            sessions: Arc::new(NoSessions),
            logout: Arc::new(Failing(|| RepositoryError::Unavailable.into())),
        }
    }
}

/// A state with `fakes` for the use cases.
pub(crate) fn state(fakes: Fakes) -> BrowserFlowState {
    let secret = SecretString::from("k".repeat(40));
    BrowserFlowState {
        authorize: fakes.authorize,
        sign_in: Arc::new(Failing(|| LoginError::Busy)),
        sessions: fakes.sessions,
        logout: fakes.logout,
        browser: BrowserSettings::new(ISSUER, 3_600),
        csrf: CsrfGuard::from_secret(&secret),
        auth_tx: AuthTransactions::from_secret(&secret),
        pushed_marks: crate::http::PushedMarks::from_secret(&secret),
        devices: DeviceCookies::new(&secret, ISSUER),
        limiter: Arc::new(RateLimiter::new(RateLimitSettings::default())),
        rng: Arc::new(OsRandom),
        clock: Arc::new(SystemClock),
        metrics: Arc::new(Metrics::new(&[])),
        passkeys: false,
    }
}
