//! Real `tessera` processes for the multi-process and fault tests: the debug binary this
//! build made, started with an environment of `TESSERA_*` variables, its log drained by a
//! thread (kept for the failure message), killed and reaped when dropped, whatever happens to
//! the test.
//!
//! The binary is `target/debug/tessera` beside the test executable (`target/debug/deps/…`),
//! or `TESSERA_BIN`. `cargo test --workspace --all-targets` builds it (the server crate's
//! own CLI tests need it); `cargo test -p tessera-tests` alone does not, so run
//! `cargo build -p tessera-server --bin tessera` first (as `make test-faults` does).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many log lines of a child are kept for the failure message.
const KEPT_LOG_LINES: usize = 400;

/// The `tessera` binary to run: `TESSERA_BIN`, else `../tessera` from the test executable's
/// `deps` directory. Panics, saying how to build it, when it is not there.
pub fn tessera_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("TESSERA_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let bin = profile_dir.join("tessera");
    assert!(
        bin.is_file(),
        "the tessera binary is missing at {}: build it first with \
         `cargo build -p tessera-server --bin tessera` (or set TESSERA_BIN)",
        bin.display()
    );
    bin
}

/// The admin API bearer token every test process is given.
pub const ADMIN_TOKEN: &str = "multiprocess-admin-token-0123456789abcdef";

/// The `secret_key` every process of one test shares (it decrypts the signing keys and keys
/// the CSRF and trusted-device MACs, so processes must agree on it).
pub const SECRET_KEY: &str = "multiprocess-secret-key-0123456789abcdef-0123";

/// The issuer every process of one test shares, as behind one load balancer: a name, not one
/// process's address (nothing fetches it).
pub const ISSUER: &str = "http://tessera.test";

/// The environment of a test process on `database_url`: port 0 on loopback, the shared
/// issuer, secret key and admin token, signing keys re-read every second, cheap argon2, two
/// workers, a short drain, rate limits off (the loads come from one address), mail into
/// `dir`, and no access log. `extra` is added last, so it overrides.
pub fn serve_env(database_url: &str, dir: &Path, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let outbox = dir.join("mail-outbox");
    let base = [
        ("TESSERA_DATABASE_URL", database_url),
        ("TESSERA_BIND", "127.0.0.1:0"),
        ("TESSERA_ISSUER", ISSUER),
        ("TESSERA_SECRET_KEY", SECRET_KEY),
        ("TESSERA_ADMIN_TOKEN", ADMIN_TOKEN),
        ("TESSERA_KEY_REFRESH_SECS", "1"),
        ("TESSERA_ARGON2_MEMORY_KIB", "1024"),
        ("TESSERA_ARGON2_ITERATIONS", "1"),
        ("TESSERA_WORKERS", "2"),
        ("TESSERA_SHUTDOWN_TIMEOUT_SECS", "5"),
        ("TESSERA_RATE_LIMIT__ENABLED", "false"),
        (
            "TESSERA_MAIL__OUTBOX_DIR",
            outbox.to_str().expect("a UTF-8 temp path"),
        ),
        ("RUST_LOG", "info,tessera::access=off"),
    ];
    let mut env: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push(((*k).to_owned(), (*v).to_owned()));
    }
    env
}

/// A running `tessera serve` child.
pub struct TesseraProcess {
    /// A name for messages (`A`, `B`, …).
    pub name: String,
    child: Child,
    log: Arc<Mutex<VecDeque<String>>>,
    listening: mpsc::Receiver<SocketAddr>,
    addr: Option<SocketAddr>,
}

impl TesseraProcess {
    /// Starts `tessera serve` in `dir` with exactly `env` (plus `PATH`) as its environment.
    /// Returns at once; [`Self::wait_listening`] waits for its listener.
    pub fn start(name: &str, env: &[(String, String)], dir: &Path) -> TesseraProcess {
        let mut cmd = Command::new(tessera_binary());
        cmd.arg("serve")
            .current_dir(dir)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        die_with_parent(&mut cmd);
        let mut child = cmd.spawn().expect("tessera serve starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let log: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let (tx, listening) = mpsc::channel();
        let (log2, name2) = (log.clone(), name.to_owned());
        std::thread::spawn(move || drain_log(&name2, stderr, &log2, &tx));
        TesseraProcess {
            name: name.to_owned(),
            child,
            log,
            listening,
            addr: None,
        }
    }

    /// Waits (at most `limit`) for the "listening on" line; the address it names.
    pub fn wait_listening(&mut self, limit: Duration) -> SocketAddr {
        if let Some(addr) = self.addr {
            return addr;
        }
        match self.listening.recv_timeout(limit) {
            Ok(addr) => {
                self.addr = Some(addr);
                addr
            }
            Err(_) => panic!(
                "tessera {} did not listen within {limit:?} (exit: {:?}); its log:\n{}",
                self.name,
                self.child.try_wait().ok().flatten(),
                self.log_text()
            ),
        }
    }

    /// `http://ADDR` of the listener (after [`Self::wait_listening`]).
    pub fn base(&self) -> String {
        format!("http://{}", self.addr.expect("waited for the listener"))
    }

    /// An absolute URL for `path` on this process.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. `libc::SIGTERM`) to the process.
    pub fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.child.id()).expect("a pid fits an i32");
        // SAFETY: kill(2) on our own child's pid; the child is not reaped before drop, so
        // the pid cannot have been reused.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal})");
    }

    /// SIGKILL and reap.
    pub fn kill9(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("reaped")
    }

    /// Waits at most `limit` for the process to exit; `None` if it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The last lines the process logged.
    pub fn log_text(&self) -> String {
        let log = self.log.lock().map(|l| l.clone()).unwrap_or_default();
        Vec::from(log).join("\n")
    }
}

impl Drop for TesseraProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let _ = writeln!(
                std::io::stderr(),
                "--- log of tessera {} (pid {}) ---\n{}\n--- end ---",
                self.name,
                self.child.id(),
                self.log_text()
            );
        }
    }
}

/// Reads the child's stderr to the end: keeps the last lines, sends the listening address.
fn drain_log(
    name: &str,
    stderr: std::process::ChildStderr,
    log: &Mutex<VecDeque<String>>,
    listening: &mpsc::Sender<SocketAddr>,
) {
    let echo = std::env::var_os("TEST_LOG").is_some();
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if let Some(addr) = listening_address(&line) {
            let _ = listening.send(addr);
        }
        if echo {
            let _ = writeln!(std::io::stderr(), "[{name}] {line}");
        }
        if let Ok(mut log) = log.lock() {
            if log.len() == KEPT_LOG_LINES {
                log.pop_front();
            }
            log.push_back(line);
        }
    }
}

/// The address in `tessera listening on ADDR as ISSUER`, in text or JSON logs.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let rest = line.split("tessera listening on ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Asks the kernel to SIGKILL the child when the thread that started it ends, so a test
/// process killed outright leaves no server behind (Drop covers every other ending).
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches only the calling (child) process.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// Runs one `tessera` command (e.g. `["user", "create", …]`) with `env`, feeding `stdin`;
/// returns its standard output. Panics, with stderr, on a non-zero exit.
pub fn tessera_command(
    args: &[&str],
    env: &[(String, String)],
    dir: &Path,
    stdin: Option<&str>,
) -> String {
    let mut cmd = Command::new(tessera_binary());
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("tessera command starts");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes()).expect("stdin written");
    }
    let out = child.wait_with_output().expect("tessera command ends");
    assert!(
        out.status.success(),
        "tessera {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_is_found_in_text_and_json() {
        let text =
            "[2026-12-07T20:00:00Z INFO  tessera] tessera listening on 127.0.0.1:4242 as http://x";
        assert_eq!(
            listening_address(text),
            Some("127.0.0.1:4242".parse().unwrap())
        );
        let json = r#"{"ts":"…","level":"INFO","target":"tessera","msg":"tessera listening on 127.0.0.1:80 as http://x"}"#;
        assert_eq!(
            listening_address(json),
            Some("127.0.0.1:80".parse().unwrap())
        );
        assert_eq!(listening_address("something else"), None);
    }
}
