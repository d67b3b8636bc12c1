//! The consent page's answer.

use super::render::{bad_request, continue_with, current_session, ui_for};
use super::PageFields;
use crate::http::state::BrowserFlowState;
use actix_web::{HttpRequest, HttpResponse};
use tessera_application::services::{AuthorizeParams, Interaction, SignInProof};

/// Records the decision, then lets the use case act on it.
pub(super) async fn answer(
    req: &HttpRequest,
    state: &BrowserFlowState,
    params: AuthorizeParams,
    page: PageFields,
) -> HttpResponse {
    let allow = match page.decision.as_deref() {
        Some("allow") => true,
        Some("deny") => false,
        _ => {
            let ui = ui_for(req, &params);
            return bad_request(&ui, ui.t("errors.consent_incomplete"));
        }
    };
    let session = current_session(req, state, &ui_for(req, &params)).await;
    // Proof that the session's sign-in happened in this authorization, for requests that
    // demand re-authentication; the use case decides whether it is needed.
    let sign_in = match &session {
        Ok(s) => state
            .auth_tx
            .verify(s.as_ref(), &params, page.auth_tx.as_deref()),
        Err(_) => SignInProof::Unproven,
    };
    if let Ok(Some(s)) = &session {
        state.authorize.consent_answered(
            &state.request_context(req),
            &s.user_id,
            params.client_id.as_deref(),
            allow,
        );
    }
    let interaction = Interaction::Consented { allow, sign_in };
    continue_with(req, state, params, session.ok().flatten(), interaction).await
}
