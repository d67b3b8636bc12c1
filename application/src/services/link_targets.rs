//! Where emailed links point. The HTTP adapter owns the paths and builds these at wiring, so
//! the use cases mail links without knowing any URL layout.

/// The absolute URLs that emailed links and notices name; a link is its target plus
/// `?token=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTargets {
    /// The page an email-verification link opens.
    pub verify_email: String,
    /// The page a password-reset link opens.
    pub reset_password: String,
    /// Where a password reset is asked for (named in the registration notice).
    pub password_reset_request: String,
}
