//! The page's answers: the sign-in form, the signed-in page, and error pages.

use super::{Page, SignedIn};
use crate::http::pages::{self, AccountView, AppLine, LoginOptions, PasskeyLine, SessionLine};
use crate::http::state::AccountState;
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use tessera_domain::{AuthMethod, AuthMethods, UnixTime};

/// What the sign-in form names as where the person is going.
const DESTINATION: &str = "your account";

/// The sign-in form posting to `/account`, `email` refilled, `message` above it.
pub(super) fn sign_in_form(page: &Page<'_>, email: &str, message: Option<&str>) -> HttpResponse {
    let passkeys = page.flow.passkeys;
    let links = crate::http::people::login_links(page.req, super::ACCOUNT_URL);
    page.flow
        .page_with_csrf_and_script(page.req, passkeys, |csrf| {
            pages::login_page_with(
                DESTINATION,
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
        (Err(e), _, _) => return unavailable(&e.to_string()),
        (_, Err(e), _) | (_, _, Err(e)) => return unavailable(&e.to_string()),
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
            how: how(v.amr),
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
                scopes: pages::describe_scopes(&scopes)
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
    page.flow
        .page_with_csrf_and_script(page.req, passkeys, |csrf| pages::account_page(csrf, view))
}

/// How a session signed in, in words.
fn how(amr: AuthMethods) -> String {
    let mut words: Vec<&str> = Vec::new();
    if amr.contains(AuthMethod::Password) {
        words.push("password");
    }
    if amr.contains(AuthMethod::OneTimePassword) {
        words.push("a code");
    }
    if amr.contains(AuthMethod::HardwareKey) || amr.contains(AuthMethod::SoftwareKey) {
        words.push("a passkey");
    }
    if words.is_empty() {
        "another method".to_owned()
    } else {
        words.join(" and ")
    }
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

fn error_page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    pages::html_response(status, pages::error_page(title, message))
}

/// `400` page.
pub(super) fn bad_request(message: &str) -> HttpResponse {
    error_page(
        StatusCode::BAD_REQUEST,
        "This request is not valid",
        message,
    )
}

/// `503` page: storage is unreachable.
pub(super) fn unavailable(detail: &str) -> HttpResponse {
    log::warn!("account page unavailable: {detail}");
    let mut res = error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "Your account page is temporarily unavailable. Please try again in a moment.",
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    res
}

/// `500` page.
pub(super) fn fault() -> HttpResponse {
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Please try again later.",
    )
}
