//! A TCP proxy in front of PostgreSQL that the test can cut (connections dropped, new ones
//! refused: the database is down), hang (connections kept, nothing forwarded either way: a
//! stuck network or server) and restore. The idea of the end-to-end suite's R-02 proxy, with
//! the hang added.

use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Forwards both ways.
    Up,
    /// Drops every connection and refuses new ones.
    Cut,
    /// Keeps connections open and forwards nothing.
    Hang,
}

/// The proxy; stops (and drops every connection) when dropped.
pub struct Proxy {
    /// The local port to connect to instead of PostgreSQL's.
    pub port: u16,
    mode: Arc<watch::Sender<Mode>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    /// Listens on 127.0.0.1:0 and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(watch::Sender::new(Mode::Up));
        let mode2 = mode.clone();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (upstream, rx) = (upstream.clone(), mode2.subscribe());
                tokio::spawn(connection(inbound, upstream, rx));
            }
        });
        Proxy { port, mode, accept }
    }

    /// Sets the mode; every connection follows at once.
    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// `url` (a PostgreSQL URL) with its host and port replaced by the proxy's.
    pub fn url_for(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (authority, path) = rest.split_once('/').unwrap();
        let user = authority.rsplit_once('@').map(|(u, _)| format!("{u}@"));
        format!(
            "{scheme}://{}127.0.0.1:{}/{path}",
            user.unwrap_or_default(),
            self.port
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.set(Mode::Cut);
        self.accept.abort();
    }
}

/// `host:port` of a PostgreSQL URL.
pub fn upstream_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split('/').next().unwrap();
    let host = authority.rsplit('@').next().unwrap();
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// One proxied connection: waits out a hang before connecting upstream, then pumps both ways.
async fn connection(inbound: TcpStream, upstream: String, mut mode: watch::Receiver<Mode>) {
    let Ok(now) = mode.wait_for(|m| *m != Mode::Hang).await.map(|m| *m) else {
        return;
    };
    if now == Mode::Cut {
        return;
    }
    let Ok(outbound) = TcpStream::connect(upstream).await else {
        return;
    };
    let (ri, wi) = inbound.into_split();
    let (ro, wo) = outbound.into_split();
    let up = tokio::spawn(pump(ri, wo, mode.clone()));
    let down = tokio::spawn(pump(ro, wi, mode));
    let _ = tokio::join!(up, down);
}

/// Copies `from` to `to` while the mode allows: holds (reading nothing more) during a hang,
/// returns (dropping both halves) on a cut or at the end of the stream.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Mode>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match mode.wait_for(|m| *m != Mode::Hang).await.map(|m| *m) {
            Ok(Mode::Up) => {}
            _ => return,
        }
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            _ = mode.wait_for(|m| *m == Mode::Cut) => return,
        };
        // A hang that began during the read holds this chunk too.
        match mode.wait_for(|m| *m != Mode::Hang).await.map(|m| *m) {
            Ok(Mode::Up) => {}
            _ => return,
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
