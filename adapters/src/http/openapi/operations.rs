//! Marker functions for the operations whose handlers do not carry their own `#[utoipa::path]`
//! yet: each turns into a path item of the document. They are never called. The handlers that
//! are annotated themselves are listed directly in [`super`]'s `paths(...)`.
//!
//! Paths are literals here (the macro takes no constants); the unit test in [`super`] checks
//! them against [`crate::http::paths::ROUTES`], so a typo or a forgotten route fails the build.

// Markers only: never called.
#![allow(dead_code)]

use crate::http::wire::*;

// ---- account ----

/// Registers an account; a taken address answers the same (its owner is mailed instead)
#[utoipa::path(post, path = "/users/register", tag = "account",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Accepted, for a new and a taken address alike (ASVS 6.3.8): a new address gets an account and a verification mail, the owner of a taken one a mail saying someone tried", body = Registered),
        (status = 400, description = "A field is not valid (named in the description)", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ))]
fn users_register() {}

/// The signed-in user's profile
#[utoipa::path(get, path = "/users/me", tag = "account",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The profile", body = Profile),
        (status = 400, description = "Malformed Authorization header", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an account API token", body = ErrorBody),
    ))]
fn users_me_get() {}

/// Sets or clears the display name
#[utoipa::path(patch, path = "/users/me", tag = "account",
    security(("access_token" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "The updated profile", body = Profile),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an account API token", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
    ))]
fn users_me_patch() {}

/// Deletes the account (password required)
#[utoipa::path(delete, path = "/users/me", tag = "account",
    security(("access_token" = [])),
    request_body = AccountDeletion,
    responses(
        (status = 204, description = "Deleted; its tokens stop working"),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Wrong password (`invalid_credentials`) or not an account API token", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
fn users_me_delete() {}

/// Changes the password; every session and refresh token ends
#[utoipa::path(post, path = "/users/me/password", tag = "account",
    security(("access_token" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Wrong current password (`invalid_credentials`)", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
fn users_me_password() {}

/// The page behind an email-verification link
#[utoipa::path(get, path = "/users/verify-email", tag = "account",
    params(("token" = Option<String>, Query, description = "From the mailed link")),
    responses(
        (status = 200, description = "A page with the confirm button", body = String, content_type = "text/html"),
        (status = 400, description = "The invalid-link page", body = String, content_type = "text/html"),
    ))]
fn verify_email_get() {}

/// Confirms an email address (JSON, or the page's form)
#[utoipa::path(post, path = "/users/verify-email", tag = "account",
    request_body(content(
        (VerifyEmailRequest = "application/json"),
        (VerifyEmailForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Confirmed: JSON for JSON, a page for the form", content(
            (EmailVerified = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, description = "Invalid or expired link", content(
            (ErrorBody = "application/json"),
            (String = "text/html"),
        )),
        (status = 415, description = "Neither JSON nor a form", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
fn verify_email_post() {}

/// Mails a new verification link
#[utoipa::path(post, path = "/users/verify-email/resend", tag = "account",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted, whether or not the account exists", body = Accepted),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
fn verify_email_resend() {}

/// Mails a password-reset link
#[utoipa::path(post, path = "/users/password-reset", tag = "account",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted, whether or not the account exists", body = Accepted),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
fn password_reset() {}

/// The page behind a password-reset link
#[utoipa::path(get, path = "/users/password-reset/confirm", tag = "account",
    params(("token" = Option<String>, Query, description = "From the mailed link")),
    responses(
        (status = 200, description = "The new-password form", body = String, content_type = "text/html"),
        (status = 400, description = "The invalid-link page", body = String, content_type = "text/html"),
    ))]
fn password_reset_confirm_get() {}

/// Sets a new password from a reset link (JSON, or the page's form)
#[utoipa::path(post, path = "/users/password-reset/confirm", tag = "account",
    request_body(content(
        (ResetConfirmation = "application/json"),
        (ResetConfirmationForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 204, description = "Changed (JSON); every session ends"),
        (status = 200, description = "Changed (form): a page", body = String, content_type = "text/html"),
        (status = 400, description = "Invalid link or password", content(
            (ErrorBody = "application/json"),
            (String = "text/html"),
        )),
        (status = 415, description = "Neither JSON nor a form", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
    ))]
fn password_reset_confirm_post() {}

// ---- admin (bearer: the admin token or an admin API key) ----

/// Lists clients
#[utoipa::path(get, path = "/admin/clients", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The clients", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
    ))]
fn admin_clients_list() {}

/// Registers a client; the secret is shown once
#[utoipa::path(post, path = "/admin/clients", tag = "admin",
    security(("admin_token" = [])),
    request_body = AdminClientCreate,
    responses(
        (status = 201, description = "The client, with `client_secret` for confidential clients", body = Object),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
    ))]
fn admin_clients_create() {}

/// One client
#[utoipa::path(get, path = "/admin/clients/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The client", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_client_get() {}

/// Changes a client; only the fields present change
#[utoipa::path(patch, path = "/admin/clients/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    request_body = AdminClientUpdate,
    responses(
        (status = 200, description = "The updated client", body = Object),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_client_patch() {}

/// Deletes a client
#[utoipa::path(delete, path = "/admin/clients/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_client_delete() {}

/// Replaces a confidential client's secret; shown once
#[utoipa::path(post, path = "/admin/clients/{id}/secret", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "`{\"client_id\",\"client_secret\"}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_client_secret() {}

/// Lists users, a page at a time
#[utoipa::path(get, path = "/admin/users", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "`{\"users\": [...], \"next\"}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
    ))]
fn admin_users_list() {}

/// One user
#[utoipa::path(get, path = "/admin/users/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_get() {}

/// Deletes a user and everything hanging off it
#[utoipa::path(delete, path = "/admin/users/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_delete() {}

/// Disables a user: sign-in refused, sessions and tokens end
#[utoipa::path(post, path = "/admin/users/{id}/disable", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_disable() {}

/// Enables a disabled user
#[utoipa::path(post, path = "/admin/users/{id}/enable", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_enable() {}

/// Clears a sign-in lockout
#[utoipa::path(post, path = "/admin/users/{id}/unlock", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_unlock() {}

/// Mails the user a password-reset link
#[utoipa::path(post, path = "/admin/users/{id}/password-reset", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 202, description = "Sent", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_password_reset() {}

/// The user's consents
#[utoipa::path(get, path = "/admin/users/{id}/consents", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The consents", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_consents() {}

/// Withdraws one consent
#[utoipa::path(delete, path = "/admin/users/{id}/consents/{client_id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path), ("client_id" = String, Path)),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_consent_delete() {}

/// Ends every session and refresh token of the user
#[utoipa::path(delete, path = "/admin/users/{id}/sessions", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_user_sessions_delete() {}

/// Lists signing keys (kid, alg, state)
#[utoipa::path(get, path = "/admin/keys", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The keys", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
    ))]
fn admin_keys_list() {}

/// Makes a new active signing key; the old one stays published
#[utoipa::path(post, path = "/admin/keys/rotate", tag = "admin",
    security(("admin_token" = [])),
    request_body = AdminKeyRotate,
    responses(
        (status = 200, description = "The new key", body = Object),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 409, description = "The key to become active has not been published for the JWKS cache lifetime yet; Retry-After says when, force overrides", body = ErrorBody),
    ))]
fn admin_keys_rotate() {}

/// Lists admin API keys (never their secrets)
#[utoipa::path(get, path = "/admin/api-keys", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The keys", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
    ))]
fn admin_api_keys_list() {}

/// Creates an admin API key; the secret is shown once
#[utoipa::path(post, path = "/admin/api-keys", tag = "admin",
    security(("admin_token" = [])),
    request_body = AdminApiKeyCreate,
    responses(
        (status = 201, description = "The key, with its secret", body = Object),
        (status = 400, description = "A field is not valid", body = ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
    ))]
fn admin_api_keys_create() {}

/// Revokes an admin API key
#[utoipa::path(delete, path = "/admin/api-keys/{id}", tag = "admin",
    security(("admin_token" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody),
    ))]
fn admin_api_key_delete() {}

/// The audit log, newest first, a page at a time
#[utoipa::path(get, path = "/admin/audit", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "`{\"events\": [...], \"next\"}`", body = Object),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
    ))]
fn admin_audit() {}
