//! a database that hangs: PostgreSQL keeps its connections but stops answering
//! (a proxy that forwards nothing either way, new connections included). Requests must not
//! pile up behind it: a burst of concurrent requests all answer 503 with `Retry-After`
//! within the pool/statement deadline (`database_timeout_ms`), a second burst too, the
//! readiness probe answers 503 in time, and service resumes once the database answers again.
//! PostgreSQL only: a hung SQLite file is the lock of `outage`, SQLite having no connection
//! to hang.

use crate::cluster::{http_client, Cluster, Creds};
use crate::load::{report, summary, Recorder, Sample};
use crate::proxy::{upstream_of, Mode, Proxy};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tessera_tests::TestDatabase;

/// `database_timeout_ms` of the process under test.
const TIMEOUT_MS: u64 = 1500;
/// What the deadline allows on top on a loaded machine.
const SLACK: Duration = Duration::from_millis(1500);
const BURST: usize = 32;

/// `BURST` concurrent token requests (and as many revocations); their samples.
async fn burst(rec: &Recorder, base: &str, svc: &Creds) -> Vec<Sample> {
    let before = rec.samples().len();
    let mut tasks = Vec::new();
    for k in 0..BURST {
        let (rec, base, svc) = (rec.clone(), base.to_owned(), svc.clone());
        tasks.push(tokio::spawn(async move {
            let http = http_client();
            let req = if k % 2 == 0 {
                http.post(format!("{base}/token"))
                    .form(&[("grant_type", "client_credentials")])
            } else {
                http.post(format!("{base}/revoke")).form(&[("token", "x")])
            };
            let what = if k % 2 == 0 { "token" } else { "revoke" };
            let _ = rec
                .send(what, req.basic_auth(&svc.id, Some(&svc.secret)))
                .await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    rec.samples()[before..].to_vec()
}

/// The slowest answer of a burst.
fn slowest(samples: &[Sample]) -> Duration {
    samples
        .iter()
        .map(Sample::latency)
        .max()
        .unwrap_or_default()
}

/// Each answer 503 with `Retry-After`, none later than what the same burst takes against a
/// healthy database (`baseline`: on a busy machine 32 concurrent requests queue for the CPU)
/// plus one deadline and some slack. A pile-up (requests waiting out several deadlines in
/// turn, behind a pool of stranded connections) would take a multiple of the deadline.
fn check_burst(name: &str, samples: &[Sample], baseline: Duration) {
    let bound = baseline + Duration::from_millis(TIMEOUT_MS) + SLACK;
    report(&format!("R-03 hang, {name}: {}", summary(samples)));
    assert_eq!(samples.len(), BURST);
    for s in samples {
        assert_eq!(s.status, Some(503), "{name}: fail closed: {s:?}");
        assert!(s.retry_after, "{name}: Retry-After: {s:?}");
        assert!(
            s.latency() <= bound,
            "{name}: no pile-up, each answered within {bound:?}: {s:?}"
        );
    }
}

/// A database that stops answering mid-connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fault suite: run by make test-faults"]
async fn r_03_hung_postgres_answers_503_in_time() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let proxy = Proxy::start(upstream_of(db.url())).await;
    let url = proxy.url_for(db.url());
    let timeout = TIMEOUT_MS.to_string();
    let c = Cluster::start(
        db,
        1,
        &[
            ("TESSERA_DATABASE_URL", &url),
            ("TESSERA_DATABASE_TIMEOUT_MS", &timeout),
        ],
    )
    .await;
    let svc = c.service_client(0).await;
    let base = c.node(0).base();
    let rec = Recorder::new();
    // Warm: the pool opens its connections (slowly on a busy machine: a burst may need a
    // second try), which the hang then strands mid-statement.
    let mut baseline = Duration::ZERO;
    for attempt in 1..=5 {
        let warm = burst(&rec, &base, &svc).await;
        report(&format!("R-03 hang, warm-up {attempt}: {}", summary(&warm)));
        baseline = slowest(&warm);
        if warm.iter().all(|s| s.status == Some(200)) {
            break;
        }
        assert!(attempt < 5, "the pool never warmed up: {}", summary(&warm));
    }
    // The same burst once more, on a warm pool: the baseline.
    let healthy = burst(&rec, &base, &svc).await;
    report(&format!("R-03 hang, healthy: {}", summary(&healthy)));
    baseline = baseline.min(slowest(&healthy));

    proxy.set(Mode::Hang);
    // While the change feed listens, a client_credentials token needs no database read (the
    // client row is in memory): tokens are 200 until its keep-alive (1 s, answer within 1 s)
    // finds the connection silent, within R-02's 2 s; from then on the database is asked and
    // the deadline applies. A revocation always writes, so it never succeeds meanwhile.
    let hung_at = Instant::now();
    let (alone, alone_took) = loop {
        let t = Instant::now();
        let status = c.try_token(0, &svc).await.0;
        let took = t.elapsed();
        if status != StatusCode::OK {
            break (status, took);
        }
        assert!(
            hung_at.elapsed() <= Duration::from_secs(2) + SLACK,
            "tokens still issued from memory {:?} after the database hung",
            hung_at.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    report(&format!(
        "R-03 hang: the change feed stood down {:?} after the hang",
        hung_at.elapsed().saturating_sub(alone_took)
    ));
    report(&format!(
        "R-03 hang: one request alone: {alone} in {alone_took:?}"
    ));
    let first = burst(&rec, &base, &svc).await;
    let t = Instant::now();
    let ready = c.http.get(c.node(0).url("/readyz")).send().await.unwrap();
    let ready_took = t.elapsed();
    let second = burst(&rec, &base, &svc).await;
    check_burst("first burst", &first, baseline);
    check_burst("second burst", &second, baseline);
    assert_eq!(alone, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        alone_took <= Duration::from_millis(TIMEOUT_MS) + SLACK,
        "one request: {alone_took:?}"
    );
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        ready_took <= Duration::from_millis(TIMEOUT_MS) + SLACK,
        "{ready_took:?}"
    );

    proxy.set(Mode::Up);
    let deadline = Instant::now() + Duration::from_secs(15);
    let up = Instant::now();
    loop {
        if c.try_token(0, &svc).await.0 == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "service resumes by itself");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report(&format!(
        "R-03 hang: serving again {:?} after the database answered",
        up.elapsed()
    ));
    let after = burst(&rec, &base, &svc).await;
    assert!(
        after.iter().all(|s| s.status == Some(200)),
        "{}",
        summary(&after)
    );
}
