//! Server-rendered HTML pages: login, consent, logout, errors and the form-post response.
//!
//! Pages are plain functions from a [`Ui`] (language and branding) and values to a `String`;
//! they need no JavaScript and load nothing from anywhere (AS-34). Every text comes from the
//! message catalogues ([`crate::i18n`]), every interpolated value is escaped by [`escape`],
//! and [`Ui::respond`] adds the anti-framing, no-cache and CSP headers (AS-33). Forms carry a
//! `csrf_token` that the handlers check against the session (AS-35).

mod account;
mod account_links;
mod api_docs;
mod check_inbox;
mod forgot_password;
mod people_form;
#[cfg(test)]
mod people_pages_tests;
mod signup;
mod unverified;
pub use api_docs::api_docs_page;
mod consent;
mod device;
mod error;
mod escape;
mod form_post;
mod layout;
mod login;
mod logout;
mod response;
mod second_factor;
mod ui;
mod upstream;
pub mod webauthn;

pub use account::{
    account_page, recovery_codes_page, totp_enrolment_page, AccountView, AppLine, PasskeyLine,
    SessionLine,
};
pub use account_links::{link_done_page, reset_password_page, verify_email_page};
pub use check_inbox::{check_inbox_page, link_done_with_continue, people_error_page};
pub use consent::{
    consent_page, consent_page_for, consent_page_for_site, consent_page_with_logo, describe_scopes,
    ConsentAsked, ResourceLine, ScopeLine,
};
pub use device::{device_code_page, device_consent_page, device_done_page, DeviceConsent};
pub use error::error_page;
pub use escape::{escape, Escaped};
pub use forgot_password::{forgot_password_page, ForgotPasswordView};
pub use form_post::{form_post_page, form_post_response};
pub use layout::Hidden;
pub use login::{login_page, login_page_with, LoginOptions, UpstreamButton};
pub use logout::{logged_out_page, logout_confirm_page};
/// Only the API description page (`/docs`, unbranded, English) still uses it.
pub use response::html_response;
pub use second_factor::{second_factor_needed_page, second_factor_page, SecondStep};
pub use signup::{signup_page, SignupField, SignupView};
pub use ui::{Branding, Logo, Rgb, Theme, Ui};
pub use unverified::{unverified_page, UnverifiedView};
pub use upstream::{
    account_upstreams_section, link_proof_page, upstream_problem_page, AccountUpstreamLine,
    LinkProof, UpstreamProblem,
};

#[cfg(test)]
mod tests;
