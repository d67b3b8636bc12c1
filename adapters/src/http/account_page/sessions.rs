//! "Sign out" of one other session, and of all others.

use super::render::unavailable;
use super::{back, notices, Fields, Page, SignedIn};
use crate::http::state::AccountState;
use actix_web::HttpResponse;

/// `action=end_session` (`session_id`) or `action=end_other_sessions`.
pub(super) async fn answer(
    page: &Page<'_>,
    accounts: &AccountState,
    s: &SignedIn,
    action: &str,
    fields: &Fields,
) -> HttpResponse {
    let ctx = page.context();
    let sessions = &accounts.account_sessions;
    if action == "end_other_sessions" {
        return match sessions
            .end_other_sessions(&ctx, &s.user.id, &s.digest)
            .await
        {
            Ok(_) => back(&notices::done("others_ended")),
            Err(e) => unavailable(&page.ui, &e.to_string()),
        };
    }
    match sessions
        .end_session(&ctx, &s.user.id, &fields.text("session_id"))
        .await
    {
        Ok(true) => back(&notices::done("session_ended")),
        Ok(false) => back(&notices::error("not_found")),
        Err(e) => unavailable(&page.ui, &e.to_string()),
    }
}
