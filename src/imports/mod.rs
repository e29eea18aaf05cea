//! Contact imports from CSV: the file and its column mapping are checked whole, then the rows
//! run in the background by the rules of `createContact`, each row with its own outcome, the
//! counts exact at every moment (a restart leaves the import `INTERRUPTED`).

pub mod file;
pub mod model;
pub mod resolvers;
mod rows;
mod run;
mod store;

use std::time::Duration;

use crate::db::Db;
use crate::error::AppResult;
use crate::time::Timestamp;

/// How often a running import shows it is alive, and how long an import may stay silent before
/// any server takes its own server for stopped. Several servers share the imports table, so a
/// server cannot simply take every running import for one it left behind.
pub const HEARTBEAT: Duration = Duration::from_secs(20);
pub const SILENCE: Duration = Duration::from_secs(90);

/// Marks running imports whose server has been silent for [`SILENCE`] as interrupted.
pub async fn mark_interrupted(db: &Db) -> AppResult<usize> {
    let silence = chrono::TimeDelta::seconds(SILENCE.as_secs().try_into().unwrap_or(i64::MAX));
    let silent_since = Timestamp(Timestamp::now().0 - silence);
    let mut conn = db.conn().await?;
    store::mark_interrupted(&mut conn, silent_since).await
}

/// [`mark_interrupted`] every minute, for as long as the server runs.
pub async fn keep_marking_interrupted(db: Db) {
    loop {
        match mark_interrupted(&db).await {
            Ok(0) => {}
            Ok(interrupted) => {
                tracing::warn!(
                    interrupted,
                    "imports whose server stopped are marked INTERRUPTED"
                )
            }
            Err(error) => tracing::warn!(?error, "marking interrupted imports"),
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
}
