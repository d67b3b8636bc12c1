//! The person's steps on `/device`: the code, the sign-in (password, then the second factor
//! when due), the consent, the end. Every step looks the code up again, so nothing about a
//! pending authorization is trusted from an earlier page.

use crate::http::authorize::second_step::{
    failure_message, proof, retry_message, step_page, task_failed,
};
use crate::http::authorize::sign_in::{count, login_fault, run_detached, set_sign_in_cookies};
use crate::http::form::OAuthForm;
use crate::http::pages::{self, Ui};
use crate::http::state::BrowserFlowState;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use tessera_application::services::{
    DeviceError, DeviceFlow, LoginError, PageSecondStep, PageSignIn, PageSignInOutcome,
    PendingDevice, SecondStepOutcome,
};
use tessera_domain::{BrowserSession, User};

/// Where every device page posts.
const ACTION_URL: &str = "/device";

/// One `POST /device`: the request, the states, and the code as typed (or carried).
pub(super) struct Step<'a> {
    pub(super) ui: &'a Ui,
    pub(super) req: &'a HttpRequest,
    pub(super) state: &'a BrowserFlowState,
    pub(super) device: &'a DeviceFlow,
    pub(super) typed: String,
}

impl Step<'_> {
    /// `action=code`: the throttle first, then the lookup; a wrong code spends from the
    /// address's and the browser's budget.
    pub(super) async fn code_entered(&self) -> HttpResponse {
        let browser = self.state.browser.csrf_value(self.req);
        if let Err(wait) = self
            .state
            .limiter
            .check_user_code(self.req, browser.as_deref())
            .await
        {
            let ui = self.ui;
            let mut res = error(
                ui,
                StatusCode::TOO_MANY_REQUESTS,
                ui.t("errors.too_many_title"),
                ui.t("device.too_many"),
            );
            if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return res;
        }
        match self.device.pending(&self.typed).await {
            Ok(p) => self.signed_in_or_login(p).await,
            Err(DeviceError::UnknownCode) => {
                self.state
                    .limiter
                    .user_code_failed(self.req, browser.as_deref())
                    .await;
                code_page(
                    self.ui,
                    self.req,
                    self.state,
                    &self.typed,
                    Some(self.ui.t("device.wrong_code")),
                )
            }
            Err(e) => self.fault(e),
        }
    }

    /// The consent page for a session that suffices, else the login page.
    async fn signed_in_or_login(&self, p: PendingDevice) -> HttpResponse {
        match self.session().await {
            Ok(Some(s)) => match self.device.session_suffices(&p, &s).await {
                Ok(true) => self.consent_page(&p, &s).await,
                Ok(false) => self.login_page(&p, "", None),
                Err(e) => self.fault(e),
            },
            Ok(None) => self.login_page(&p, "", None),
            Err(res) => res,
        }
    }

    /// `action=login`: the password, through the same sign-in (and lockout) as `/authorize`.
    pub(super) async fn login(&self, form: &OAuthForm) -> HttpResponse {
        let p = match self.still_pending().await {
            Ok(p) => p,
            Err(res) => return res,
        };
        let email = form.get("email").unwrap_or("").to_owned();
        let ctx = self.state.request_context(self.req);
        let now = ctx.now;
        let (lockout, trusted) = self
            .state
            .devices
            .context(self.req, &self.state.limiter, now)
            .await;
        let attempt = PageSignIn {
            email: email.clone(),
            password: SecretString::from(form.get("password").unwrap_or("").to_owned()),
            lockout,
            client_id: p.client.id.as_str().to_owned(),
            previous_session: self.state.browser.session_value(self.req),
        };
        let signed_in = run_detached(self.state, ctx, attempt).await;
        count(self.req, self.state, &signed_in, trusted.as_ref()).await;
        match signed_in {
            Ok(PageSignInOutcome::SignedIn(signed)) => {
                let mut res = self.after_sign_in(&p, &signed.session).await;
                set_sign_in_cookies(&mut res, self.state, &signed, now);
                res
            }
            Ok(PageSignInOutcome::SecondFactorDue(step)) => step_page(
                self.ui,
                self.req,
                self.state,
                (&hidden(&p), ACTION_URL),
                &step,
                None,
            ),
            Err(LoginError::InvalidCredentials | LoginError::Locked { .. }) => {
                self.login_page(&p, &email, Some(self.ui.t("login.wrong_credentials")))
            }
            Err(e) => login_fault(self.ui, e),
        }
    }

    /// `action=mfa` or `mfa_passkey`: the second factor after the password.
    pub(super) async fn second_step(&self, action: &str, form: &OAuthForm) -> HttpResponse {
        let p = match self.still_pending().await {
            Ok(p) => p,
            Err(res) => return res,
        };
        let secret = |name: &str| SecretString::from(form.get(name).unwrap_or("").to_owned());
        let token = secret("mfa_token");
        if token.expose_secret().is_empty() {
            return bad_request(self.ui, self.ui.t("errors.form_incomplete"));
        }
        let ctx = self.state.request_context(self.req);
        let now = ctx.now;
        let (lockout, trusted) = self
            .state
            .devices
            .context(self.req, &self.state.limiter, now)
            .await;
        let step = PageSecondStep {
            token,
            proof: proof(
                action,
                secret("otp"),
                secret("passkey_handle"),
                form.get("passkey_response").unwrap_or("").to_owned(),
            ),
            lockout,
            client_id: p.client.id.as_str().to_owned(),
            previous_session: self.state.browser.session_value(self.req),
        };
        let sign_in = self.state.sign_in.clone();
        // Detached like the password step: a counted failure must run to its end.
        let outcome =
            crate::observability::otel::spawn(async move { sign_in.second_step(&ctx, step).await })
                .await
                .unwrap_or_else(|e| Err(task_failed(e)));
        match outcome {
            Ok(SecondStepOutcome::SignedIn(signed)) => {
                let mut res = self.after_sign_in(&p, &signed.session).await;
                set_sign_in_cookies(&mut res, self.state, &signed, now);
                res
            }
            Ok(SecondStepOutcome::Retry { error, step }) => {
                self.state.limiter.sign_in_failed(self.req).await;
                if let Some(d) = trusted.as_ref() {
                    self.state.limiter.device_failed(&d.device).await;
                }
                let message = Some(retry_message(self.ui, &error));
                step_page(
                    self.ui,
                    self.req,
                    self.state,
                    (&hidden(&p), ACTION_URL),
                    &step,
                    message,
                )
            }
            Err(e) => match failure_message(self.ui, self.req, self.state, e).await {
                Ok(message) => self.login_page(&p, "", Some(message)),
                Err(res) => *res,
            },
        }
    }

    /// `action=consent`: the decision, by the signed-in person, at the level the approval
    /// needs; then the done page.
    pub(super) async fn consent(&self, decision: Option<&str>) -> HttpResponse {
        let allow = match decision {
            Some("allow") => true,
            Some("deny") => false,
            _ => return bad_request(self.ui, self.ui.t("errors.consent_incomplete")),
        };
        let session = match self.session().await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return match self.still_pending().await {
                    Ok(p) => self.login_page(&p, "", None),
                    Err(res) => res,
                }
            }
            Err(res) => return res,
        };
        if allow {
            match self.device.signed_in_user(&session).await {
                Ok(Some(user)) => {
                    if let Some(res) = self.unverified_refusal(&user) {
                        return res;
                    }
                }
                Ok(None) => {}
                Err(e) => return self.fault(e),
            }
        }
        let ctx = self.state.request_context(self.req);
        match self.device.answer(&ctx, &self.typed, &session, allow).await {
            Ok(_) => self
                .ui
                .respond(StatusCode::OK, pages::device_done_page(self.ui, allow)),
            Err(DeviceError::SignInRequired) => match self.still_pending().await {
                Ok(p) => self.login_page(&p, "", None),
                Err(res) => res,
            },
            Err(DeviceError::UnknownCode) => self.no_longer_valid(),
            Err(e) => self.fault(e),
        }
    }

    /// After a sign-in on this page: consent, or the "second factor needed" page when the
    /// person cannot reach the level (a client that requires one, an account without one).
    async fn after_sign_in(&self, p: &PendingDevice, session: &BrowserSession) -> HttpResponse {
        match self.device.session_suffices(p, session).await {
            Ok(true) => self.consent_page(p, session).await,
            Ok(false) => {
                let retry = format!("{ACTION_URL}?user_code={}", p.user_code.display());
                self.ui.respond(
                    StatusCode::FORBIDDEN,
                    pages::second_factor_needed_page(self.ui, &p.client.name, false, &retry),
                )
            }
            Err(e) => self.fault(e),
        }
    }

    /// With `accounts.require_verified_email`, a person whose address is not confirmed cannot
    /// approve a device: the device gets no token before the address is verified, as a web
    /// application gets no code.
    fn unverified_refusal(&self, user: &User) -> Option<HttpResponse> {
        let settings = crate::http::people::PeopleSettings::of(self.req);
        if user.email_verified || !settings.require_verified_email {
            return None;
        }
        Some(self.ui.respond(
            StatusCode::FORBIDDEN,
            pages::error_page(
                self.ui,
                self.ui.t("verify.unverified_title"),
                self.ui.t("device.unverified"),
            ),
        ))
    }

    async fn consent_page(&self, p: &PendingDevice, session: &BrowserSession) -> HttpResponse {
        let user = match self.device.signed_in_user(session).await {
            Ok(Some(u)) => u,
            Ok(None) => return self.login_page(p, "", None),
            Err(e) => return self.fault(e),
        };
        if let Some(res) = self.unverified_refusal(&user) {
            return res;
        }
        let scopes: Vec<String> = p.scope.iter().map(|s| s.as_str().to_owned()).collect();
        let lines = pages::describe_scopes(self.ui, &scopes);
        let resources: Vec<String> = p
            .resources
            .resources()
            .iter()
            .map(|r| format!("{} ({})", r.name, r.identifier))
            .collect();
        let code = p.user_code.display();
        let view = pages::DeviceConsent {
            client_name: &p.client.name,
            email: user.email.as_str(),
            user_code: &code,
            scopes: &lines,
            resources: &resources,
        };
        self.state.page_in(self.ui, self.req, false, |csrf| {
            pages::device_consent_page(self.ui, &view, csrf)
        })
    }

    fn login_page(&self, p: &PendingDevice, email: &str, error: Option<&str>) -> HttpResponse {
        let links = crate::http::people::login_links(self.req, ACTION_URL);
        let options = pages::LoginOptions {
            action_url: ACTION_URL,
            passkeys: false,
            forgot_password_url: Some(&links.forgot_password),
            signup_url: links.signup.as_deref(),
            ..pages::LoginOptions::default()
        };
        let hidden = hidden(p);
        self.state.page_in(self.ui, self.req, false, |csrf| {
            pages::login_page_with(
                self.ui,
                &p.client.name,
                &hidden,
                csrf,
                (email, error),
                options,
            )
        })
    }

    /// The code carried by a later step, looked up again: still pending, or the code page.
    async fn still_pending(&self) -> Result<PendingDevice, HttpResponse> {
        match self.device.pending(&self.typed).await {
            Ok(p) => Ok(p),
            Err(DeviceError::UnknownCode) => Err(self.no_longer_valid()),
            Err(e) => Err(self.fault(e)),
        }
    }

    fn no_longer_valid(&self) -> HttpResponse {
        code_page(
            self.ui,
            self.req,
            self.state,
            "",
            Some(self.ui.t("device.code_expired")),
        )
    }

    async fn session(&self) -> Result<Option<BrowserSession>, HttpResponse> {
        let Some(value) = self.state.browser.session_value(self.req) else {
            return Ok(None);
        };
        self.state
            .sessions
            .session(&value)
            .await
            .map_err(|e| unavailable(self.ui, &e.to_string()))
    }

    fn fault(&self, e: DeviceError) -> HttpResponse {
        unavailable(self.ui, &e.to_string())
    }
}

/// The fields every later page carries: the code, as shown.
fn hidden(p: &PendingDevice) -> Vec<(String, String)> {
    vec![("user_code".to_owned(), p.user_code.display())]
}

/// The code form, with `prefill` and an error after a wrong code.
pub(super) fn code_page(
    ui: &Ui,
    req: &HttpRequest,
    state: &BrowserFlowState,
    prefill: &str,
    error: Option<&str>,
) -> HttpResponse {
    state.page_in(ui, req, false, |csrf| {
        pages::device_code_page(ui, prefill, csrf, error)
    })
}

/// The pages' context: `ui_locales` (in the query of `GET /device`, or a posted field), else
/// `Accept-Language`.
pub(super) fn ui(req: &HttpRequest, posted: Option<&str>) -> Ui {
    let query = crate::http::form::OAuthForm::parse(req.query_string().as_bytes()).ok();
    let from_query = query.as_ref().and_then(|q| q.get("ui_locales"));
    Ui::from_request(req, posted.or(from_query))
}

pub(super) fn bad_request(ui: &Ui, message: &str) -> HttpResponse {
    error(
        ui,
        StatusCode::BAD_REQUEST,
        ui.t("errors.invalid_request_title"),
        message,
    )
}

fn unavailable(ui: &Ui, detail: &str) -> HttpResponse {
    log::warn!("device page unavailable: {detail}");
    let mut res = error(
        ui,
        StatusCode::SERVICE_UNAVAILABLE,
        ui.t("errors.unavailable_title"),
        ui.t("errors.unavailable"),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    res
}

fn error(ui: &Ui, status: StatusCode, title: &str, message: &str) -> HttpResponse {
    ui.respond(status, pages::error_page(ui, title, message))
}
