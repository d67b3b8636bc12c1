//! "Revoke" of a connected app: the same withdrawal as the admin API's.

use super::render::unavailable;
use super::{back, notices, Fields, Page, SignedIn};
use crate::http::state::AccountState;
use actix_web::HttpResponse;

/// `action=revoke_app` (`client_id`).
pub(super) async fn revoke(
    page: &Page<'_>,
    accounts: &AccountState,
    s: &SignedIn,
    fields: &Fields,
) -> HttpResponse {
    let ctx = page.context();
    match accounts
        .account_sessions
        .revoke_app(&ctx, &s.user.id, &fields.text("client_id"))
        .await
    {
        Ok(true) => back(&notices::done("app_revoked")),
        Ok(false) => back(&notices::error("not_found")),
        Err(e) => unavailable(&page.ui, &e.to_string()),
    }
}
