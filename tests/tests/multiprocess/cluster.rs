//! A cluster: several real `tessera serve` processes on one fresh database, the way
//! production runs many instances behind one load balancer, and the HTTP calls the tests make
//! against any one of them. Dropping it kills and reaps every process, then drops the database.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tessera_tests::process::{serve_env, tessera_command, TesseraProcess, ADMIN_TOKEN};
use tessera_tests::TestDatabase;

/// How long a process may take to migrate, create its first key and listen.
pub const START_LIMIT: Duration = Duration::from_secs(60);

/// A registered confidential client's credentials.
#[derive(Clone, Debug)]
pub struct Creds {
    pub id: String,
    pub secret: String,
}

/// Processes sharing one database (fields drop in order: processes first).
pub struct Cluster {
    pub nodes: Vec<TesseraProcess>,
    pub env: Vec<(String, String)>,
    pub http: reqwest::Client,
    pub db: TestDatabase,
    pub dir: TempDir,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tessera-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A plain HTTP client that follows no redirect and gives up after 20 s.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("http client")
}

impl Cluster {
    /// `n` processes on `db` with [`serve_env`] plus `extra`. The first migrates alone; the
    /// others start together once it listens (start-up racing is test 10's subject, not this).
    pub async fn start(db: TestDatabase, n: usize, extra: &[(&str, &str)]) -> Cluster {
        let mut cluster = Cluster::empty(db, extra);
        for i in 0..n {
            cluster.spawn_node(i);
            if i == 0 {
                cluster.wait_all();
            }
        }
        cluster.wait_all();
        cluster
    }

    /// No process yet; [`Self::spawn_node`] starts them.
    pub fn empty(db: TestDatabase, extra: &[(&str, &str)]) -> Cluster {
        let dir = TempDir::new("cluster");
        let env = serve_env(db.url(), &dir.0, extra);
        Cluster {
            nodes: Vec::new(),
            env,
            http: http_client(),
            db,
            dir,
        }
    }

    /// Starts one more process (named A, B, C … by index) without waiting for it.
    pub fn spawn_node(&mut self, index: usize) {
        let name = node_name(index);
        let node = TesseraProcess::start(&name, &self.env, &self.dir.0);
        if index < self.nodes.len() {
            self.nodes[index] = node;
        } else {
            self.nodes.push(node);
        }
    }

    /// Waits until every process listens.
    pub fn wait_all(&mut self) {
        tokio::task::block_in_place(|| {
            for node in &mut self.nodes {
                node.wait_listening(START_LIMIT);
            }
        });
    }

    /// "SQLite" or "PostgreSQL", for messages.
    pub fn backend_name(&self) -> &'static str {
        match self.db.backend() {
            tessera_tests::Backend::Sqlite => "SQLite",
            tessera_tests::Backend::Postgres => "PostgreSQL",
        }
    }

    /// Process `i`.
    pub fn node(&self, i: usize) -> &TesseraProcess {
        &self.nodes[i]
    }

    /// Runs a `tessera` command against the cluster's database; its JSON output.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> Value {
        let out =
            tokio::task::block_in_place(|| tessera_command(args, &self.env, &self.dir.0, stdin));
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    /// An admin API call on process `i`.
    pub async fn admin(
        &self,
        i: usize,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.node(i).url(path))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("admin call sent");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Creates a verified user through the CLI; its id.
    pub fn create_user(&self, email: &str, password: &str) -> String {
        let out = self.cli(
            &[
                "user",
                "create",
                "--email",
                email,
                "--password-stdin",
                "--verified",
            ],
            Some(password),
        );
        out["id"].as_str().expect("a user id").to_owned()
    }

    /// Creates a confidential client through the admin API of process `i`.
    pub async fn create_client(&self, i: usize, body: Value) -> Creds {
        let (status, out) = self
            .admin(i, Method::POST, "/admin/clients", Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        Creds {
            id: out["client_id"].as_str().expect("client_id").to_owned(),
            secret: out["client_secret"].as_str().unwrap_or_default().to_owned(),
        }
    }

    /// A `client_credentials` client with scope "read write".
    pub async fn service_client(&self, i: usize) -> Creds {
        self.create_client(
            i,
            json!({"name": "svc", "grant_types": ["client_credentials"], "scope": "read write"}),
        )
        .await
    }

    /// POSTs a form to process `i`, with Basic credentials if given.
    pub async fn post_form(
        &self,
        i: usize,
        path: &str,
        basic: Option<&Creds>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self.http.post(self.node(i).url(path)).form(form);
        if let Some(c) = basic {
            req = req.basic_auth(&c.id, Some(&c.secret));
        }
        req.send().await.expect("request sent")
    }

    /// The status of a `client_credentials` request to process `i`, and its access token.
    pub async fn try_token(&self, i: usize, c: &Creds) -> (StatusCode, Option<String>) {
        let res = self
            .post_form(
                i,
                "/token",
                Some(c),
                &[("grant_type", "client_credentials")],
            )
            .await;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        (status, body["access_token"].as_str().map(str::to_owned))
    }

    /// A `client_credentials` access token from process `i`.
    pub async fn token(&self, i: usize, c: &Creds) -> String {
        let (status, token) = self.try_token(i, c).await;
        assert_eq!(status, StatusCode::OK, "token from {}", self.node(i).name);
        token.expect("access_token")
    }

    /// Introspects `token` at process `i`: is it active?
    pub async fn active(&self, i: usize, caller: &Creds, token: &str) -> bool {
        let res = self
            .post_form(i, "/introspect", Some(caller), &[("token", token)])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "introspection answers");
        let body: Value = res.json().await.expect("json");
        body["active"].as_bool().expect("active is a boolean")
    }

    /// Revokes `token` at process `i`; the status.
    pub async fn revoke(&self, i: usize, caller: &Creds, token: &str) -> StatusCode {
        self.post_form(i, "/revoke", Some(caller), &[("token", token)])
            .await
            .status()
    }

    /// `POST /users/login` at process `i`: status and body.
    pub async fn login(&self, i: usize, email: &str, password: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.node(i).url("/users/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login sent");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Refreshes an account refresh token at process `i`: status and body.
    pub async fn refresh(&self, i: usize, rt: &str) -> (StatusCode, Value) {
        let res = self
            .post_form(
                i,
                "/token",
                None,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", "tessera-account"),
                    ("refresh_token", rt),
                ],
            )
            .await;
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// `GET /users/me` at process `i` with an account access token: the status.
    pub async fn me(&self, i: usize, at: &str) -> StatusCode {
        self.http
            .get(self.node(i).url("/users/me"))
            .bearer_auth(at)
            .send()
            .await
            .expect("sent")
            .status()
    }
}

/// `A`, `B`, `C`, …
pub fn node_name(index: usize) -> String {
    let letter = u8::try_from(index % 26).expect("small") + b'A';
    char::from(letter).to_string()
}

/// Polls `check` until it holds, for at most `limit`. Returns how long that took (zero when
/// it held at once) and prints it, naming `c`'s backend, when it did not hold at once;
/// panics when it never held.
pub async fn eventually<F, Fut>(c: &Cluster, what: &str, limit: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    if check().await {
        return Duration::ZERO;
    }
    loop {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if check().await {
            let took = start.elapsed();
            // The real stderr, not the harness's captured one: the delay is a finding.
            let _ = writeln!(
                std::io::stderr(),
                "[multiprocess] {}: {what}: held only after {} ms",
                c.backend_name(),
                took.as_millis()
            );
            return took;
        }
        assert!(
            start.elapsed() < limit,
            "{what}: did not hold within {limit:?}"
        );
    }
}

/// The JSON of one part (0 header, 1 claims) of a compact JWS.
pub fn jwt_part(jwt: &str, part: usize) -> Value {
    use base64::Engine;
    let segment = jwt.split('.').nth(part).expect("a JWS part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}
