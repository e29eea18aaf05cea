//! Running an import in the background, row by row. A row that works is written together with
//! its outcome and the import's counts in one transaction; a row that fails changes nothing but
//! its outcome. A dry run applies each row in a transaction that is always rolled back.

use super::file::ImportFile;
use super::model::{ImportMode, ImportRowStatus, ImportStatus};
use super::rows;
use super::store;
use crate::db::Db;
use crate::error::AppResult;
use crate::ids::{ContactId, ContactImportId};
use crate::lifecycle::events::{StageEvent, StageEvents};
use crate::viewer::Viewer;

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
        let (viewer, region) = (&self.viewer, self.region.as_deref());
        for (index, row) in self.file.rows.iter().enumerate() {
            let number = i64::try_from(index).unwrap_or(i64::MAX) + 1;
            let input = rows::read(&self.file, row, &names);
            let (id, mode) = (self.id, self.mode);
            let applied = if self.dry_run {
                self.db
                    .rehearse(async |c| rows::apply(c, viewer, &input, mode, region).await)
                    .await
            } else {
                self.db
                    .transaction(async |c| {
                        let applied = rows::apply(c, viewer, &input, mode, region).await?;
                        store::record_row(c, id, number, applied.0, Some(applied.1), "[]").await?;
                        Ok(applied)
                    })
                    .await
            };
            let recorded = match applied {
                Ok((status, contact, start)) => {
                    if let (Some(events), Some(start)) =
                        (&self.events, start.filter(|_| !self.dry_run))
                    {
                        events.publish(StageEvent {
                            transition: start.transition,
                            company_id: start.company_id,
                        });
                    }
                    if self.dry_run {
                        // A contact a dry run created was rolled back: it has no id to give.
                        let contact: Option<ContactId> =
                            (status == ImportRowStatus::Updated).then_some(contact);
                        self.db
                            .transaction(async |c| {
                                store::record_row(c, id, number, status, contact, "[]").await
                            })
                            .await
                    } else {
                        Ok(())
                    }
                }
                Err(error) if error.is_unavailable() => return Err(error),
                Err(error) => {
                    let errors = serde_json::to_string(&rows::errors_of(&error, &self.file))
                        .unwrap_or_else(|_| "[]".to_owned());
                    self.db
                        .transaction(async |c| {
                            store::record_row(c, id, number, ImportRowStatus::Failed, None, &errors)
                                .await
                        })
                        .await
                }
            };
            recorded?;
        }
        Ok(())
    }
}
