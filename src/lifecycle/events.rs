//! Live stage events: every committed transition is published to subscribers of
//! `contactStageChanged`, and a rolled-back move is never announced.
//!
//! On SQLite (one process) a move is published to this process's channel after its transaction
//! commits. On PostgreSQL several servers may share the database: the transaction that records a
//! move also sends `NOTIFY` (delivered by PostgreSQL only if it commits), and every server
//! `LISTEN`s on a connection of its own and feeds its channel from there, so a subscriber on any
//! server sees each move once, whichever server made it.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
use futures_util::{FutureExt as _, StreamExt as _};
use tokio::sync::broadcast;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::model::StageTransition;
use super::store;
use crate::db::{Db, PgConn};
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, TransitionId};
use crate::time::Timestamp;

/// The PostgreSQL channel committed moves are announced on; the payload is their ids.
pub const CHANNEL: &str = "rapport_stage_changed";
/// The `application_name` of a listener's connection.
pub const LISTENER: &str = "rapport stage listener";

/// A committed transition and the company of its contact (for scope and filters).
#[derive(Debug, Clone)]
pub struct StageEvent {
    pub transition: StageTransition,
    pub company_id: Option<CompanyId>,
}

#[derive(Clone)]
pub struct StageEvents {
    sender: broadcast::Sender<StageEvent>,
    /// Whether the database relays moves (PostgreSQL): then [`StageEvents::publish`] leaves
    /// them to the listener.
    relayed: bool,
    /// Stops the listener (and closes its connection) when the last clone is dropped.
    _listening: Option<Arc<DropGuard>>,
}

impl Default for StageEvents {
    fn default() -> Self {
        Self {
            // A subscriber that falls this far behind skips events rather than slowing writers.
            sender: broadcast::channel(1024).0,
            relayed: false,
            _listening: None,
        }
    }
}

impl StageEvents {
    /// The events of `db`'s moves: on PostgreSQL, fed by a listener task started here (it
    /// needs the Tokio runtime and ends once every clone of the result is dropped).
    pub fn of(db: &Db) -> Self {
        let Some(url) = db.postgres_url() else {
            return Self::default();
        };
        let stop = CancellationToken::new();
        let events = Self {
            relayed: true,
            _listening: Some(Arc::new(stop.clone().drop_guard())),
            ..Self::default()
        };
        let listener = listen(url.to_owned(), events.sender.downgrade());
        tokio::spawn(async move { stop.run_until_cancelled(listener).await });
        events
    }

    /// Announces a move whose transaction has committed, unless the database relays it.
    pub fn publish(&self, event: StageEvent) {
        if !self.relayed {
            // No subscribers is not an error.
            let _ = self.sender.send(event);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StageEvent> {
        self.sender.subscribe()
    }
}

/// How long a listener waits before reconnecting, at first and at most.
const RECONNECT: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(5));
/// How far back a listener looks, after reconnecting, for moves committed while it was away.
const CATCH_UP: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// Listens for committed moves, reconnecting (and catching up on what was committed meanwhile)
/// whenever the connection is lost.
async fn listen(url: String, sender: broadcast::WeakSender<StageEvent>) {
    let mut seen = Seen::default();
    let mut lost_at: Option<Timestamp> = None;
    let mut wait = RECONNECT.0;
    loop {
        let mut conn = match subscribed(&url).await {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for stage changes; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RECONNECT.1);
                continue;
            }
        };
        wait = RECONNECT.0;
        if let Some(since) = lost_at.take() {
            let since = Timestamp(since.0 - CATCH_UP);
            match store::transitions_since(&mut conn, seen.floor(), since).await {
                Ok(missed) => seen.relay(missed, &sender),
                Err(error) => tracing::warn!(?error, "stage changes missed while reconnecting"),
            }
        }
        if let Err(error) = relay(&mut conn, &mut seen, &sender).await {
            tracing::warn!(?error, "lost the connection listening for stage changes");
        }
        lost_at = Some(Timestamp::now());
    }
}

async fn subscribed(url: &str) -> diesel::ConnectionResult<PgConn> {
    let mut conn = PgConn::establish(url).await?;
    // Named, so operators (and tests) can tell it in pg_stat_activity.
    conn.batch_execute(&format!(
        "SET application_name = '{LISTENER}'; LISTEN {CHANNEL}"
    ))
    .await
    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

/// Relays notified moves until the connection fails.
async fn relay(
    conn: &mut PgConn,
    seen: &mut Seen,
    sender: &broadcast::WeakSender<StageEvent>,
) -> AppResult<()> {
    loop {
        let first = {
            let mut notifications = std::pin::pin!(conn.notifications_stream());
            match notifications.next().await {
                None => return Err(AppError::internal(anyhow::anyhow!("the connection closed"))),
                Some(notification) => notification?,
            }
        };
        // Whatever else has arrived goes into the same read.
        let mut ids = ids_of(&first.payload);
        {
            let mut notifications = std::pin::pin!(conn.notifications_stream());
            while let Some(Some(notification)) = notifications.next().now_or_never() {
                ids.extend(ids_of(&notification?.payload));
            }
        }
        ids.retain(|id| !seen.contains(*id));
        if !ids.is_empty() {
            let committed = store::committed_transitions(conn, &ids).await?;
            seen.relay(committed, sender);
        }
    }
}

/// The payload of a notification: transition ids separated by commas.
pub fn payload(ids: &[TransitionId]) -> Vec<String> {
    // PostgreSQL caps a payload at 8000 bytes.
    ids.chunks(500)
        .map(|chunk| {
            chunk
                .iter()
                .map(|id| id.0.to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

fn ids_of(payload: &str) -> Vec<TransitionId> {
    payload
        .split(',')
        .filter_map(|id| id.trim().parse().ok().map(TransitionId))
        .collect()
}

/// The moves a listener relayed lately, so that one caught up after a reconnection and also
/// notified is relayed once.
#[derive(Default)]
struct Seen {
    order: VecDeque<TransitionId>,
    ids: HashSet<TransitionId>,
    highest: i64,
}

impl Seen {
    const KEPT: usize = 20_000;

    fn contains(&self, id: TransitionId) -> bool {
        self.ids.contains(&id)
    }

    /// Ids below this were committed before the connection was lost (ids are handed out in
    /// order; no server keeps thousands of moves uncommitted at once).
    fn floor(&self) -> TransitionId {
        TransitionId(self.highest.saturating_sub(Self::KEPT as i64 / 2))
    }

    fn relay(
        &mut self,
        events: Vec<(StageTransition, Option<CompanyId>)>,
        sender: &broadcast::WeakSender<StageEvent>,
    ) {
        let Some(sender) = sender.upgrade() else {
            return;
        };
        for (transition, company_id) in events {
            if !self.ids.insert(transition.id) {
                continue;
            }
            self.highest = self.highest.max(transition.id.0);
            self.order.push_back(transition.id);
            if self.order.len() > Self::KEPT
                && let Some(oldest) = self.order.pop_front()
            {
                self.ids.remove(&oldest);
            }
            let _ = sender.send(StageEvent {
                transition,
                company_id,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_carries_every_id_within_the_size_postgresql_accepts() {
        let ids: Vec<TransitionId> = (1_000_000_000_000..1_000_000_001_200)
            .map(TransitionId)
            .collect();
        let payloads = payload(&ids);
        assert!(payloads.iter().all(|p| p.len() < 8000));
        let back: Vec<TransitionId> = payloads.iter().flat_map(|p| ids_of(p)).collect();
        assert_eq!(back, ids);
    }

    #[test]
    fn a_malformed_payload_yields_only_its_ids() {
        assert_eq!(ids_of("4, x,,7"), vec![TransitionId(4), TransitionId(7)]);
    }
}
