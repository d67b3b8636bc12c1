//! The label values of the request metrics: methods, cached statuses and sign-in outcomes,
//! each a small closed set so the series count stays bounded.

use actix_web::http::Method;

/// Method labels; anything else (extension methods) is "OTHER", keeping cardinality bounded.
pub(super) const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER",
];

/// Statuses whose counters are cached per route and method; others take the slow path.
pub(super) const STATUSES: [u16; 17] = [
    200, 201, 204, 302, 303, 304, 400, 401, 403, 404, 405, 406, 413, 415, 429, 500, 503,
];

/// How a sign-in attempt ended, for `tessera_logins_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Signed in.
    Success,
    /// Wrong email or password (or a disabled account).
    Failure,
    /// Refused because the account is locked.
    Locked,
}

impl LoginOutcome {
    pub(super) fn index(self) -> usize {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Locked => 2,
        }
    }
}

/// The three digits of an HTTP status, without formatting machinery; out of range is "000".
pub(super) fn status_digits(status: u16) -> [u8; 3] {
    if !(100..=999).contains(&status) {
        return *b"000";
    }
    // Each digit is below 10, so the casts cannot truncate.
    [
        b'0' + (status / 100) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
    ]
}

pub(super) fn method_index(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::POST => 1,
        Method::PUT => 2,
        Method::PATCH => 3,
        Method::DELETE => 4,
        Method::HEAD => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}
