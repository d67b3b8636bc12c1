//! `/console/keys`: the signing keys and their rotation; `/console/api-keys`: API keys, made
//! (the key shown once) and revoked. Through the admin API's services, audited alike.

use super::render::{action_button, csrf_field, notice, parse_when, text_input, unavailable, when};
use super::{for_get, for_post, ConsoleState, API_KEYS, KEYS};
use crate::http::pages::Escaped;
use crate::http::state::AdminState;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use tessera_application::services::ApiKeyError;
use tessera_application::services::KeyError;

// `GET /console/keys`.
pub(super) async fn keys_get(
    req: HttpRequest,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let op = match for_get(&req, &state, &admin).await {
        Ok(op) => op,
        Err(res) => return res,
    };
    let ui = &op.ui;
    let keys = match admin.keys.list().await {
        Ok(k) => k,
        Err(e) => {
            log::error!("console key list failed: {e}");
            return unavailable(ui);
        }
    };
    let now = state.clock.now();
    let items: String = keys
        .iter()
        .map(|k| {
            let retire = k.retire_after.map_or_else(String::new, |t| {
                ui.fill("console.key_retire_after", &[("time", &when(t))])
            });
            format!(
                "<li><code>{}</code><br>{} · {} · {} <span class=\"muted\">{}</span></li>",
                Escaped(&k.kid),
                Escaped(k.alg.as_str()),
                Escaped(k.state_at(now).as_str()),
                Escaped(&when(k.created_at)),
                Escaped(&retire),
            )
        })
        .collect();
    let body = format!(
        "{}<ul class=\"items\" id=\"signing-keys\">{items}</ul>\n<h2>{}</h2>\n<p>{}</p>\n{}",
        notice(ui, req.query_string()),
        ui.h("console.keys_rotate_heading"),
        Escaped(&ui.fill(
            "console.keys_rotate_hint",
            &[("alg", admin.default_alg.as_str())]
        )),
        action_button(
            KEYS,
            &op.csrf,
            "rotate",
            &[],
            ui.t("console.keys_rotate"),
            false
        ),
    );
    op.page(&state, ui.t("console.keys_title"), &body)
}

// `POST /console/keys` (`action=rotate`): a new active key of the configured algorithm.
pub(super) async fn keys_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let (op, form) = match for_post(&req, payload, &state, &admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    if form.get("action") != Some("rotate") {
        return super::render::bad_request(&op.ui);
    }
    match admin.keys.rotate(&op.actor, admin.default_alg, false).await {
        Ok(_) => op.see_other(&state, &format!("{KEYS}?done=rotated")),
        Err(KeyError::TooSoon(_)) => op.see_other(&state, &format!("{KEYS}?error=too_soon")),
        Err(e) => {
            log::error!("console key rotation failed: {e}");
            op.see_other(&state, &format!("{KEYS}?error=failed"))
        }
    }
}

// `GET /console/api-keys`.
pub(super) async fn api_keys_get(
    req: HttpRequest,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let op = match for_get(&req, &state, &admin).await {
        Ok(op) => op,
        Err(res) => return res,
    };
    let ui = &op.ui;
    let keys = match admin.api_keys.list().await {
        Ok(k) => k,
        Err(e) => {
            log::error!("console API key list failed: {e}");
            return unavailable(ui);
        }
    };
    let now = state.clock.now();
    let items: String = keys
        .iter()
        .map(|k| {
            let status = if k.revoked_at.is_some() {
                ui.t("console.api_key_revoked")
            } else if k.is_usable(now) {
                ui.t("console.api_key_active")
            } else {
                ui.t("console.api_key_expired")
            };
            let revoke = if k.revoked_at.is_none() {
                action_button(
                    API_KEYS,
                    &op.csrf,
                    "revoke",
                    &[("id", k.prefix.as_str())],
                    ui.t("console.api_key_revoke"),
                    true,
                )
            } else {
                String::new()
            };
            format!(
                "<li><strong>{}</strong> <code>{}</code><br>{} · {} · {}{revoke}</li>",
                Escaped(&k.name),
                Escaped(k.prefix.as_str()),
                Escaped(&k.scopes.to_string()),
                Escaped(status),
                Escaped(&when(k.created_at)),
            )
        })
        .collect();
    let body = format!(
        concat!(
            "{notice}<ul class=\"items\" id=\"api-keys\">{items}</ul>\n",
            "<h2>{heading}</h2>\n",
            "<form method=\"post\" action=\"{action}\">{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"create\">",
            "{name}{scopes}",
            "<label for=\"expires_at\">{expires}</label>",
            "<input type=\"text\" id=\"expires_at\" name=\"expires_at\" placeholder=\"2030-01-31\">",
            "<button type=\"submit\" id=\"create-api-key\">{submit}</button></form>\n"
        ),
        notice = notice(ui, req.query_string()),
        items = items,
        heading = ui.h("console.api_keys_new"),
        action = API_KEYS,
        csrf = csrf_field(&op.csrf),
        name = text_input(ui, "name", "console.field_name", "", true),
        scopes = text_input(ui, "scopes", "console.field_scopes", "admin", true),
        expires = ui.h("console.field_expires_at"),
        submit = ui.h("console.api_keys_create"),
    );
    op.page(&state, ui.t("console.api_keys_title"), &body)
}

// `POST /console/api-keys`: `action=create` (the key shown once) or `action=revoke`.
pub(super) async fn api_keys_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let (op, form) = match for_post(&req, payload, &state, &admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    match form.get("action") {
        Some("create") => {
            let expires = match form.get("expires_at").map(parse_when) {
                None => None,
                Some(Some(t)) => Some(t),
                Some(None) => return op.see_other(&state, &format!("{API_KEYS}?error=invalid")),
            };
            let name = form.get("name").unwrap_or("");
            let scopes = form.get("scopes").unwrap_or("");
            match admin
                .api_keys
                .create(&op.actor, name, scopes, expires)
                .await
            {
                Ok((key, full)) => {
                    let ui = &op.ui;
                    let body = format!(
                        "<p class=\"notice\" role=\"status\">{}</p>\n<p>{}</p>\n<p><code id=\"api-key\">{}</code></p>\n<p><a href=\"{API_KEYS}\">{}</a></p>\n",
                        Escaped(&ui.fill("console.done_api_key_created", &[("name", &key.name)])),
                        ui.h("console.secret_shown_once"),
                        Escaped(full.expose_secret()),
                        ui.h("console.back_to_api_keys"),
                    );
                    op.page(&state, ui.t("console.api_keys_title"), &body)
                }
                Err(ApiKeyError::Repository(e)) => {
                    log::error!("console API key creation failed: {e}");
                    unavailable(&op.ui)
                }
                Err(_) => op.see_other(&state, &format!("{API_KEYS}?error=invalid")),
            }
        }
        Some("revoke") => {
            let id = form.get("id").unwrap_or("");
            match admin.api_keys.revoke(&op.actor, id).await {
                Ok(true) => op.see_other(&state, &format!("{API_KEYS}?done=revoked")),
                Ok(false) => op.see_other(&state, &format!("{API_KEYS}?error=not_found")),
                Err(e) => {
                    log::error!("console API key revocation failed: {e}");
                    unavailable(&op.ui)
                }
            }
        }
        _ => super::render::bad_request(&op.ui),
    }
}
