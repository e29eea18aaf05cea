//! The trash's retention: contacts deleted longer ago than the retention (`RAPPORT_TRASH_DAYS`,
//! default 30) are purged for good, with their details, history and document bytes, at
//! start-up and every [`EVERY`].

use std::time::Duration;

use super::{ops, store};
use crate::db::Db;
use crate::documents::DocumentStorage;
use crate::error::AppResult;
use crate::time::Timestamp;

/// How often a running server purges the expired trash.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// Contacts purged per transaction.
const PER_TRANSACTION: i64 = 100;

/// Purges the contacts in the trash since before `now - retention`, deleting their documents'
/// bytes after each transaction commits; returns how many it purged.
pub async fn purge_expired(
    db: &Db,
    storage: &DocumentStorage,
    retention: Duration,
) -> AppResult<usize> {
    // A retention too long to subtract keeps everything.
    let Some(cutoff) = chrono::TimeDelta::from_std(retention)
        .ok()
        .and_then(|retention| chrono::Utc::now().checked_sub_signed(retention))
    else {
        return Ok(0);
    };
    let cutoff = Timestamp::from_utc(cutoff);
    let mut purged = 0;
    loop {
        let (count, keys) = db
            .transaction(async |c| {
                let ids = store::trashed_before(c, cutoff, PER_TRANSACTION).await?;
                let mut keys = Vec::new();
                for id in &ids {
                    keys.extend(ops::purge_locked(c, *id).await?);
                }
                Ok((ids.len(), keys))
            })
            .await?;
        storage.delete_all(&keys).await;
        purged += count;
        if count < PER_TRANSACTION as usize {
            return Ok(purged);
        }
    }
}

/// Purges now and then every [`EVERY`], logging what it removed, until the process ends.
pub async fn keep_purging(db: Db, storage: DocumentStorage, retention: Duration) {
    loop {
        match purge_expired(&db, &storage, retention).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged contacts from the trash"),
            Err(error) => tracing::warn!(?error, "purging the trash"),
        }
        tokio::time::sleep(EVERY).await;
    }
}
