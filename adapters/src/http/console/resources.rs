//! `/console/resources`: the protected resources (RFC 8707) tokens can be audience-restricted
//! to: listed, registered, removed, through the admin API's
//! [`ResourceRegistry`](tessera_application::services::ResourceRegistry).

use super::render::{action_button, csrf_field, notice, text_input, unavailable};
use super::{for_get, for_post, ConsoleState, RESOURCES};
use crate::http::pages::Escaped;
use crate::http::state::AdminState;
use actix_web::{web, HttpRequest, HttpResponse};
use tessera_application::services::{NewResource, ResourceRegistryError};

// `GET /console/resources`.
pub(super) async fn resources_get(
    req: HttpRequest,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let op = match for_get(&req, &state, &admin).await {
        Ok(op) => op,
        Err(res) => return res,
    };
    let ui = &op.ui;
    let all = match admin.resources.list().await {
        Ok(r) => r,
        Err(e) => {
            log::error!("console resource list failed: {e}");
            return unavailable(ui);
        }
    };
    let items: String = all
        .iter()
        .map(|r| {
            format!(
                "<li><strong>{}</strong><br><code>{}</code><br><span class=\"muted\">{}</span>{}</li>",
                Escaped(&r.name),
                Escaped(r.identifier.as_str()),
                Escaped(&r.scope.to_string()),
                action_button(
                    RESOURCES,
                    &op.csrf,
                    "delete",
                    &[("identifier", r.identifier.as_str())],
                    ui.t("console.resource_delete"),
                    true
                ),
            )
        })
        .collect();
    let body = format!(
        concat!(
            "{notice}<ul class=\"items\" id=\"resources\">{items}</ul>\n",
            "<h2>{heading}</h2>\n",
            "<form method=\"post\" action=\"{action}\">{csrf}",
            "<input type=\"hidden\" name=\"action\" value=\"create\">",
            "{identifier}{name}{scope}",
            "<button type=\"submit\" id=\"create-resource\">{submit}</button></form>\n"
        ),
        notice = notice(ui, req.query_string()),
        items = items,
        heading = ui.h("console.resources_new"),
        action = RESOURCES,
        csrf = csrf_field(&op.csrf),
        identifier = text_input(ui, "identifier", "console.field_identifier", "", true),
        name = text_input(ui, "name", "console.field_name", "", false),
        scope = text_input(ui, "scope", "console.field_scope", "", false),
        submit = ui.h("console.resources_create"),
    );
    op.page(&state, ui.t("console.resources_title"), &body)
}

// `POST /console/resources`: `action=create|delete`.
pub(super) async fn resources_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
) -> HttpResponse {
    let (op, form) = match for_post(&req, payload, &state, &admin).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let result = match form.get("action") {
        Some("create") => admin
            .resources
            .create(
                &op.actor,
                NewResource {
                    identifier: form.get("identifier").unwrap_or("").trim().to_owned(),
                    name: form.get("name").map(|n| n.trim().to_owned()),
                    scope: form.get("scope").map(|s| s.trim().to_owned()),
                    clients: Vec::new(),
                },
            )
            .await
            .map(|_| "saved"),
        Some("delete") => admin
            .resources
            .delete(&op.actor, form.get("identifier").unwrap_or(""))
            .await
            .map(|()| "deleted"),
        _ => return super::render::bad_request(&op.ui),
    };
    let query = match result {
        Ok(done) => format!("done={done}"),
        Err(ResourceRegistryError::Invalid { .. }) => "error=invalid".to_owned(),
        Err(ResourceRegistryError::Duplicate(_)) => "error=conflict".to_owned(),
        Err(ResourceRegistryError::NotFound(_)) => "error=not_found".to_owned(),
        Err(ResourceRegistryError::Repository(e)) => {
            log::error!("console resource change failed: {e}");
            return unavailable(&op.ui);
        }
    };
    op.see_other(&state, &format!("{RESOURCES}?{query}"))
}
