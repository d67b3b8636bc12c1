//! What the browser-flow handlers (`/authorize`, `/logout`) need, and nothing else. The use
//! cases sit behind the traits below so the handlers can be tested with
//! `actix_web::test::init_service` and fakes, for status codes and headers.

use crate::http::pages;
use crate::http::{
    AuthTransactions, BrowserSettings, CsrfGuard, DeviceCookies, PushedMarks, RateLimiter,
};
use crate::observability::Metrics;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use async_trait::async_trait;
use secrecy::SecretString;
use std::sync::Arc;
use tessera_application::ports::{random_token, Clock, RandomSource};
use tessera_application::services::{
    Accounts, AuthorizationRequest, Authorize, AuthorizeError, AuthorizeOutcome, AuthorizeParams,
    Interaction, LoginError, Logout, LogoutError, LogoutPlan, LogoutRequest, PageSecondStep,
    PageSignIn, PageSignInOutcome, SecondFactorError, SecondStepOutcome, SignIn, SignedIn,
};
use tessera_application::{RepositoryError, RequestContext};
use tessera_domain::{BrowserSession, UserId};

/// The authorization endpoint's use case ([`Authorize`]).
#[async_trait]
pub trait AuthorizeFlow: Send + Sync {
    /// See [`Authorize::resolve`].
    async fn resolve(&self, params: AuthorizeParams) -> Result<AuthorizeParams, AuthorizeError>;
    /// See [`Authorize::validate`].
    async fn validate(
        &self,
        params: &AuthorizeParams,
    ) -> Result<AuthorizationRequest, AuthorizeError>;
    /// See [`Authorize::decide`].
    async fn decide(
        &self,
        request: AuthorizationRequest,
        session: Option<&BrowserSession>,
        interaction: Interaction,
    ) -> Result<AuthorizeOutcome, AuthorizeError>;
    /// See [`Authorize::consent_answered`].
    fn consent_answered(
        &self,
        ctx: &RequestContext,
        user: &UserId,
        client_id: Option<&str>,
        allow: bool,
    );
}

#[async_trait]
impl AuthorizeFlow for Authorize {
    async fn resolve(&self, params: AuthorizeParams) -> Result<AuthorizeParams, AuthorizeError> {
        Authorize::resolve(self, params).await
    }

    async fn validate(
        &self,
        params: &AuthorizeParams,
    ) -> Result<AuthorizationRequest, AuthorizeError> {
        Authorize::validate(self, params).await
    }

    async fn decide(
        &self,
        request: AuthorizationRequest,
        session: Option<&BrowserSession>,
        interaction: Interaction,
    ) -> Result<AuthorizeOutcome, AuthorizeError> {
        Authorize::decide(self, request, session, interaction).await
    }

    fn consent_answered(
        &self,
        ctx: &RequestContext,
        user: &UserId,
        client_id: Option<&str>,
        allow: bool,
    ) {
        Authorize::consent_answered(self, ctx, user, client_id, allow)
    }
}

/// The browser sessions behind the session cookie ([`Accounts`]).
#[async_trait]
pub trait BrowserSessions: Send + Sync {
    /// The live session for a cookie value.
    async fn session(&self, cookie: &str) -> Result<Option<BrowserSession>, RepositoryError>;
    /// Ends the session of a cookie value.
    async fn sign_out(&self, cookie: &str) -> Result<(), RepositoryError>;
}

#[async_trait]
impl BrowserSessions for Accounts {
    async fn session(&self, cookie: &str) -> Result<Option<BrowserSession>, RepositoryError> {
        Accounts::session(self, cookie).await
    }

    async fn sign_out(&self, cookie: &str) -> Result<(), RepositoryError> {
        Accounts::sign_out(self, cookie).await
    }
}

/// RP-initiated logout's planning ([`Logout`]).
#[async_trait]
pub trait LogoutPlanner: Send + Sync {
    /// See [`Logout::plan`].
    async fn plan(
        &self,
        request: &LogoutRequest,
        signed_in: Option<&UserId>,
    ) -> Result<LogoutPlan, LogoutError>;
}

#[async_trait]
impl LogoutPlanner for Logout {
    async fn plan(
        &self,
        request: &LogoutRequest,
        signed_in: Option<&UserId>,
    ) -> Result<LogoutPlan, LogoutError> {
        Logout::plan(self, request, signed_in).await
    }
}

/// The login page's sign-in ([`SignIn::on_login_page`] and its second step).
#[async_trait]
pub trait LoginPageSignIn: Send + Sync {
    /// See [`SignIn::on_login_page`].
    async fn on_login_page(
        &self,
        ctx: &RequestContext,
        attempt: PageSignIn,
    ) -> Result<PageSignInOutcome, LoginError>;
    /// See [`SignIn::second_step_on_login_page`].
    async fn second_step(
        &self,
        ctx: &RequestContext,
        step: PageSecondStep,
    ) -> Result<SecondStepOutcome, SecondFactorError>;
    /// See [`SignIn::passkey_on_login_page`].
    async fn passkey(
        &self,
        ctx: &RequestContext,
        passkey: PasskeyAnswer,
    ) -> Result<SignedIn, SecondFactorError>;
}

/// A passwordless passkey sign-in as the login page posts it.
pub struct PasskeyAnswer {
    /// The ceremony's handle.
    pub handle: SecretString,
    /// The browser's `PublicKeyCredential` JSON.
    pub response: String,
    /// The client the authorization request is for.
    pub client_id: String,
    /// The session cookie value the browser sent, ended once the new session exists.
    pub previous_session: Option<String>,
}

#[async_trait]
impl LoginPageSignIn for SignIn {
    async fn on_login_page(
        &self,
        ctx: &RequestContext,
        attempt: PageSignIn,
    ) -> Result<PageSignInOutcome, LoginError> {
        SignIn::on_login_page(self, ctx, attempt).await
    }

    async fn second_step(
        &self,
        ctx: &RequestContext,
        step: PageSecondStep,
    ) -> Result<SecondStepOutcome, SecondFactorError> {
        SignIn::second_step_on_login_page(self, ctx, step).await
    }

    async fn passkey(
        &self,
        ctx: &RequestContext,
        p: PasskeyAnswer,
    ) -> Result<SignedIn, SecondFactorError> {
        SignIn::passkey_on_login_page(
            self,
            ctx,
            &p.handle,
            &p.response,
            &p.client_id,
            p.previous_session.as_deref(),
        )
        .await
    }
}

/// The state of the `/authorize` and `/logout` handlers.
pub struct BrowserFlowState {
    /// The authorization endpoint's logic.
    pub authorize: Arc<dyn AuthorizeFlow>,
    /// Password sign-in on the login page.
    pub sign_in: Arc<dyn LoginPageSignIn>,
    /// The sessions behind the session cookie.
    pub sessions: Arc<dyn BrowserSessions>,
    /// RP-initiated logout.
    pub logout: Arc<dyn LogoutPlanner>,
    /// Cookie settings.
    pub browser: BrowserSettings,
    /// CSRF tokens for the pages.
    pub csrf: CsrfGuard,
    /// Proof on the consent form that the person signed in in this authorization.
    pub auth_tx: AuthTransactions,
    /// Proof on the pages that the request's parameters came from `/par`.
    pub pushed_marks: PushedMarks,
    /// Trusted-device cookies: the owner's browser passes a lock others caused.
    pub devices: DeviceCookies,
    /// Failed sign-in budgets.
    pub limiter: Arc<RateLimiter>,
    /// Randomness for cookie values.
    pub rng: Arc<dyn RandomSource>,
    /// The time, for the request context and cookie lifetimes.
    pub clock: Arc<dyn Clock>,
    /// Sign-in counters.
    pub metrics: Arc<Metrics>,
    /// Passkeys can be used (the issuer has a host name): the login page offers them.
    pub passkeys: bool,
}

impl BrowserFlowState {
    /// What the use cases know about this request: the caller's address as the rate limiter
    /// sees it, the request id, and one reading of the clock.
    pub fn request_context(&self, req: &HttpRequest) -> RequestContext {
        RequestContext {
            ip: self.limiter.client_ip(req),
            request_id: crate::observability::with_current_request_id(|id| {
                id.unwrap_or_default().to_owned()
            }),
            now: self.clock.now(),
        }
    }

    /// A `200` page with the form's CSRF token, setting the binding cookie when the browser
    /// has none yet. The response's language and CSP come from the request's [`pages::Ui`]
    /// (`Accept-Language`); pages rendered in another language use [`Self::page_in`].
    pub fn page_with_csrf(
        &self,
        req: &HttpRequest,
        page: impl FnOnce(&str) -> String,
    ) -> HttpResponse {
        self.page_in(&pages::Ui::from_request(req, None), req, false, page)
    }

    /// [`Self::page_with_csrf`] for a page that may run the passkey script.
    pub fn page_with_csrf_and_script(
        &self,
        req: &HttpRequest,
        script: bool,
        page: impl FnOnce(&str) -> String,
    ) -> HttpResponse {
        self.page_in(&pages::Ui::from_request(req, None), req, script, page)
    }

    /// A `200` page rendered with `ui` (which also sets its language header and CSP), with the
    /// form's CSRF token; `script` allows the passkey script.
    pub fn page_in(
        &self,
        ui: &pages::Ui,
        req: &HttpRequest,
        script: bool,
        page: impl FnOnce(&str) -> String,
    ) -> HttpResponse {
        let (binding, new) = match self.browser.csrf_value(req) {
            Some(v) => (v, false),
            None => (random_token(self.rng.as_ref(), 32), true),
        };
        let mut res =
            ui.respond_with_script(StatusCode::OK, page(&self.csrf.token_for(&binding)), script);
        if new {
            if let Err(e) = res.add_cookie(&self.browser.csrf_cookie(&binding)) {
                log::error!("could not set the CSRF cookie: {e}");
            }
        }
        res
    }
}
