//! Bytes without a row: an upload stores its bytes before its row commits, and a contact's
//! delete removes the bytes after its rows are gone, so a crash between the two leaves bytes no
//! row names. They are swept at start-up and every [`EVERY`], once older than a grace period
//! (an upload whose row is about to commit is never touched).

use std::collections::HashSet;
use std::time::Duration;

use super::DocumentStorage;
use super::store::known_storage_keys;
use crate::db::Db;
use crate::error::AppResult;

/// How often a running server sweeps.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// Keys looked up per statement.
const KEYS_PER_QUERY: usize = 500;

/// Deletes the stored objects older than `grace` that no document row names, and the local
/// store's staging files of that age; returns how many it deleted.
pub async fn sweep_orphaned_bytes(
    db: &Db,
    storage: &DocumentStorage,
    grace: Duration,
) -> AppResult<usize> {
    // A grace period too long to subtract keeps everything.
    let before = chrono::TimeDelta::from_std(grace)
        .ok()
        .and_then(|grace| chrono::Utc::now().checked_sub_signed(grace))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    let staging = storage.remove_staging_files_before(before.into());
    let keys = storage
        .keys_written_before(before)
        .await
        .map_err(crate::error::AppError::internal)?;
    let mut orphans = Vec::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let mut conn = db.conn().await?;
        let known: HashSet<String> = known_storage_keys(&mut conn, chunk)
            .await?
            .into_iter()
            .collect();
        orphans.extend(chunk.iter().filter(|key| !known.contains(*key)).cloned());
    }
    storage.delete_all(&orphans).await;
    Ok(orphans.len() + staging)
}

/// Sweeps now and then every [`EVERY`], logging what it removed, until the process ends.
pub async fn keep_sweeping(db: Db, storage: DocumentStorage, grace: Duration) {
    loop {
        match sweep_orphaned_bytes(&db, &storage, grace).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed document bytes no row names"),
            Err(error) => tracing::warn!(?error, "sweeping orphaned document bytes"),
        }
        tokio::time::sleep(EVERY).await;
    }
}
