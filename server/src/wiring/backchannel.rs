//! Back-channel logout: the service that queues logout tokens when sessions end, and the
//! background worker that delivers them.

use super::{Core, WiringError};
use crate::config::Config;
use std::sync::Arc;
use std::time::Duration;
use tessera_adapters::outbound::{OutboundClient, OutboundLogoutSender, OutboundSettings};
use tessera_application::ports::AuditLog;
use tessera_application::services::{BackchannelLogout, BackchannelLogoutDeps, DeliveryPolicy};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the worker looks for due deliveries when the last round found none.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// Builds the service (its own outbound client, with the delivery timeout) and hands it to
/// `core`, so the session services wired after this notify relying parties.
pub fn install(
    core: &Core,
    config: &Config,
    audit: Arc<dyn AuditLog>,
) -> Result<Arc<BackchannelLogout>, WiringError> {
    let hardening = &config.hardening;
    let timeout = Duration::from_secs(hardening.backchannel_timeout_secs.max(1));
    let client = OutboundClient::new(OutboundSettings {
        allow_private_addresses: config.outbound.allow_private_addresses,
        timeout,
    })
    .map_err(|e| WiringError::Outbound(e.into()))?;
    let policy = DeliveryPolicy {
        max_attempts: hardening.backchannel_max_attempts.max(1),
        retry_base_secs: hardening.backchannel_retry_base_secs.max(1),
        // A claimed row stays invisible well past one send's time limit.
        lease_secs: super::whole_secs(timeout)
            .saturating_mul(2)
            .saturating_add(30),
        ..DeliveryPolicy::default()
    };
    let service = Arc::new(BackchannelLogout::new(
        BackchannelLogoutDeps {
            session_clients: core.db.session_clients(),
            deliveries: core.db.logout_deliveries(),
            clients: core.db.clients(),
            jws: core.jws.clone(),
            sender: Arc::new(OutboundLogoutSender::new(client)),
            audit,
            clock: core.clock.clone(),
            rng: core.rng.clone(),
        },
        core.settings.issuer.clone(),
        policy,
    ));
    let service = core.backchannel.get_or_init(|| service).clone();
    Ok(service)
}

/// The delivery loop, not yet started.
pub struct BackchannelWorker {
    service: Arc<BackchannelLogout>,
}

/// A started worker; [`RunningWorker::stop`] ends it between two sends.
pub struct RunningWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl BackchannelWorker {
    /// A worker delivering through `service`.
    pub fn new(service: Arc<BackchannelLogout>) -> Self {
        Self { service }
    }

    /// Starts the loop on the runtime: a round of due deliveries, again at once while rounds
    /// find work, else after [`POLL_EVERY`].
    pub fn start(self) -> RunningWorker {
        let (stop, mut stopped) = watch::channel(false);
        let service = self.service;
        let task = tokio::spawn(async move {
            loop {
                let busy = match service.deliver_due().await {
                    Ok(round) => round.claimed > 0,
                    Err(e) => {
                        log::warn!("back-channel logout deliveries failed: {e}");
                        false
                    }
                };
                if *stopped.borrow() {
                    break;
                }
                if busy {
                    continue;
                }
                tokio::select! {
                    _ = tokio::time::sleep(POLL_EVERY) => {}
                    _ = stopped.changed() => break,
                }
            }
        });
        RunningWorker { stop, task }
    }
}

impl RunningWorker {
    /// Stops the loop and waits for the round under way, at most `grace` (rows it had claimed
    /// and not finished come back when their lease ends, in this process or the next).
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let abort = self.task.abort_handle();
        if tokio::time::timeout(grace, self.task).await.is_err() {
            abort.abort();
        }
    }
}
