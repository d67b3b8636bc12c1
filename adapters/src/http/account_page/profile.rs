//! The profile and password forms.

use super::render::{fault, sign_in_form, unavailable};
use super::{back, notices, Fields, Page, SignedIn};
use crate::http::state::AccountState;
use actix_web::HttpResponse;
use tessera_application::services::AccountChangeError;

/// `action=name`: sets (or, empty, clears) the display name.
pub(super) async fn name(
    page: &Page<'_>,
    accounts: &AccountState,
    s: &SignedIn,
    fields: &Fields,
) -> HttpResponse {
    let typed = fields.text("name");
    let name = Some(typed.trim().to_owned()).filter(|n| !n.is_empty());
    match accounts.account_settings.update_name(&s.user, name).await {
        Ok(_) => back(&notices::done("name_saved")),
        Err(e) => change_refused(page, e),
    }
}

/// `action=password`: the current and a new password. A change signs the person out
/// everywhere, this browser too, so the answer is the sign-in form.
pub(super) async fn password(
    page: &Page<'_>,
    accounts: &AccountState,
    s: &SignedIn,
    fields: &Fields,
) -> HttpResponse {
    let ctx = page.context();
    let result = accounts
        .account_settings
        .change_password(
            &ctx,
            &s.user,
            fields.secret("current_password"),
            fields.secret("new_password"),
        )
        .await;
    match result {
        Ok(()) => sign_in_form(
            page,
            s.user.email.as_str(),
            Some(page.ui.t(notices::PASSWORD_CHANGED)),
        ),
        Err(e @ (AccountChangeError::WrongPassword | AccountChangeError::Locked { .. })) => {
            // A guess at the password of a signed-in account is still a guess.
            page.flow.limiter.sign_in_failed(page.req).await;
            change_refused(page, e)
        }
        Err(e) => change_refused(page, e),
    }
}

/// A refused change, back on the page with its explanation, or a fault page.
fn change_refused(page: &Page<'_>, e: AccountChangeError) -> HttpResponse {
    let key = match e {
        AccountChangeError::Name => "name",
        AccountChangeError::WrongPassword => "wrong_password",
        AccountChangeError::Locked { .. } => "locked",
        AccountChangeError::Password(_) => "weak_password",
        AccountChangeError::Busy => "busy",
        AccountChangeError::Gone => return back(""),
        AccountChangeError::Repository(r) => return unavailable(&page.ui, &r.to_string()),
        other => {
            log::error!("account change failed: {other}");
            return fault(&page.ui);
        }
    };
    back(&notices::error(key))
}
