//! Starting the real server in-process on a port the kernel picks, against a fresh database.

#![allow(dead_code)]

use actix_web::dev::ServerHandle;
pub mod accessibility;
pub mod browser;
pub mod chromium;
pub mod node;
pub mod relying_party;
pub mod screens;
pub mod stub_upstream;
pub mod totp;
pub mod tour;

use secrecy::SecretString;
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tessera_application::services::NewClient;
use tessera_server::config::Issuer;
use tessera_server::wiring::Core;
use tessera_server::{Application, Config};
use tessera_tests::TestDatabase;

/// A running Tessera and the database behind it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT` (or `http://localhost:PORT`), also the issuer.
    pub base: String,
    /// The configuration it runs with.
    pub config: Config,
    /// Plain HTTP client that does not follow redirects.
    pub http: reqwest::Client,
    handle: ServerHandle,
    _db: TestDatabase,
}

/// A registered client's credentials.
pub struct Creds {
    pub id: String,
    pub secret: String,
}

/// A configuration for tests: port 0 on loopback (the issuer is set from the port bound, see
/// [`TestApp::spawn_with`]), the given database, fast key refresh.
pub fn test_config(db_url: &str) -> Config {
    static OUTBOXES: AtomicUsize = AtomicUsize::new(0);
    let mut config = Config::defaults().expect("the built-in defaults are valid");
    config.http.bind = "127.0.0.1:0".parse().expect("an address");
    config.http.workers = NonZeroUsize::new(2);
    config.http.shutdown_timeout = Duration::from_secs(2);
    config.database.url = SecretString::from(db_url.to_owned());
    config.keys.secret_key = Some(SecretString::from(
        "test-secret-key-0123456789abcdef-0123456789".to_owned(),
    ));
    config.keys.refresh_every = Duration::from_secs(1);
    // Cheap argon2; the default parameters are asserted in the adapter's own tests.
    config.accounts.password_hashing.memory_kib = 1024;
    config.accounts.password_hashing.iterations = 1;
    config.mail.outbox_dir = std::env::temp_dir().join(format!(
        "tessera-outbox-{}-{}",
        std::process::id(),
        OUTBOXES.fetch_add(1, Ordering::Relaxed)
    ));
    config.mail.retry_base = Duration::from_millis(50);
    config
}

/// One message from the file outbox.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mail {
    /// The token of the link to `path` in the body.
    pub fn link_token(&self, path: &str) -> String {
        let marker = format!("{path}?token=");
        let start = self.body.find(&marker).expect("a link in the mail") + marker.len();
        self.body[start..]
            .split_whitespace()
            .next()
            .expect("a token")
            .to_owned()
    }
}

impl TestApp {
    /// Starts the server on `db`.
    pub async fn spawn(db: TestDatabase) -> TestApp {
        let config = test_config(db.url());
        Self::spawn_with(db, config).await
    }

    /// Starts the server with an explicit configuration. With port 0 (as [`test_config`]
    /// sets it) the listener is bound first and the issuer set from its port, so no other
    /// process can take the port in between; a restart keeps the port (and issuer) it had.
    pub async fn spawn_with(db: TestDatabase, config: Config) -> TestApp {
        Self::spawn_named(db, config, None).await
    }

    /// Starts the server with the issuer `http://localhost:PORT` (still bound to 127.0.0.1):
    /// a host name, which passkeys need (browsers refuse WebAuthn on IP addresses and treat
    /// `http://localhost` as a secure context).
    pub async fn spawn_on_localhost(db: TestDatabase) -> TestApp {
        let config = test_config(db.url());
        Self::spawn_named(db, config, Some("localhost")).await
    }

    /// [`Self::spawn_with`], the issuer's host being `host` instead of the bound IP address.
    async fn spawn_named(db: TestDatabase, mut config: Config, host: Option<&str>) -> TestApp {
        if std::env::var_os("TEST_LOG").is_some() {
            tessera_server::logging::init(config.log_format);
        }
        let listener = TcpListener::bind(config.http.bind).expect("a listening socket");
        let bound = listener.local_addr().expect("its address");
        if config.http.bind.port() == 0 {
            config.http.bind = bound;
            let authority = match host {
                Some(host) => format!("{host}:{}", bound.port()),
                None => bound.to_string(),
            };
            config.http.issuer =
                Issuer::parse(&format!("http://{authority}")).expect("a loopback issuer");
        }
        let app = Application::build_on(&config, listener)
            .await
            .unwrap_or_else(|e| panic!("server starts: {e:?}"));
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped(false));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        TestApp {
            base: config.http.issuer.as_str().to_owned(),
            config,
            http,
            handle,
            _db: db,
        }
    }

    /// Every message in the outbox so far, oldest first.
    pub fn outbox(&self) -> Vec<Mail> {
        let dir = &self.config.mail.outbox_dir;
        let Ok(files) = tessera_adapters::mail::outbox::list_eml(dir) else {
            return Vec::new();
        };
        files
            .iter()
            .map(|f| {
                let (to, subject, body) =
                    tessera_adapters::mail::outbox::read_eml_text(f).expect("a readable .eml");
                Mail { to, subject, body }
            })
            .collect()
    }

    /// Waits (up to 10 s) until the outbox holds `count` messages to `to`; returns them.
    pub async fn mail_to(&self, to: &str, count: usize) -> Vec<Mail> {
        for _ in 0..200 {
            let found: Vec<Mail> = self
                .outbox()
                .into_iter()
                .filter(|m| m.to.contains(to))
                .collect();
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "no {count} messages to {to} in the outbox: {:?}",
            self.outbox()
        );
    }

    /// The database behind the server, to poke at it behind the server's back.
    pub fn database(&self) -> &TestDatabase {
        &self._db
    }

    /// An absolute URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Registers a client through the same service the CLI uses.
    pub async fn register(&self, req: NewClient) -> Creds {
        let core = Core::open(&self.config).await.expect("core");
        let secret = tessera_server::secret_key::resolve(&self.config).expect("secret key");
        let reg = core
            .client_registry_with(&secret)
            .register(req)
            .await
            .expect("client registered");
        Creds {
            id: reg.client.id.to_string(),
            secret: reg
                .secret
                .map(|s| secrecy::ExposeSecret::expose_secret(&s).to_owned())
                .unwrap_or_default(),
        }
    }

    /// Registers a protected resource (RFC 8707) served by `clients`, straight in the store.
    pub async fn add_resource(&self, identifier: &str, scope: &str, clients: &[&str]) {
        use tessera_domain::{ClientId, Resource, ResourceIdentifier, ScopeSet, UnixTime};
        let core = Core::open(&self.config).await.expect("core");
        core.db
            .resources()
            .insert(&Resource {
                identifier: ResourceIdentifier::parse(identifier).expect("identifier"),
                name: format!("{identifier} API"),
                scope: ScopeSet::parse(scope).expect("scope"),
                created_at: UnixTime::from_secs(1),
                clients: clients
                    .iter()
                    .map(|c| ClientId::parse(c).expect("client id"))
                    .collect(),
            })
            .await
            .expect("resource stored");
    }

    /// Creates a user through the same service as `tessera user create`.
    pub async fn create_user(&self, email: &str, password: &str, name: Option<&str>) {
        let core = Core::open(&self.config).await.expect("core");
        core.accounts(&self.config)
            .expect("accounts")
            .create_user(
                email,
                password.to_owned().into(),
                name.map(str::to_owned),
                true,
            )
            .await
            .expect("user created");
    }

    /// A confidential client_credentials client with scope "read write" and `method`.
    pub async fn service_client(&self, method: &str) -> Creds {
        self.register(NewClient {
            name: "svc".into(),
            grants: vec!["client_credentials".into()],
            scope: "read write".into(),
            auth_method: Some(method.into()),
            ..NewClient::default()
        })
        .await
    }

    /// POSTs a form with optional Basic credentials.
    pub async fn post_form(
        &self,
        path: &str,
        basic: Option<&Creds>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self.http.post(self.url(path)).form(form);
        if let Some(c) = basic {
            req = req.basic_auth(&c.id, Some(&c.secret));
        }
        req.send().await.expect("request sent")
    }

    /// Gets a client_credentials token with Basic auth.
    pub async fn token(&self, c: &Creds, scope: Option<&str>) -> String {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        let res = self.post_form("/token", Some(c), &form).await;
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Introspects `token` as `caller` and returns the JSON answer.
    pub async fn introspect(&self, caller: &Creds, token: &str) -> serde_json::Value {
        let res = self
            .post_form("/introspect", Some(caller), &[("token", token)])
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    }

    /// Stops the server gracefully.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = std::fs::remove_dir_all(&self.config.mail.outbox_dir);
    }

    /// Stops the server and hands back its database, to start another server on it.
    pub async fn stop_keeping_database(self) -> (TestDatabase, Config) {
        self.handle.stop(true).await;
        (self._db, self.config)
    }
}

/// Sends a fresh browser through `/authorize` (code flow, PKCE S256 with `challenge`, scope
/// `openid offline_access`, state `st`) and the login page as `email`; returns the page the
/// sign-in answered with (a 303 back to `redirect` when consent is skipped).
pub async fn sign_in_for_code(
    app: &TestApp,
    client: &Creds,
    redirect: &str,
    challenge: &str,
    (email, password): (&str, &str),
) -> browser::Page {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", redirect),
        ("scope", "openid offline_access"),
        ("state", "st"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let mut browser = browser::Browser::new();
    let page = browser
        .get(&format!("{}?{query}", app.url("/authorize")))
        .await;
    assert_eq!(page.status, 200, "login page: {}", page.body);
    let mut form = page.form();
    form.set("email", email).set("password", password);
    browser.post(&app.url("/authorize"), &form).await
}
