//! `/console/users`: search by email, and per person: disable/enable, unlock, reset second
//! factors, sign out everywhere, grant or take away `admin`, each through the admin API's
//! services ([`AdminUsers`](tessera_application::services::admin::AdminUsers),
//! [`AdminRoles`](tessera_application::services::admin::AdminRoles)).

use super::dashboard::urlencode;
use super::render::{action_button, not_found, notice, unavailable, when};
use super::{for_get, for_post, ConsoleState, USERS};
use crate::http::pages::Escaped;
use crate::http::state::AdminState;
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::HashSet;
use tessera_application::services::admin::AdminUserError;
use tessera_domain::Role;

/// People per page.
const PAGE: u32 = 50;
/// Longest search accepted.
const MAX_SEARCH_CHARS: usize = 320;

// `GET /console/users?email=&after=`.
pub(super) async fn users_get(
    req: HttpRequest,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let op = match for_get(&req, &state, &admin).await {
        Ok(op) => op,
        Err(res) => return res,
    };
    let ui = &op.ui;
    let q: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let get = |name: &str| {
        q.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty() && v.chars().count() <= MAX_SEARCH_CHARS)
            .filter(|v| !v.chars().any(char::is_control))
    };
    let search = get("email");
    let page = match admin.users.list(get("after"), search.clone(), PAGE).await {
        Ok(p) => p,
        Err(e) => {
            log::error!("console user list failed: {e}");
            return unavailable(ui);
        }
    };
    let admins: HashSet<String> = match admin.roles.holders(Role::Admin).await {
        Ok(h) => h
            .into_iter()
            .map(|g| g.user_id.as_str().to_owned())
            .collect(),
        Err(e) => {
            log::error!("console role list failed: {e}");
            return unavailable(ui);
        }
    };
    let now = state.clock.now();
    let search_q = search.as_deref().unwrap_or("");
    let items: String = page
        .users
        .iter()
        .map(|u| {
            let target = format!("{USERS}/{}", urlencode(u.id.as_str()));
            let back = [("email", search_q)];
            let is_admin = admins.contains(u.id.as_str());
            let locked = u.login_attempts.locked_until.filter(|t| *t > now);
            let mut status = Vec::new();
            if u.disabled {
                status.push(ui.t("console.user_disabled").to_owned());
            }
            if let Some(t) = locked {
                status.push(ui.fill("console.locked_until", &[("time", &when(t))]));
            }
            if is_admin {
                status.push(ui.t("console.user_admin").to_owned());
            }
            let button = |action: &str, key: &'static str, secondary: bool| {
                action_button(&target, &op.csrf, action, &back, ui.t(key), secondary)
            };
            let mut buttons = String::new();
            buttons.push_str(&if u.disabled {
                button("enable", "console.user_enable", false)
            } else {
                button("disable", "console.user_disable", true)
            });
            if locked.is_some() || u.login_attempts.failed > 0 {
                buttons.push_str(&button("unlock", "console.user_unlock", false));
            }
            buttons.push_str(&button("reset_mfa", "console.user_reset_mfa", true));
            buttons.push_str(&button("sign_out", "console.user_sign_out", true));
            buttons.push_str(&if is_admin {
                button("revoke_admin", "console.user_revoke_admin", true)
            } else {
                button("grant_admin", "console.user_grant_admin", true)
            });
            format!(
                "<li><strong>{}</strong><br><code>{}</code><br><span class=\"muted\">{}</span>{buttons}</li>",
                Escaped(u.email.as_str()),
                Escaped(u.id.as_str()),
                Escaped(&status.join(" · ")),
            )
        })
        .collect();
    let next = page.next.as_deref().map_or_else(String::new, |after| {
        format!(
            "<p><a href=\"{USERS}?email={}&amp;after={}\">{}</a></p>\n",
            Escaped(&urlencode(search_q)),
            Escaped(&urlencode(after)),
            ui.h("console.next_page")
        )
    });
    let body = format!(
        concat!(
            "{notice}",
            "<form method=\"get\" action=\"{action}\" role=\"search\">",
            "<label for=\"email\">{label}</label>",
            "<input type=\"text\" id=\"email\" name=\"email\" value=\"{value}\">",
            "<button type=\"submit\">{search}</button></form>\n",
            "<ul class=\"items\" id=\"users\">{items}</ul>\n{next}"
        ),
        notice = notice(ui, req.query_string()),
        action = USERS,
        label = ui.h("console.users_search_label"),
        value = Escaped(search_q),
        search = ui.h("console.users_search"),
        items = items,
        next = next,
    );
    op.page(&state, ui.t("console.users_title"), &body)
}

// `POST /console/users/{id}`: `action=disable|enable|unlock|reset_mfa|sign_out|grant_admin|
// revoke_admin`, then back to the search it came from.
pub(super) async fn user_post(
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let (op, form) = match for_post(&req, payload, &state, &admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let a = &op.actor;
    let (result, done) = match form.get("action") {
        Some("disable") => (admin.users.disable(a, &id).await, "disabled"),
        Some("enable") => (admin.users.enable(a, &id).await, "enabled"),
        Some("unlock") => (admin.users.unlock(a, &id).await, "unlocked"),
        Some("reset_mfa") => (admin.users.reset_mfa(a, &id).await, "mfa_reset"),
        Some("sign_out") => (
            admin.users.revoke_sessions(a, &id).await.map(|_| ()),
            "signed_out",
        ),
        Some("grant_admin") => (
            admin.roles.grant(a, &id, Role::Admin).await.map(|_| ()),
            "granted",
        ),
        Some("revoke_admin") => (
            admin.roles.revoke(a, &id, Role::Admin).await.map(|_| ()),
            "role_revoked",
        ),
        _ => return super::render::bad_request(&op.ui),
    };
    match result {
        Ok(()) => {
            let email = form.get("email").unwrap_or("");
            op.see_other(
                &state,
                &format!("{USERS}?email={}&done={done}", urlencode(email)),
            )
        }
        Err(AdminUserError::NotFound) => not_found(&op.ui),
        Err(e) => {
            log::error!("console user change failed: {e}");
            op.see_other(&state, &format!("{USERS}?error=failed"))
        }
    }
}
