//! The page's answers: the sign-in form, the signed-in page, and error pages.

use super::{Page, SignedIn};
use crate::http::pages::{self, AccountView, AppLine, LoginOptions, PasskeyLine, SessionLine, Ui};
use crate::http::state::AccountState;
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use tessera_domain::{AuthMethod, AuthMethods, UnixTime};

/// The sign-in form posting to `/account`, `email` refilled, `message` above it.
pub(super) fn sign_in_form(page: &Page<'_>, email: &str, message: Option<&str>) -> HttpResponse {
    let passkeys = page.flow.passkeys;
    let ui = &page.ui;
    let links = crate::http::people::login_links(page.req, super::ACCOUNT_URL);
    page.flow.page_in(ui, page.req, passkeys, |csrf| {
        pages::login_page_with(
            ui,
            // What the sign-in form names as where the person is going.
            ui.t("account.your_account"),
            &[],
            csrf,
            (email, message),
            LoginOptions {
                action_url: super::ACCOUNT_URL,
                passkeys,
                forgot_password_url: Some(&links.forgot_password),
                signup_url: links.signup.as_deref(),
                ..LoginOptions::default()
            },
        )
    })
}

/// The signed-in page with its one-shot notice and error.
pub(super) async fn account(
    page: &Page<'_>,
    accounts: &AccountState,
    s: &SignedIn,
    (notice, error): (Option<&str>, Option<&str>),
    fresh: bool,
) -> HttpResponse {
    let now = page.flow.clock.now();
    let factors = accounts.second_factors.status(&s.user.id).await;
    let sessions = accounts
        .account_sessions
        .sessions(&s.user.id, Some(&s.digest), now)
        .await;
    let apps = accounts.account_sessions.apps(&s.user.id).await;
    let (factors, sessions, apps) = match (factors, sessions, apps) {
        (Ok(f), Ok(s), Ok(a)) => (f, s, a),
        (Err(e), _, _) => return unavailable(&page.ui, &e.to_string()),
        (_, Err(e), _) | (_, _, Err(e)) => return unavailable(&page.ui, &e.to_string()),
    };
    let passkey_lines: Vec<PasskeyLine> = factors
        .passkeys
        .iter()
        .map(|p| PasskeyLine {
            id: p.id.clone(),
            name: p.name.clone(),
            added: when(p.created_at),
            last_used: p.last_used_at.map(when),
        })
        .collect();
    let session_lines: Vec<SessionLine> = sessions
        .iter()
        .map(|v| SessionLine {
            id: v.id.clone(),
            signed_in: when(v.auth_time),
            how: how(&page.ui, v.amr),
            current: v.current,
        })
        .collect();
    let app_lines: Vec<AppLine> = apps
        .iter()
        .map(|a| {
            let scopes: Vec<String> = a.scope.iter().map(|s| s.as_str().to_owned()).collect();
            AppLine {
                client_id: a.client_id.as_str().to_owned(),
                name: a.name.clone(),
                scopes: pages::describe_scopes(&page.ui, &scopes)
                    .into_iter()
                    .map(|l| l.description)
                    .collect(),
                granted: when(a.granted_at),
            }
        })
        .collect();
    let passkeys = page.flow.passkeys;
    let view = AccountView {
        email: s.user.email.as_str(),
        email_verified: s.user.email_verified,
        name: s.user.name.as_deref(),
        notice,
        error,
        fresh,
        totp: factors.totp,
        recovery_codes_left: factors.recovery_codes_left,
        passkeys: passkeys.then_some(passkey_lines.as_slice()),
        sessions: &session_lines,
        apps: &app_lines,
    };
    let upstreams = crate::http::authorize::upstream::account_lines(page.req, &s.user.id).await;
    page.flow.page_in(&page.ui, page.req, passkeys, |csrf| {
        let html = pages::account_page(&page.ui, csrf, view);
        crate::http::authorize::upstream::with_account_section(page.req, html, &upstreams, csrf)
    })
}

/// How a session signed in, in words.
fn how(ui: &Ui, amr: AuthMethods) -> String {
    let mut words: Vec<&str> = Vec::new();
    if amr.contains(AuthMethod::Password) {
        words.push(ui.t("account.how_password"));
    }
    if amr.contains(AuthMethod::OneTimePassword) {
        words.push(ui.t("account.how_code"));
    }
    if amr.contains(AuthMethod::HardwareKey) || amr.contains(AuthMethod::SoftwareKey) {
        words.push(ui.t("account.how_passkey"));
    }
    let mut words = words.into_iter();
    let Some(first) = words.next() else {
        return ui.t("account.how_other").to_owned();
    };
    words.fold(first.to_owned(), |a, b| {
        ui.fill("account.how_and", &[("a", &a), ("b", b)])
    })
}

/// A time as `YYYY-MM-DD HH:MM UTC`.
pub(super) fn when(t: UnixTime) -> String {
    let secs = t.as_secs();
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rest / 3_600,
        (rest % 3_600) / 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn error_page(ui: &Ui, status: StatusCode, title: &str, message: &str) -> HttpResponse {
    ui.respond(status, pages::error_page(ui, title, message))
}

/// `400` page.
pub(super) fn bad_request(ui: &Ui, message: &str) -> HttpResponse {
    error_page(
        ui,
        StatusCode::BAD_REQUEST,
        ui.t("errors.invalid_request_title"),
        message,
    )
}

/// `503` page: storage is unreachable.
pub(super) fn unavailable(ui: &Ui, detail: &str) -> HttpResponse {
    log::warn!("account page unavailable: {detail}");
    let mut res = error_page(
        ui,
        StatusCode::SERVICE_UNAVAILABLE,
        ui.t("errors.unavailable_title"),
        ui.t("errors.unavailable_account"),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    res
}

/// `500` page.
pub(super) fn fault(ui: &Ui) -> HttpResponse {
    error_page(
        ui,
        StatusCode::INTERNAL_SERVER_ERROR,
        ui.t("errors.fault_title"),
        ui.t("errors.fault"),
    )
}
