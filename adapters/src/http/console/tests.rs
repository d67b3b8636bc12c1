//! The console's handlers on mocked admin services and in-memory stores: sign-in by admin
//! token (right, wrong, budgeted), sign-in by an admin's browser session (refused without
//! the role), CSRF refused, sign-out ending the session.

use super::session::ConsoleSeal;
use super::*;
use crate::http::admin::tests::{state as admin_state, TOKEN};
use crate::http::state::test_support::{self, Fakes};
use crate::http::state::BrowserSessions;
use actix_web::cookie::Cookie;
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::App;
use async_trait::async_trait;
use secrecy::SecretString;
use tessera_application::in_memory::InMemoryStore;
use tessera_application::ports::{MockAuditLog, MockClock, MockUserRepository, UserRepository};
use tessera_application::services::admin::AdminRoles;
use tessera_application::RepositoryError;
use tessera_domain::{BrowserSession, Email, TokenDigest, User, UserId};

/// The one browser session every cookie stands for: `user`'s.
struct SignedInAs(UserId);

#[async_trait]
impl BrowserSessions for SignedInAs {
    async fn session(&self, _: &str) -> Result<Option<BrowserSession>, RepositoryError> {
        Ok(Some(BrowserSession {
            digest: TokenDigest::of("cookie"),
            sid: "sid".into(),
            user_id: self.0.clone(),
            auth_time: UnixTime::from_secs(900),
            expires_at: UnixTime::from_secs(5_000),
            amr: Default::default(),
        }))
    }

    async fn sign_out(&self, _: &str) -> Result<(), RepositoryError> {
        Ok(())
    }
}

fn person(n: u8) -> User {
    User {
        id: UserId::from_random([n; 16]),
        email: Email::parse(&format!("op{n}@example.com")).unwrap(),
        email_verified: true,
        name: None,
        password_hash: String::new(),
        created_at: UnixTime::from_secs(1),
        disabled: false,
        login_attempts: Default::default(),
    }
}

struct Setup {
    console: ConsoleState,
    admin: AdminState,
    flow: crate::http::state::BrowserFlowState,
}

/// Admin services as in the admin API's tests (token [`TOKEN`], `failures` wrong tokens per
/// address), roles in `store`, the browser signed in as `browser` (if any).
fn setup(store: Arc<InMemoryStore>, failures: u32, browser: Option<UserId>) -> Setup {
    let mut admin = admin_state(MockUserRepository::new(), failures);
    let mut clock = MockClock::new();
    clock.expect_now().return_const(UnixTime::from_secs(1_000));
    let clock: Arc<dyn Clock> = Arc::new(clock);
    let mut audit = MockAuditLog::new();
    audit.expect_record().return_const(());
    let audit: Arc<dyn AuditLog> = Arc::new(audit);
    admin.roles = AdminRoles::new(store.clone(), store.clone(), clock.clone(), audit.clone());
    let console = ConsoleState {
        seal: ConsoleSeal::new(&SecretString::from("s".repeat(40)), true),
        dashboard: AdminDashboard::new(store.clone()),
        revocations: store,
        audit,
        rng: Arc::new(crate::crypto::OsRandom),
        clock,
    };
    let mut fakes = Fakes::default();
    if let Some(id) = browser {
        fakes.sessions = Arc::new(SignedInAs(id));
    }
    Setup {
        console,
        admin,
        flow: test_support::state(fakes),
    }
}

macro_rules! app {
    ($setup:expr) => {{
        let s = $setup;
        init_service(
            App::new()
                .app_data(web::Data::new(s.admin))
                .app_data(web::Data::new(s.flow))
                .configure(routes(web::Data::new(s.console))),
        )
        .await
    }};
}

const CSRF_BINDING: &str = "0123456789abcdef0123456789abcdef-binding";

/// The sign-in form's CSRF token for [`CSRF_BINDING`], as the flow state makes it.
fn sign_in_csrf() -> String {
    crate::http::CsrfGuard::from_secret(&SecretString::from("k".repeat(40))).token_for(CSRF_BINDING)
}

fn sign_in_request(body: &str, peer: &str) -> actix_web::test::TestRequest {
    TestRequest::post()
        .uri(SIGN_IN)
        .peer_addr(peer.parse().unwrap())
        .cookie(Cookie::new("__Host-tessera_csrf", CSRF_BINDING))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body.to_owned())
}

fn console_cookie(res: &actix_web::dev::ServiceResponse) -> Option<Cookie<'static>> {
    res.response()
        .cookies()
        .find(|c| c.name() == "__Host-tessera_console")
        .map(|c| c.into_owned())
}

#[actix_web::test]
async fn without_a_session_the_console_is_the_sign_in_page() {
    let app = app!(setup(Arc::new(InMemoryStore::new()), 5, None));
    let res = call_service(&app, TestRequest::get().uri(CONSOLE).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers().get(header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(csp.to_str().unwrap().contains("default-src 'none'"));
    let html = String::from_utf8(read_body(res).await.to_vec()).unwrap();
    assert!(html.contains("name=\"admin_token\""));
    assert!(html.contains("name=\"csrf_token\""));
    // Any other page sends the browser there.
    let res = call_service(&app, TestRequest::get().uri(CLIENTS).to_request()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers().get(header::LOCATION).unwrap(), CONSOLE);
}

#[actix_web::test]
async fn the_admin_token_opens_a_strict_host_only_console_session() {
    let app = app!(setup(Arc::new(InMemoryStore::new()), 5, None));
    let body = format!(
        "csrf_token={}&action=token&admin_token={TOKEN}",
        sign_in_csrf()
    );
    let res = call_service(&app, sign_in_request(&body, "192.0.2.1:1").to_request()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = console_cookie(&res).expect("a console cookie");
    assert_eq!(
        cookie.same_site(),
        Some(actix_web::cookie::SameSite::Strict)
    );
    assert_eq!(
        (cookie.http_only(), cookie.secure()),
        (Some(true), Some(true))
    );
    let res = call_service(
        &app,
        TestRequest::get().uri(CONSOLE).cookie(cookie).to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = String::from_utf8(read_body(res).await.to_vec()).unwrap();
    assert!(html.contains("role=\"img\""), "the dashboard's charts");
    assert!(html.contains("console-sign-out"));
}

#[actix_web::test]
async fn a_wrong_token_is_refused_and_spends_the_failure_budget() {
    let app = app!(setup(Arc::new(InMemoryStore::new()), 1, None));
    let wrong = format!(
        "csrf_token={}&action=token&admin_token=guess",
        sign_in_csrf()
    );
    let res = call_service(&app, sign_in_request(&wrong, "192.0.2.2:1").to_request()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(console_cookie(&res).is_none());
    let html = String::from_utf8(read_body(res).await.to_vec()).unwrap();
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("aria-invalid=\"true\""));
    // The budget is spent: even the right token is refused from this address now.
    let right = format!(
        "csrf_token={}&action=token&admin_token={TOKEN}",
        sign_in_csrf()
    );
    let res = call_service(&app, sign_in_request(&right, "192.0.2.2:1").to_request()).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    assert!(console_cookie(&res).is_none());
}

#[actix_web::test]
async fn a_sign_in_without_the_csrf_token_is_refused() {
    let app = app!(setup(Arc::new(InMemoryStore::new()), 5, None));
    for body in [
        format!("action=token&admin_token={TOKEN}"),
        format!("csrf_token=forged&action=token&admin_token={TOKEN}"),
    ] {
        let res = call_service(&app, sign_in_request(&body, "192.0.2.3:1").to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{body}");
        assert!(console_cookie(&res).is_none());
    }
}

#[actix_web::test]
async fn a_person_without_the_admin_role_gets_403_and_with_it_a_session() {
    let store = Arc::new(InMemoryStore::new());
    let p = person(1);
    UserRepository::insert(store.as_ref(), &p).await.unwrap();
    let body = format!("csrf_token={}&action=session", sign_in_csrf());
    {
        let app = app!(setup(store.clone(), 5, Some(p.id.clone())));
        let req = sign_in_request(&body, "192.0.2.4:1")
            .cookie(Cookie::new("__Host-tessera_session", "browser-session"))
            .to_request();
        let res = call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(console_cookie(&res).is_none());
    }
    let mut clock = MockClock::new();
    clock.expect_now().return_const(UnixTime::from_secs(1_000));
    let mut audit = MockAuditLog::new();
    audit.expect_record().return_const(());
    let roles = AdminRoles::new(
        store.clone(),
        store.clone(),
        Arc::new(clock),
        Arc::new(audit),
    );
    roles
        .grant(&Actor::cli(), p.id.as_str(), Role::Admin)
        .await
        .unwrap();
    let app = app!(setup(store, 5, Some(p.id.clone())));
    let req = sign_in_request(&body, "192.0.2.4:1")
        .cookie(Cookie::new("__Host-tessera_session", "browser-session"))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(console_cookie(&res).is_some());
}

#[actix_web::test]
async fn console_forms_need_the_sessions_csrf_token_and_sign_out_ends_the_session() {
    let app = app!(setup(Arc::new(InMemoryStore::new()), 5, None));
    let body = format!(
        "csrf_token={}&action=token&admin_token={TOKEN}",
        sign_in_csrf()
    );
    let res = call_service(&app, sign_in_request(&body, "192.0.2.5:1").to_request()).await;
    let cookie = console_cookie(&res).unwrap();
    let seal = ConsoleSeal::new(&SecretString::from("s".repeat(40)), true);
    let session = seal.open(cookie.value()).unwrap();
    let post = |body: String| {
        TestRequest::post()
            .uri(SIGN_OUT)
            .cookie(cookie.clone())
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body)
            .to_request()
    };
    let res = call_service(&app, post("csrf_token=forged".into())).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = call_service(&app, post(String::new())).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = call_service(
        &app,
        post(format!("csrf_token={}", seal.csrf_token(&session.sid))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The old cookie no longer opens anything, even if the browser kept it.
    let res = call_service(
        &app,
        TestRequest::get()
            .uri(CLIENTS)
            .cookie(cookie.clone())
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers().get(header::LOCATION).unwrap(), CONSOLE);
}
