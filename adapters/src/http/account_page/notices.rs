//! The page's one-shot notices: a key in the query (`?done=…`, `?error=…`) mapped to a fixed
//! text, so nothing a link carries is ever shown as is.

/// Shown with the sign-in form when a form was posted without a live session.
pub(super) const SIGNED_OUT: &str = "You are signed out. Sign in to continue.";
/// Shown with the sign-in form before a change to a second factor (ASVS 7.5.1).
pub(super) const REAUTHENTICATE: &str =
    "To change how you sign in, confirm it is you: sign in again, then repeat the change.";
/// Shown with the sign-in form after a password change.
pub(super) const PASSWORD_CHANGED: &str =
    "Your password was changed and you were signed out everywhere. Sign in with the new one.";

/// Changes the page confirms: key, text.
const DONE: &[(&str, &str)] = &[
    ("name_saved", "Your name was saved."),
    (
        "totp_off",
        "Two-step sign-in with an authenticator app is off.",
    ),
    ("passkey_added", "Your passkey was added."),
    ("passkey_renamed", "The passkey was renamed."),
    ("passkey_removed", "The passkey was removed."),
    ("session_ended", "That session was signed out."),
    ("others_ended", "Every other session was signed out."),
    (
        "app_revoked",
        "The app no longer has access to your account.",
    ),
];

/// Refusals the page explains: key, text.
const ERRORS: &[(&str, &str)] = &[
    ("name", "A name must be 1 to 200 printable characters."),
    ("wrong_password", "The current password is not correct."),
    (
        "weak_password",
        "The new password was not accepted: use a longer one that is not common and not based on your email address.",
    ),
    ("wrong_code", "That code is not correct."),
    ("locked", "Too many failed attempts. Please wait a while and try again."),
    ("passkey_failed", "The passkey could not be added. Please try again."),
    ("passkey_name", "A passkey name must be 1 to 64 printable characters."),
    ("not_found", "That item no longer exists."),
    ("busy", "The server is busy. Please try again in a moment."),
    ("totp_on", "Two-step sign-in with an authenticator app is already on."),
    ("totp_not_on", "Two-step sign-in with an authenticator app is not on."),
    ("enrolment_expired", "The set-up was not started or has expired. Please start again."),
];

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// The notice and error a query names; unknown keys are ignored.
pub(super) fn from_query(query: &str) -> (Option<&'static str>, Option<&'static str>) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut done = None;
    let mut error = None;
    for (k, v) in &pairs {
        match k.as_str() {
            "done" => done = lookup(DONE, v),
            "error" => error = lookup(ERRORS, v),
            _ => {}
        }
    }
    (done, error)
}

/// `done=key`.
pub(super) fn done(key: &str) -> String {
    format!("done={key}")
}

/// `error=key`.
pub(super) fn error(key: &str) -> String {
    format!("error={key}")
}
