//! `GET /console`: the dashboard (sign-ins and tokens per hour, live sessions, lockouts), or
//! the sign-in page without a console session.

use super::chart::{bar_chart, Series};
use super::render::{notice, unavailable, when};
use super::sign_in::{browser_person, sign_in_page};
use super::{operator, refused, ConsoleState, Refusal, USERS};
use crate::http::pages::Escaped;
use crate::http::state::{AdminState, BrowserFlowState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// Hours drawn when the query names none: three days.
const DEFAULT_HOURS: u32 = 72;

/// `?hours=` when it is one of the offered windows.
fn hours(query: &str) -> u32 {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs
        .iter()
        .find(|(k, _)| k == "hours")
        .and_then(|(_, v)| v.parse().ok())
        .filter(|h| [24, 72, 168].contains(h))
        .unwrap_or(DEFAULT_HOURS)
}

// `GET /console`.
/// The dashboard, or the sign-in page.
pub(super) async fn dashboard_get(
    req: HttpRequest,
    state: web::Data<ConsoleState>,
    admin: web::Data<AdminState>,
    flow: web::Data<BrowserFlowState>,
) -> HttpResponse {
    let op = match operator(&req, &state, &admin).await {
        Ok(op) => op,
        Err(Refusal::SignedOut) => {
            let person = browser_person(&req, &flow, &admin).await;
            let mut res = sign_in_page(&req, &flow, StatusCode::OK, None, person.as_deref());
            if req.cookie(state.seal.cookie_name()).is_some() {
                let _ = res.add_cookie(&state.seal.expired_cookie());
            }
            return res;
        }
        Err(why) => return refused(&req, &state, why),
    };
    let ui = &op.ui;
    let window = hours(req.query_string());
    let d = match state.dashboard.load(state.clock.now(), window).await {
        Ok(d) => d,
        Err(e) => {
            log::error!("console dashboard failed: {e}");
            return unavailable(ui);
        }
    };
    let sign_ins = bar_chart(
        ui,
        "chart-sign-ins",
        &ui.fill("console.chart_sign_ins", &[("hours", &window.to_string())]),
        &d.hours,
        &[
            Series {
                name: ui.t("console.series_sign_in_ok"),
                values: &d.sign_ins_ok,
                colour: "#15803d",
            },
            Series {
                name: ui.t("console.series_sign_in_failed"),
                values: &d.sign_ins_failed,
                colour: "#b91c1c",
            },
        ],
    );
    let tokens = bar_chart(
        ui,
        "chart-tokens",
        &ui.fill("console.chart_tokens", &[("hours", &window.to_string())]),
        &d.hours,
        &[Series {
            name: ui.t("console.series_tokens"),
            values: &d.tokens_issued,
            colour: "#1d4ed8",
        }],
    );
    let windows: String = [24_u32, 72, 168]
        .iter()
        .map(|h| {
            format!(
                "<li><a href=\"/console?hours={h}\"{}>{}</a></li>",
                if *h == window {
                    " aria-current=\"page\""
                } else {
                    ""
                },
                Escaped(&ui.fill("console.window_hours", &[("hours", &h.to_string())]))
            )
        })
        .collect();
    let locked: String = d
        .locked
        .iter()
        .map(|l| {
            format!(
                "<li><a href=\"{USERS}?email={}\">{}</a> <span class=\"muted\">{}</span></li>",
                Escaped(&urlencode(&l.email)),
                Escaped(&l.email),
                Escaped(&ui.fill("console.locked_until", &[("time", &when(l.locked_until))])),
            )
        })
        .collect();
    let body = format!(
        concat!(
            "{notice}",
            "<ul class=\"items\" id=\"figures\">",
            "<li>{sessions}</li><li>{lockouts}</li></ul>\n",
            "<ul class=\"items\" aria-label=\"{window_label}\">{windows}</ul>\n",
            "<h2>{sign_ins_h}</h2>\n{sign_ins}",
            "<h2>{tokens_h}</h2>\n{tokens}",
            "<h2>{locked_h}</h2>\n<ul class=\"items\">{locked}</ul>\n"
        ),
        notice = notice(ui, req.query_string()),
        sessions = Escaped(&ui.fill(
            "console.active_sessions",
            &[("count", &d.active_sessions.to_string())]
        )),
        lockouts = Escaped(&ui.fill(
            "console.current_lockouts",
            &[("count", &d.locked_total.to_string())]
        )),
        window_label = ui.h("console.window_label"),
        windows = windows,
        sign_ins_h = ui.h("console.sign_ins_heading"),
        sign_ins = sign_ins,
        tokens_h = ui.h("console.tokens_heading"),
        tokens = tokens,
        locked_h = ui.h("console.locked_heading"),
        locked = locked,
    );
    op.page(&state, ui.t("console.dashboard_title"), &body)
}

/// `s` for a query value.
pub(super) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
