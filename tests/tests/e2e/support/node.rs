//! Running the Node.js test scripts of `tests/mcp` (the MCP SDK, oauth4webapi): one script run
//! per call, bounded in time, its stdout parsed as one JSON report. Node.js and
//! `tests/mcp/node_modules` (`npm ci --prefix tests/mcp`, which `make test` runs) must be there:
//! without them the tests fail and say so.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;

/// The longest any one Node.js script may take.
pub const NODE_BOUND: Duration = Duration::from_secs(60);

/// `tests/mcp`, with its packages installed; fails the test with what to do otherwise.
pub fn node_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mcp");
    let node = std::process::Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "these end-to-end tests need Node.js (`node` on PATH, version 20 or later): {node:?}"
    );
    assert!(
        dir.join("node_modules/oauth4webapi/package.json").is_file()
            && dir
                .join("node_modules/@modelcontextprotocol/sdk/package.json")
                .is_file(),
        "{}/node_modules is missing: run `npm ci --prefix tests/mcp` (`make test` does)",
        dir.display()
    );
    dir
}

/// Runs `node <script>` in `tests/mcp` with `env`, and returns the JSON it printed on stdout.
/// Fails the test, with the script's stdout and stderr, when it exits non-zero, runs longer
/// than [`NODE_BOUND`] or prints no JSON. The process is killed if the test gives up on it.
#[allow(dead_code, reason = "the hardened-client tests (issue 15) call it")]
pub async fn run_node_script(script: &str, env: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new("node");
    cmd.arg(script)
        .current_dir(node_dir())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = tokio::time::timeout(NODE_BOUND, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("node {script} ran longer than {NODE_BOUND:?}"))
        .unwrap_or_else(|e| panic!("node {script} does not start: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node {script} failed: {}\nstdout: {stdout}\nstderr: {stderr}",
        output.status
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("node {script} printed no JSON ({e}): {stdout}\n{stderr}"))
}
