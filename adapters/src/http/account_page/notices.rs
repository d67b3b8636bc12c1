//! The page's one-shot notices: a key in the query (`?done=…`, `?error=…`) mapped to a fixed
//! catalogue message, so nothing a link carries is ever shown as is.

/// Shown with the sign-in form when a form was posted without a live session (a catalogue
/// key, like every text here).
pub(super) const SIGNED_OUT: &str = "account.signed_out";
/// Shown with the sign-in form before a change to a second factor (ASVS 7.5.1).
pub(super) const REAUTHENTICATE: &str = "account.reauthenticate";
/// Shown with the sign-in form after a password change.
pub(super) const PASSWORD_CHANGED: &str = "account.password_changed";

/// Changes the page confirms: query key, catalogue key.
const DONE: &[(&str, &str)] = &[
    ("name_saved", "account.done_name_saved"),
    ("totp_off", "account.done_totp_off"),
    ("passkey_added", "account.done_passkey_added"),
    ("passkey_renamed", "account.done_passkey_renamed"),
    ("passkey_removed", "account.done_passkey_removed"),
    ("session_ended", "account.done_session_ended"),
    ("others_ended", "account.done_others_ended"),
    ("app_revoked", "account.done_app_revoked"),
];

/// Refusals the page explains: query key, catalogue key.
const ERRORS: &[(&str, &str)] = &[
    ("name", "account.error_name"),
    ("wrong_password", "account.error_wrong_password"),
    ("weak_password", "account.error_weak_password"),
    ("wrong_code", "account.error_wrong_code"),
    ("locked", "account.error_locked"),
    ("passkey_failed", "account.error_passkey_failed"),
    ("passkey_name", "account.error_passkey_name"),
    ("not_found", "account.error_not_found"),
    ("busy", "account.error_busy"),
    ("totp_on", "account.error_totp_on"),
    ("totp_not_on", "account.error_totp_not_on"),
    ("enrolment_expired", "account.error_enrolment_expired"),
];

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// The notice and error (catalogue keys) a query names; unknown keys are ignored.
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
