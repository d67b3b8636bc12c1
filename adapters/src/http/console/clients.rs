//! `/console/clients`: the list and the creation form; `/console/clients/{id}`: one client's
//! settings (name, redirect URIs, scope), secret rotation and deletion. Every change goes
//! through [`AdminClients`](tessera_application::services::admin::AdminClients), like the
//! admin API's. A new or rotated secret is shown once, on a `no-store` page, never again.

use super::render::{
    action_button, checkbox, csrf_field, not_found, notice, text_input, textarea, unavailable,
};
use super::{for_get, for_post, ConsoleState, Operated, CLIENTS};
use crate::http::form::OAuthForm;
use crate::http::pages::{Escaped, Ui};
use crate::http::state::AdminState;
use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use tessera_application::services::admin::{AdminClientError, ClientUpdate};
use tessera_application::services::NewClient;
use tessera_domain::Client;

/// Lines of a textarea, trimmed, without empty ones.
fn lines(form: &OAuthForm, name: &str) -> Vec<String> {
    form.get(name)
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The alert for a refused form: which field (its API name), in fixed words.
fn refusal_alert(ui: &Ui, e: &AdminClientError) -> String {
    let text = match e {
        AdminClientError::Invalid { field, .. } => {
            ui.fill("console.error_invalid_field", &[("field", field)])
        }
        AdminClientError::PublicClient | AdminClientError::KeyClient => {
            ui.t("console.error_no_secret").to_owned()
        }
        AdminClientError::NotFound => ui.t("console.error_not_found").to_owned(),
        AdminClientError::Repository(_) => ui.t("console.error_failed").to_owned(),
    };
    format!(
        "<p class=\"alert\" role=\"alert\" id=\"form-error\">{}</p>\n",
        Escaped(&text)
    )
}

fn client_line(ui: &Ui, c: &Client) -> String {
    let kind = if c.is_public() {
        ui.t("console.client_public")
    } else {
        ui.t("console.client_confidential")
    };
    format!(
        "<li><a href=\"{CLIENTS}/{}\">{}</a><br><code>{}</code> <span class=\"muted\">{}</span></li>",
        Escaped(&super::dashboard::urlencode(c.id.as_str())),
        Escaped(&c.name),
        Escaped(c.id.as_str()),
        Escaped(kind),
    )
}

/// The creation form, with `alert` above it and the values typed so far.
fn create_form(op: &Operated, alert: &str, form: Option<&OAuthForm>) -> String {
    let ui = &op.ui;
    let value = |name: &str, default: &str| -> String {
        form.map_or(default.to_owned(), |f| f.get(name).unwrap_or("").to_owned())
    };
    format!(
        concat!(
            "<h2 id=\"new-client\">{heading}</h2>\n{alert}",
            "<form method=\"post\" action=\"{action}\">{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"create\">",
            "{name}{uris}{scope}{grants}{public}{skip}",
            "<button type=\"submit\" id=\"create-client\">{submit}</button></form>\n"
        ),
        heading = ui.h("console.clients_new"),
        alert = alert,
        action = CLIENTS,
        csrf = csrf_field(&op.csrf),
        name = text_input(ui, "name", "console.field_name", &value("name", ""), true),
        uris = textarea(
            ui,
            "redirect_uris",
            "console.field_redirect_uris",
            "console.hint_one_per_line",
            &value("redirect_uris", "")
        ),
        scope = text_input(
            ui,
            "scope",
            "console.field_scope",
            &value("scope", "openid profile email"),
            false
        ),
        grants = text_input(
            ui,
            "grants",
            "console.field_grants",
            &value("grants", "authorization_code refresh_token"),
            false
        ),
        public = checkbox(
            ui,
            "public",
            "console.field_public",
            form.is_some_and(|f| f.get("public").is_some())
        ),
        skip = checkbox(
            ui,
            "skip_consent",
            "console.field_skip_consent",
            form.is_some_and(|f| f.get("skip_consent").is_some())
        ),
        submit = ui.h("console.clients_create"),
    )
}

async fn list_page(
    op: &Operated,
    state: &ConsoleState,
    admin: &AdminState,
    query: &str,
    alert: &str,
    form: Option<&OAuthForm>,
) -> HttpResponse {
    let ui = &op.ui;
    let clients = match admin.clients.list().await {
        Ok(c) => c,
        Err(e) => {
            log::error!("console client list failed: {e}");
            return unavailable(ui);
        }
    };
    let items: String = clients.iter().map(|c| client_line(ui, c)).collect();
    let body = format!(
        "{}<ul class=\"items\" id=\"clients\">{items}</ul>\n{}",
        notice(ui, query),
        create_form(op, alert, form)
    );
    op.page(state, ui.t("console.clients_title"), &body)
}

// `GET /console/clients`.
pub(super) async fn clients_get(
    req: HttpRequest,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let op = match for_get(&req, &state, &admin).await {
        Ok(op) => op,
        Err(res) => return res,
    };
    list_page(&op, &state, &admin, req.query_string(), "", None).await
}

// `POST /console/clients` (`action=create`): registers a client, shows its secret once.
pub(super) async fn clients_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let (op, form) = match for_post(&req, payload, &state, &admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    if form.get("action") != Some("create") {
        return super::render::bad_request(&op.ui);
    }
    let new = NewClient {
        name: form.get("name").unwrap_or("").trim().to_owned(),
        grants: form
            .get("grants")
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        redirect_uris: lines(&form, "redirect_uris"),
        scope: form.get("scope").unwrap_or("").trim().to_owned(),
        public: form.get("public").is_some(),
        skip_consent: form.get("skip_consent").is_some(),
        ..NewClient::default()
    };
    match admin.clients.create(&op.actor, new).await {
        Ok(registered) => {
            let ui = &op.ui;
            let c = &registered.client;
            let secret = registered.secret.as_ref().map_or_else(String::new, |s| {
                format!(
                    "<p>{}</p>\n<p><code id=\"client-secret\">{}</code></p>\n",
                    ui.h("console.secret_shown_once"),
                    Escaped(s.expose_secret())
                )
            });
            let body = format!(
                "<p class=\"notice\" role=\"status\">{}</p>\n<p>{}</p>\n<p><code id=\"client-id\">{}</code></p>\n{secret}<p><a href=\"{CLIENTS}\">{}</a></p>\n",
                ui.h("console.done_client_created"),
                ui.h("console.client_id"),
                Escaped(c.id.as_str()),
                ui.h("console.back_to_clients"),
            );
            op.page(&state, ui.t("console.clients_created_title"), &body)
        }
        Err(AdminClientError::Repository(e)) => {
            log::error!("console client creation failed: {e}");
            unavailable(&op.ui)
        }
        Err(e) => {
            let alert = refusal_alert(&op.ui, &e);
            list_page(&op, &state, &admin, "", &alert, Some(&form)).await
        }
    }
}

/// One client's page: settings form, rotation, deletion.
fn client_page(
    op: &Operated,
    state: &ConsoleState,
    c: &Client,
    query: &str,
    alert: &str,
) -> HttpResponse {
    let ui = &op.ui;
    let target = format!("{CLIENTS}/{}", super::dashboard::urlencode(c.id.as_str()));
    let uris: Vec<&str> = c.redirect_uris.iter().map(|u| u.as_str()).collect();
    let grants: Vec<&str> = c.grant_types.iter().map(|g| g.as_str()).collect();
    let rotate = if c.is_public() {
        String::new()
    } else {
        format!(
            "<h2>{}</h2>\n<p>{}</p>\n{}",
            ui.h("console.client_secret_heading"),
            ui.h("console.client_rotate_hint"),
            action_button(
                &target,
                &op.csrf,
                "rotate",
                &[],
                ui.t("console.client_rotate"),
                false
            )
        )
    };
    let body = format!(
        concat!(
            "{notice}{alert}",
            "<p>{id_label} <code id=\"client-id\">{id}</code></p>\n",
            "<p class=\"muted\">{grants_label} {grants}</p>\n",
            "<form method=\"post\" action=\"{target}\">{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"update\">",
            "{name}{uris}{scope}",
            "<button type=\"submit\" id=\"save-client\">{save}</button></form>\n",
            "{rotate}",
            "<h2>{delete_h}</h2>\n{delete}"
        ),
        notice = notice(ui, query),
        alert = alert,
        id_label = ui.h("console.client_id"),
        id = Escaped(c.id.as_str()),
        grants_label = ui.h("console.field_grants"),
        grants = Escaped(&grants.join(" ")),
        target = Escaped(&target),
        csrf = csrf_field(&op.csrf),
        name = text_input(ui, "name", "console.field_name", &c.name, true),
        uris = textarea(
            ui,
            "redirect_uris",
            "console.field_redirect_uris",
            "console.hint_one_per_line",
            &uris.join("\n")
        ),
        scope = text_input(
            ui,
            "scope",
            "console.field_scope",
            &c.scope.to_string(),
            false
        ),
        save = ui.h("console.save"),
        rotate = rotate,
        delete_h = ui.h("console.client_delete_heading"),
        delete = action_button(
            &target,
            &op.csrf,
            "delete",
            &[],
            ui.t("console.client_delete"),
            true
        ),
    );
    op.page(state, &c.name, &body)
}

// `GET /console/clients/{id}`.
pub(super) async fn client_get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let op = match for_get(&req, &state, &admin).await {
        Ok(op) => op,
        Err(res) => return res,
    };
    match admin.clients.get(&id).await {
        Ok(c) => client_page(&op, &state, &c, req.query_string(), ""),
        Err(AdminClientError::NotFound) => not_found(&op.ui),
        Err(e) => {
            log::error!("console client read failed: {e}");
            unavailable(&op.ui)
        }
    }
}

// `POST /console/clients/{id}`: `action=update|rotate|delete`.
pub(super) async fn client_post(
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
    let back = format!("{CLIENTS}/{}", super::dashboard::urlencode(&id));
    let result = match form.get("action") {
        Some("update") => {
            let update = ClientUpdate {
                name: Some(form.get("name").unwrap_or("").trim().to_owned()),
                redirect_uris: Some(lines(&form, "redirect_uris")),
                scope: Some(form.get("scope").unwrap_or("").trim().to_owned()),
                ..ClientUpdate::default()
            };
            admin
                .clients
                .update(&op.actor, &id, update)
                .await
                .map(|_| op.see_other(&state, &format!("{back}?done=saved")))
        }
        Some("rotate") => admin.clients.rotate_secret(&op.actor, &id).await.map(|secret| {
            let ui = &op.ui;
            let body = format!(
                "<p class=\"notice\" role=\"status\">{}</p>\n<p>{}</p>\n<p><code id=\"client-secret\">{}</code></p>\n<p><a href=\"{}\">{}</a></p>\n",
                ui.h("console.done_rotated"),
                ui.h("console.secret_shown_once"),
                Escaped(secret.expose_secret()),
                Escaped(&back),
                ui.h("console.back_to_client"),
            );
            op.page(&state, ui.t("console.client_secret_heading"), &body)
        }),
        Some("delete") => admin
            .clients
            .delete(&op.actor, &id)
            .await
            .map(|()| op.see_other(&state, &format!("{CLIENTS}?done=deleted"))),
        _ => return super::render::bad_request(&op.ui),
    };
    match result {
        Ok(res) => res,
        Err(AdminClientError::NotFound) => not_found(&op.ui),
        Err(AdminClientError::Repository(e)) => {
            log::error!("console client change failed: {e}");
            unavailable(&op.ui)
        }
        Err(e) => {
            let alert = refusal_alert(&op.ui, &e);
            match admin.clients.get(&id).await {
                Ok(c) => client_page(&op, &state, &c, "", &alert),
                Err(_) => not_found(&op.ui),
            }
        }
    }
}
