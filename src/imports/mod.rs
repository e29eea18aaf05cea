//! Contact imports from CSV: the file and its column mapping are checked whole, then the rows
//! run in the background by the rules of `createContact`, each row with its own outcome, the
//! counts exact at every moment (a restart leaves the import `INTERRUPTED`).

pub mod file;
pub mod model;
pub mod resolvers;
mod rows;
mod run;
mod store;

use crate::db::Db;
use crate::error::AppResult;

/// Marks imports a stopped process left running as interrupted; run once at start-up.
pub async fn mark_interrupted(db: &Db) -> AppResult<usize> {
    let mut conn = db.conn().await?;
    store::mark_interrupted(&mut conn).await
}
