//! Recording a load: every request's start, end, status (or transport error) and whether a
//! 503 carried `Retry-After`, relative to the test's start, for the assertions afterwards.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request's outcome.
#[derive(Clone, Debug)]
pub struct Sample {
    /// What was asked (`token`, `revoke`, `login`, …).
    pub what: &'static str,
    pub start: Duration,
    pub end: Duration,
    /// The status, or `None` for a transport error.
    pub status: Option<u16>,
    /// The transport error, if any, and whether it was a refused connection (never sent).
    pub error: Option<(String, bool)>,
    pub retry_after: bool,
}

impl Sample {
    pub fn latency(&self) -> Duration {
        self.end.saturating_sub(self.start)
    }
}

/// Samples of one load, shared by its workers.
#[derive(Clone)]
pub struct Recorder {
    pub t0: Instant,
    samples: Arc<Mutex<Vec<Sample>>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            t0: Instant::now(),
            samples: Arc::default(),
        }
    }

    /// Sends `req`, records the outcome, and hands back the response, or whether the
    /// transport error was a refused connection (the request never reached the server).
    pub async fn send(
        &self,
        what: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, bool> {
        let start = self.t0.elapsed();
        let result = req.send().await;
        let end = self.t0.elapsed();
        let mut sample = Sample {
            what,
            start,
            end,
            status: None,
            error: None,
            retry_after: false,
        };
        let out = match result {
            Ok(res) => {
                sample.status = Some(res.status().as_u16());
                sample.retry_after = res.headers().contains_key("retry-after");
                Ok(res)
            }
            Err(e) => {
                sample.error = Some((format!("{e:?}"), e.is_connect()));
                Err(e.is_connect())
            }
        };
        self.samples.lock().unwrap().push(sample);
        out
    }

    /// Everything recorded so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().unwrap().clone()
    }

    /// Now, on the recorder's clock.
    pub fn now(&self) -> Duration {
        self.t0.elapsed()
    }
}

/// A one-line summary: counts per status and the latency percentiles.
pub fn summary(samples: &[Sample]) -> String {
    use std::collections::BTreeMap;
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for s in samples {
        let key = s
            .status
            .map_or_else(|| "error".to_owned(), |c| c.to_string());
        *by_status.entry(key).or_default() += 1;
    }
    let mut lat: Vec<Duration> = samples.iter().map(Sample::latency).collect();
    lat.sort();
    let pct = |p: usize| {
        lat.get((lat.len().saturating_sub(1)) * p / 100)
            .copied()
            .unwrap_or_default()
    };
    format!(
        "{} requests {by_status:?}, latency p50 {:?} p99 {:?} max {:?}",
        samples.len(),
        pct(50),
        pct(99),
        pct(100)
    )
}

/// Prints to the real stderr (the harness captures `println!` of passing tests): the
/// figures are the point of the suite.
pub fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "[faults] {line}");
}
