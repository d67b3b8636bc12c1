//! `GET, POST /account`: the signed-in person's own page in the browser.
//!
//! Without a live session it is the sign-in form (posting here, with the same steps as the
//! `/authorize` login page: password, second factor, passwordless passkey). Signed in, it shows
//! the profile, password, second factors, passkeys, sessions and connected apps. Every POST is
//! CSRF-checked; a change answers `303` back to `/account` with a one-shot notice named in the
//! query (`?done=…` / `?error=…`, mapped to fixed texts, never echoed). Changing a second
//! factor needs a sign-in younger than [`FRESH_SIGN_IN_SECS`] (ASVS 7.5.1): an older session
//! gets the sign-in form again first.

mod apps;
mod factors;
mod notices;
mod profile;
mod render;
mod sessions;
mod sign_in;
#[cfg(test)]
mod tests;

use super::account_mfa::FRESH_SIGN_IN_SECS;
use super::authorize::sign_in::guard;
use super::errors::ApiError;
use super::form::OAuthForm;
use super::pages::Ui;
use super::state::{AccountState, BrowserFlowState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use secrecy::SecretString;
use tessera_domain::{BrowserSession, TokenDigest, User};

/// Where the page lives (and every form posts).
const ACCOUNT_URL: &str = "/account";

/// What one request to the page works with.
struct Page<'a> {
    req: &'a HttpRequest,
    flow: &'a BrowserFlowState,
    /// Language (`?ui_locales=`, else `Accept-Language`) and branding.
    ui: Ui,
}

/// The page's context: `ui_locales` from the query, else `Accept-Language`.
fn ui_of(req: &HttpRequest) -> Ui {
    let query = OAuthForm::parse(req.query_string().as_bytes()).ok();
    Ui::from_request(req, query.as_ref().and_then(|q| q.get("ui_locales")))
}

/// The signed-in person: their session (and its cookie's digest) and account.
struct SignedIn {
    session: BrowserSession,
    digest: TokenDigest,
    user: User,
}

/// The fields the page's forms post.
struct Fields {
    form: OAuthForm,
}

impl Fields {
    fn text(&self, name: &str) -> String {
        self.form.get(name).unwrap_or("").to_owned()
    }

    fn secret(&self, name: &str) -> SecretString {
        SecretString::from(self.text(name))
    }
}

// `GET /account`.
/// The signed-in person's own page, or the sign-in form
#[utoipa::path(get, path = "/account", tag = "account",
    description = "Browser page: profile, password, second factors and passkeys, sessions and \
                   connected apps; without a session the sign-in form. Answers HTML.",
    params(
        ("done" = Option<String>, Query, description = "Which change to confirm (fixed texts)"),
        ("error" = Option<String>, Query, description = "Which refusal to explain (fixed texts)"),
    ),
    responses(
        (status = 200, description = "The account page or the sign-in form", body = String, content_type = "text/html"),
    ))]
pub async fn account_get(
    req: HttpRequest,
    flow: web::Data<BrowserFlowState>,
    accounts: Option<web::Data<AccountState>>,
) -> HttpResponse {
    let page = Page {
        req: &req,
        flow: &flow,
        ui: ui_of(&req),
    };
    let signed_in = match page.signed_in(accounts.as_ref().map(|a| a.get_ref())).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    match (signed_in, accounts) {
        (Some(s), Some(accounts)) => {
            let (done, error) = notices::from_query(req.query_string());
            let (done, error) = (done.map(|k| page.ui.t(k)), error.map(|k| page.ui.t(k)));
            let fresh = page.fresh(&s.session);
            render::account(&page, &accounts, &s, (done, error), fresh).await
        }
        _ => render::sign_in_form(&page, "", None),
    }
}

// `POST /account`: one of the page's forms.
/// The account page's forms and its sign-in form post here
#[utoipa::path(post, path = "/account", tag = "account",
    description = "Browser endpoint, CSRF-protected. `action` names the form: login, mfa, \
                   mfa_passkey, passkey, name, password, totp_begin, totp_confirm, totp_off, \
                   recovery_codes, passkey_options (answers JSON `{handle, options}`), add_passkey, \
                   rename_passkey, remove_passkey, end_session, end_other_sessions, revoke_app.",
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The next page", body = String, content_type = "text/html"),
        (status = 303, description = "Back to the page after a change or a sign-in",
            headers(("Location" = String))),
        (status = 400, description = "An error page", body = String, content_type = "text/html"),
        (status = 403, description = "Missing or wrong CSRF token", body = String, content_type = "text/html"),
    ))]
pub async fn account_post(
    req: HttpRequest,
    payload: web::Payload,
    flow: web::Data<BrowserFlowState>,
    accounts: Option<web::Data<AccountState>>,
) -> HttpResponse {
    let form = match OAuthForm::read(&req, payload).await {
        Ok(f) => f,
        Err(e) => return render::bad_request(&ui_of(&req), &e.to_string()),
    };
    let action = form.get("action").unwrap_or("").to_owned();
    if let Some(refused) = guard(&req, &flow, &action, &form).await {
        return refused;
    }
    let page = Page {
        req: &req,
        flow: &flow,
        ui: Ui::from_request(&req, form.get("ui_locales")),
    };
    let fields = Fields { form };
    match action.as_str() {
        "login" => return sign_in::password(&page, &fields).await,
        "mfa" | "mfa_passkey" => return sign_in::second_step(&page, &action, &fields).await,
        "passkey" => return sign_in::passkey(&page, &fields).await,
        _ => {}
    }
    let signed_in = match page.signed_in(accounts.as_ref().map(|a| a.get_ref())).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let (Some(s), Some(accounts)) = (signed_in, accounts) else {
        return render::sign_in_form(&page, "", Some(page.ui.t(notices::SIGNED_OUT)));
    };
    if factors::ACTIONS.contains(&action.as_str()) {
        if !page.fresh(&s.session) && action == "passkey_options" {
            // The script's fetch: JSON, like the account API's (RFC 9470).
            return ApiError::insufficient_user_authentication(FRESH_SIGN_IN_SECS).error_response();
        }
        if !page.fresh(&s.session) {
            return render::sign_in_form(
                &page,
                s.user.email.as_str(),
                Some(page.ui.t(notices::REAUTHENTICATE)),
            );
        }
        return factors::answer(&page, &accounts, &s, &action, &fields).await;
    }
    match action.as_str() {
        "name" => profile::name(&page, &accounts, &s, &fields).await,
        "password" => profile::password(&page, &accounts, &s, &fields).await,
        "end_session" | "end_other_sessions" => {
            sessions::answer(&page, &accounts, &s, &action, &fields).await
        }
        "revoke_app" => apps::revoke(&page, &accounts, &s, &fields).await,
        _ => render::bad_request(&page.ui, page.ui.t("errors.unknown_action")),
    }
}

impl Page<'_> {
    /// The live session of the browser and its (active) account, if any.
    async fn signed_in(
        &self,
        accounts: Option<&AccountState>,
    ) -> Result<Option<SignedIn>, HttpResponse> {
        let Some(cookie) = self.flow.browser.session_value(self.req) else {
            return Ok(None);
        };
        let session = match self.flow.sessions.session(&cookie).await {
            Ok(Some(s)) => s,
            Ok(None) => return Ok(None),
            Err(e) => return Err(render::unavailable(&self.ui, &e.to_string())),
        };
        let Some(accounts) = accounts else {
            log::error!("the account page has no account state");
            return Err(render::fault(&self.ui));
        };
        match accounts.account_sessions.account(&session.user_id).await {
            Ok(Some(user)) => Ok(Some(SignedIn {
                digest: TokenDigest::of(&cookie),
                session,
                user,
            })),
            Ok(None) => Ok(None),
            Err(e) => Err(render::unavailable(&self.ui, &e.to_string())),
        }
    }

    /// True when the session's sign-in is recent enough to change second factors.
    fn fresh(&self, session: &BrowserSession) -> bool {
        let now = self.flow.clock.now();
        now.as_secs().saturating_sub(session.auth_time.as_secs()) <= FRESH_SIGN_IN_SECS
    }

    /// The request's context for the use cases.
    fn context(&self) -> tessera_application::RequestContext {
        self.flow.request_context(self.req)
    }
}

/// `303` back to the page, with a notice or error key.
fn back(query: &str) -> HttpResponse {
    let location = if query.is_empty() {
        ACCOUNT_URL.to_owned()
    } else {
        format!("{ACCOUNT_URL}?{query}")
    };
    HttpResponse::build(StatusCode::SEE_OTHER)
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}
