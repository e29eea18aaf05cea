//! Running an import in the background, in batches of [`BATCH`] rows, one transaction each (a
//! commit per row would make the disk's flushes the cost of an import). Each row runs in a
//! savepoint of its batch: a row that works is written with its outcome and the import's
//! counts; a row that fails is undone alone and only its outcome is written. A dry run rolls
//! every row's savepoint back and keeps the outcomes. A batch commits whole or not at all, so
//! the counts of an interrupted import are exact.

use super::file::ImportFile;
use super::model::{ImportMode, ImportRowStatus, ImportStatus};
use super::rows;
use super::store;
use crate::db::{Conn, Db};
use crate::error::AppResult;
use crate::ids::ContactImportId;
use crate::lifecycle::Moved;
use crate::lifecycle::events::{StageEvent, StageEvents};
use crate::viewer::Viewer;

/// Rows per transaction.
const BATCH: usize = 100;

pub struct Job {
    pub db: Db,
    pub viewer: Viewer,
    pub id: ContactImportId,
    pub file: ImportFile,
    pub mode: ImportMode,
    pub dry_run: bool,
    pub region: Option<String>,
    pub events: Option<StageEvents>,
}

impl Job {
    pub async fn run(self) {
        let id = self.id;
        let outcome = self.rows().await;
        let status = match &outcome {
            Ok(()) => ImportStatus::Completed,
            Err(error) => {
                tracing::warn!(?error, import = id.0, "import stopped");
                ImportStatus::Interrupted
            }
        };
        let finished = async {
            let mut conn = self.db.conn().await?;
            store::finish(&mut conn, id, status).await
        };
        if let Err(error) = finished.await {
            tracing::warn!(?error, import = id.0, "import not marked as ended");
        }
    }

    async fn rows(&self) -> AppResult<()> {
        let names = {
            let mut conn = self.db.conn().await?;
            store::names(&mut conn, &self.viewer).await?
        };
        let numbered: Vec<(i64, &Vec<String>)> = (1..).zip(&self.file.rows).collect();
        for batch in numbered.chunks(BATCH) {
            let started = self
                .db
                .transaction(async |c| {
                    let mut started = Vec::new();
                    for &(number, row) in batch {
                        let input = rows::read(&self.file, row, &names);
                        started.extend(self.row(c, number, &input).await?);
                    }
                    Ok(started)
                })
                .await?;
            if let Some(events) = &self.events {
                for start in started {
                    events.publish(StageEvent {
                        transition: start.transition,
                        company_id: start.company_id,
                    });
                }
            }
        }
        Ok(())
    }

    /// Applies one row in a savepoint of the batch's transaction and records its outcome;
    /// returns the lifecycle start to publish once the batch commits. Only an outage stops the
    /// batch: any other failure is the row's outcome.
    async fn row(
        &self,
        c: &mut Conn,
        number: i64,
        input: &rows::RowInput,
    ) -> AppResult<Option<Moved>> {
        let (id, dry_run) = (self.id, self.dry_run);
        let region = self.region.as_deref();
        let applied = c
            .savepoint(!dry_run, async |c| {
                rows::apply(c, &self.viewer, input, self.mode, region).await
            })
            .await;
        match applied {
            Ok((status, contact, start)) => {
                // A contact a dry run created was rolled back: it has no id.
                let contact = (!dry_run || status == ImportRowStatus::Updated).then_some(contact);
                store::record_row(c, id, number, status, contact, "[]").await?;
                Ok(start.filter(|_| !dry_run))
            }
            Err(error) if error.is_unavailable() => Err(error),
            Err(error) => {
                let errors = serde_json::to_string(&rows::errors_of(&error, &self.file))
                    .unwrap_or_else(|_| "[]".to_owned());
                let failed = ImportRowStatus::Failed;
                store::record_row(c, id, number, failed, None, &errors).await?;
                Ok(None)
            }
        }
    }
}
