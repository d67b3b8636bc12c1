use super::*;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A tiny HTTP/1.1 server on 127.0.0.1: answers every request with what `answer` makes of its
/// path (`None`: never answers), and counts connections.
pub(crate) struct LocalServer {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
}

impl LocalServer {
    pub async fn start(answer: impl Fn(&str) -> Option<Vec<u8>> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head).to_string();
                    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    match answer(&path) {
                        Some(bytes) => {
                            let _ = stream.write_all(&bytes).await;
                            let _ = stream.shutdown().await;
                        }
                        None => tokio::time::sleep(Duration::from_secs(30)).await,
                    }
                });
            }
        });
        Self { addr, connections }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

pub(crate) fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn client(allow_private: bool) -> OutboundClient {
    OutboundClient::new(OutboundSettings {
        allow_private_addresses: allow_private,
        timeout: Duration::from_millis(800),
    })
    .unwrap()
}

#[tokio::test]
async fn fetches_json_with_its_cache_hints() {
    let server = LocalServer::start(|_| {
        Some(response(
            "200 OK",
            &[("Cache-Control", "public, max-age=120")],
            br#"{"a":1}"#,
        ))
    })
    .await;
    let fetched = client(true)
        .get_json(&server.url("/doc"), 1024)
        .await
        .unwrap();
    assert_eq!(fetched.value["a"], 1);
    assert_eq!(fetched.cache.max_age, Some(Duration::from_secs(120)));
    assert!(!fetched.cache.no_store);
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_with_or_without_a_length() {
    let big = vec![b' '; 70_000];
    let with_length = response("200 OK", &[], &big);
    let server = LocalServer::start(move |_| Some(with_length.clone())).await;
    let err = client(true)
        .get_json(&server.url("/big"), 64 * 1024)
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::TooLarge(_)), "{err:?}");

    // No Content-Length: the cap is enforced while the body streams in.
    let mut streamed = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
    streamed.extend_from_slice(&vec![b' '; 200_000]);
    let server = LocalServer::start(move |_| Some(streamed.clone())).await;
    let err = client(true)
        .get_json(&server.url("/big"), 64 * 1024)
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::TooLarge(_)), "{err:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = LocalServer::start(|_| None).await;
    let started = std::time::Instant::now();
    let err = client(true)
        .get_json(&server.url("/slow"), 1024)
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn redirects_stay_on_the_same_origin_and_are_few() {
    let server = LocalServer::start(|path| {
        Some(match path {
            "/moved" => response("302 Found", &[("Location", "/doc")], b""),
            "/doc" => response("200 OK", &[], b"{}"),
            "/loop" => response("302 Found", &[("Location", "/loop")], b""),
            _ => response("404 Not Found", &[], b""),
        })
    })
    .await;
    let c = client(true);
    assert!(c.get_json(&server.url("/moved"), 1024).await.is_ok());
    let err = c.get_json(&server.url("/loop"), 1024).await.unwrap_err();
    assert!(matches!(err, OutboundError::Redirect(_)), "{err:?}");
    let err = c.get_json(&server.url("/missing"), 1024).await.unwrap_err();
    assert!(matches!(err, OutboundError::Status(404)), "{err:?}");

    // Another host (localhost is not 127.0.0.1 as a host) is refused before any request to it.
    let target = LocalServer::start(|_| Some(response("200 OK", &[], b"{}"))).await;
    let elsewhere = format!("http://localhost:{}/doc", target.addr.port());
    let server = LocalServer::start(move |_| {
        Some(response(
            "302 Found",
            &[("Location", elsewhere.as_str())],
            b"",
        ))
    })
    .await;
    let err = c.get_json(&server.url("/away"), 1024).await.unwrap_err();
    assert!(matches!(err, OutboundError::Redirect(_)), "{err:?}");
    assert_eq!(
        target.connections(),
        0,
        "the other host was never contacted"
    );
}

#[tokio::test]
async fn loopback_is_refused_without_a_connection_when_private_addresses_are_not_allowed() {
    let server = LocalServer::start(|_| Some(response("200 OK", &[], b"{}"))).await;
    let port = server.addr.port();
    let c = client(false);
    for url in [
        format!("https://127.0.0.1:{port}/doc"),
        format!("https://[::ffff:127.0.0.1]:{port}/doc"),
        format!("https://0x7f.1:{port}/doc"),
        format!("https://localhost:{port}/doc"),
    ] {
        let err = c.get_json(&url, 1024).await.unwrap_err();
        assert!(
            matches!(err, OutboundError::ForbiddenAddress(ip) if ip.is_loopback() || ip.to_string().contains("127.0.0.1")),
            "{url}: {err:?}"
        );
    }
    let err = c.get_json(&server.url("/doc"), 1024).await.unwrap_err();
    assert!(matches!(err, OutboundError::Scheme), "plain http: {err:?}");
    assert_eq!(server.connections(), 0, "nothing ever connected");
}

#[tokio::test]
async fn plain_http_is_only_for_loopback_even_when_private_addresses_are_allowed() {
    let c = client(true);
    for url in [
        "http://example.com/doc",
        "http://10.0.0.1/doc",
        "ftp://127.0.0.1/doc",
    ] {
        let err = c.get_json(url, 1024).await.unwrap_err();
        assert!(matches!(err, OutboundError::Scheme), "{url}: {err:?}");
    }
    let err = c
        .get_json("https://user:pw@example.com/doc", 1024)
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::Scheme), "userinfo: {err:?}");
}

#[test]
fn cache_control_is_read_and_clamped() {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.append("cache-control", "public, max-age=\"600\"".parse().unwrap());
    let hints = CacheHints::from_headers(&headers);
    assert_eq!(hints.max_age, Some(Duration::from_secs(600)));
    let (d, min, max) = (
        Duration::from_secs(300),
        Duration::from_secs(30),
        Duration::from_secs(3600),
    );
    assert_eq!(hints.lifetime(d, min, max), Duration::from_secs(600));
    let long = CacheHints {
        no_store: false,
        max_age: Some(Duration::from_secs(1 << 40)),
    };
    assert_eq!(long.lifetime(d, min, max), max);
    let short = CacheHints {
        no_store: false,
        max_age: Some(Duration::from_secs(1)),
    };
    assert_eq!(short.lifetime(d, min, max), min);
    assert_eq!(CacheHints::default().lifetime(d, min, max), d);
    headers.append("cache-control", "no-store".parse().unwrap());
    assert_eq!(
        CacheHints::from_headers(&headers).lifetime(d, min, max),
        Duration::ZERO
    );
}

#[tokio::test]
async fn a_post_is_answered_by_its_own_status_and_never_redirected() {
    let server = LocalServer::start(|path| {
        Some(match path {
            "/moved" => response("302 Found", &[("Location", "/elsewhere")], b""),
            "/kept" => response("307 Temporary Redirect", &[("Location", "/elsewhere")], b""),
            "/bcl" => response("204 No Content", &[], b""),
            _ => response("200 OK", &[], b""),
        })
    })
    .await;
    let c = client(true);
    assert_eq!(
        c.post_form(&server.url("/bcl"), &[("a", "b")])
            .await
            .unwrap(),
        204
    );
    assert_eq!(c.post_form(&server.url("/moved"), &[]).await.unwrap(), 302);
    assert_eq!(c.post_form(&server.url("/kept"), &[]).await.unwrap(), 307);
    assert_eq!(
        server.connections(),
        3,
        "no request went to the redirect's target"
    );
    let err = client(false)
        .post_form(&server.url("/bcl"), &[])
        .await
        .unwrap_err();
    assert!(!matches!(err, OutboundError::Timeout), "{err:?}");
}
