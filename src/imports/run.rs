//! Running an import in the background, in batches of [`BATCH`] rows, one transaction each (a
//! commit per row would make the disk's flushes the cost of an import). A batch checks its rows
//! against records it reads once, inserts the contacts its rows create together (multi-row
//! `INSERT`s on PostgreSQL), and applies each update in a savepoint, so a row that fails is
//! undone alone and only its outcome is written. A dry run rolls the batch's writes back and
//! keeps the outcomes. A batch commits whole or not at all with its outcomes and counts, so the
//! counts of an interrupted import are exact.

use std::collections::{HashMap, HashSet};

use super::file::ImportFile;
use super::model::{ImportMode, ImportRowStatus, ImportStatus};
use super::rows::{self, Reachable, RowInput};
use super::store::{self, RowOutcome};
use crate::contacts::bulk::{self, ContactRows};
use crate::contacts::input::ContactEmailInput;
use crate::contacts::known::Known;
use crate::db::{Conn, Db};
use crate::error::AppResult;
use crate::ids::{CompanyId, ContactId, ContactImportId};
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
        let outcome = tokio::select! {
            outcome = self.rows() => outcome,
            never = self.beat() => match never {},
        };
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

    /// Shows every [`super::HEARTBEAT`] that this server is still at the import.
    async fn beat(&self) -> std::convert::Infallible {
        loop {
            tokio::time::sleep(super::HEARTBEAT).await;
            let beat = async { store::beat(&mut self.db.conn().await?, self.id).await };
            if let Err(error) = beat.await {
                tracing::warn!(?error, import = self.id.0, "import heartbeat not recorded");
            }
        }
    }

    async fn rows(&self) -> AppResult<()> {
        let names = {
            let mut conn = self.db.conn().await?;
            store::names(&mut conn, &self.viewer).await?
        };
        let numbered: Vec<(i64, &Vec<String>)> = (1..).zip(&self.file.rows).collect();
        for batch in numbered.chunks(BATCH) {
            let inputs: Vec<(i64, RowInput)> = batch
                .iter()
                .map(|&(number, row)| (number, rows::read(&self.file, row, &names)))
                .collect();
            let started = self
                .db
                .transaction(async |c| self.batch(c, &inputs).await)
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

    /// Applies a batch's rows in a savepoint (rolled back in a dry run) and records their
    /// outcomes; returns the lifecycle starts to publish once the batch commits.
    async fn batch(&self, c: &mut Conn, inputs: &[(i64, RowInput)]) -> AppResult<Vec<Moved>> {
        let (outcomes, started, created) = c
            .savepoint(!self.dry_run, async |c| {
                let mut batch = Batch::new(self, c, inputs).await?;
                for (number, input) in inputs {
                    batch.row(c, *number, input).await?;
                }
                batch.flush(c).await?;
                Ok((batch.outcomes, batch.started, batch.created))
            })
            .await?;

        let outcomes: Vec<RowOutcome> = outcomes
            .into_iter()
            .map(|o| RowOutcome {
                import_id: self.id,
                row_number: o.number,
                status: o.status,
                // A contact a dry run created was rolled back: it has no id, in the row that
                // created it or in later rows that updated it.
                contact_id: o
                    .contact
                    .filter(|id| !self.dry_run || !created.contains(id)),
                errors: o.errors,
            })
            .collect();
        store::record_rows(c, self.id, &outcomes).await?;
        Ok(if self.dry_run { Vec::new() } else { started })
    }

    /// What a batch needs to know of contacts it may update: their phones and the region
    /// their national numbers are read in.
    async fn reachable(
        &self,
        c: &mut Conn,
        ids: &[ContactId],
    ) -> AppResult<HashMap<ContactId, Reachable>> {
        let mut reachable: HashMap<ContactId, Reachable> = ids
            .iter()
            .map(|id| {
                let region = self.region.clone();
                (
                    *id,
                    Reachable {
                        phones: Vec::new(),
                        region,
                    },
                )
            })
            .collect();
        if ids.is_empty() {
            return Ok(reachable);
        }
        for phone in crate::contacts::phones_of(c, &self.viewer, ids).await? {
            if let Some(contact) = reachable.get_mut(&phone.contact_id) {
                contact.phones.push(rows::digits(&phone.number));
            }
        }
        for address in crate::contacts::addresses_of(c, &self.viewer, ids).await? {
            if let (true, Some(country), Some(contact)) = (
                address.is_primary,
                address.country,
                reachable.get_mut(&address.contact_id),
            ) {
                contact.region = Some(country);
            }
        }
        Ok(reachable)
    }
}

/// What became of a row, before it is recorded.
struct Outcome {
    number: i64,
    status: ImportRowStatus,
    contact: Option<ContactId>,
    errors: String,
}

/// A batch being applied. Rows that create contacts wait in `pending` and are inserted
/// together; a row that names an email of a waiting contact (UPSERT_BY_EMAIL) inserts them
/// first, so every row sees the rows before it.
struct Batch<'j> {
    job: &'j Job,
    known: Known,
    /// In UPSERT_BY_EMAIL mode: the contact each lower-cased email leads to, and what the
    /// batch knows of those contacts' phones.
    by_email: HashMap<String, ContactId>,
    reachable: HashMap<ContactId, Reachable>,
    pending: Vec<(i64, ContactRows)>,
    pending_emails: HashSet<String>,
    outcomes: Vec<Outcome>,
    started: Vec<Moved>,
    /// The contacts the batch created.
    created: HashSet<ContactId>,
}

impl<'j> Batch<'j> {
    async fn new(job: &'j Job, c: &mut Conn, inputs: &[(i64, RowInput)]) -> AppResult<Self> {
        let (mut by_email, mut reachable) = (HashMap::new(), HashMap::new());
        if job.mode == ImportMode::UpsertByEmail {
            let emails: Vec<String> = inputs.iter().flat_map(|(_, i)| i.emails()).collect();
            by_email = crate::contacts::contacts_by_email(c, &job.viewer, &emails).await?;
            let ids: Vec<ContactId> = by_email.values().copied().collect();
            reachable = job.reachable(c, &ids).await?;
        }
        Ok(Self {
            job,
            known: Known::default(),
            by_email,
            reachable,
            pending: Vec::new(),
            pending_emails: HashSet::new(),
            outcomes: Vec::new(),
            started: Vec::new(),
            created: HashSet::new(),
        })
    }

    fn outcome(&mut self, number: i64, applied: AppResult<ContactId>, status: ImportRowStatus) {
        let outcome = match applied {
            Ok(contact) => Outcome {
                number,
                status,
                contact: Some(contact),
                errors: "[]".to_owned(),
            },
            Err(error) => Outcome {
                number,
                status: ImportRowStatus::Failed,
                contact: None,
                errors: serde_json::to_string(&rows::errors_of(&error, &self.job.file))
                    .unwrap_or_else(|_| "[]".to_owned()),
            },
        };
        self.outcomes.push(outcome);
    }

    /// Applies one row. Only an outage stops the batch: any other failure is the row's outcome.
    async fn row(&mut self, c: &mut Conn, number: i64, input: &RowInput) -> AppResult<()> {
        let (viewer, region) = (&self.job.viewer, self.job.region.as_deref());
        if self.job.mode == ImportMode::UpsertByEmail {
            if input.emails().any(|e| self.pending_emails.contains(&e)) {
                self.flush(c).await?;
            }
            let target = input.emails().filter_map(|e| self.by_email.get(&e)).min();
            if let Some(&id) = target {
                return self.update(c, number, id, input).await;
            }
        }
        match rows::prepare(c, viewer, input, region, &mut self.known).await {
            Ok(contact) => {
                self.pending_emails.extend(input.emails());
                self.pending.push((number, contact));
                Ok(())
            }
            Err(error) => self.settle(number, Err(error), ImportRowStatus::Failed),
        }
    }

    /// Applies an UPSERT_BY_EMAIL row to the contact `id` its emails lead to, in a savepoint.
    async fn update(
        &mut self,
        c: &mut Conn,
        number: i64,
        id: ContactId,
        input: &RowInput,
    ) -> AppResult<()> {
        let new_emails: Vec<&ContactEmailInput> = (input.create.emails.iter())
            .filter(|e| self.by_email.get(&e.email.to_lowercase()) != Some(&id))
            .collect();
        if !self.reachable.contains_key(&id) {
            let found = self.job.reachable(c, &[id]).await?;
            self.reachable.extend(found);
        }
        let reachable = self.reachable.entry(id).or_default();
        let mut after = reachable.clone();
        let (viewer, known) = (&self.job.viewer, &mut self.known);
        let updated = c
            .savepoint(true, async |c| {
                rows::update(c, viewer, id, input, &new_emails, &mut after, known).await
            })
            .await;
        if updated.is_ok() {
            *reachable = after;
            // The contact now has every email of the row.
            self.lead_to(id, input.emails());
        }
        self.settle(number, updated.map(|()| id), ImportRowStatus::Updated)
    }

    /// Notes that `emails` now lead to `contact` (unless to a contact created before it, as the
    /// first contact with an email is the one a row updates).
    fn lead_to(&mut self, contact: ContactId, emails: impl Iterator<Item = String>) {
        if self.job.mode != ImportMode::UpsertByEmail {
            return;
        }
        for email in emails {
            let first = self.by_email.entry(email).or_insert(contact);
            *first = (*first).min(contact);
        }
    }

    /// Records a row's outcome, unless it is an outage, which stops the batch.
    fn settle(
        &mut self,
        number: i64,
        applied: AppResult<ContactId>,
        status: ImportRowStatus,
    ) -> AppResult<()> {
        match applied {
            Err(error) if error.is_unavailable() => Err(error),
            applied => {
                self.outcome(number, applied, status);
                Ok(())
            }
        }
    }

    /// Inserts the waiting contacts together; should that fail, one at a time, so only the
    /// row at fault fails.
    async fn flush(&mut self, c: &mut Conn) -> AppResult<()> {
        let pending = std::mem::take(&mut self.pending);
        self.pending_emails.clear();
        if pending.is_empty() {
            return Ok(());
        }
        let all: Vec<ContactRows> = pending.iter().map(|(_, rows)| rows.clone()).collect();
        match c
            .savepoint(true, async |c| bulk::insert(c, all).await)
            .await
        {
            Ok(inserted) => {
                self.created(&pending, inserted);
                Ok(())
            }
            Err(error) if error.is_unavailable() => Err(error),
            Err(_) => {
                for one in pending.chunks(1) {
                    let rows = vec![one[0].1.clone()];
                    match c
                        .savepoint(true, async |c| bulk::insert(c, rows).await)
                        .await
                    {
                        Ok(inserted) => self.created(one, inserted),
                        Err(error) => self.settle(one[0].0, Err(error), ImportRowStatus::Failed)?,
                    }
                }
                Ok(())
            }
        }
    }

    /// Records the contacts `rows` created, and their lifecycle starts.
    fn created(&mut self, rows: &[(i64, ContactRows)], inserted: bulk::Inserted) {
        let companies: HashMap<ContactId, Option<CompanyId>> = inserted
            .contacts
            .iter()
            .map(|contact| (contact.id, contact.company_id))
            .collect();
        for ((number, rows), contact) in rows.iter().zip(&inserted.contacts) {
            self.outcome(*number, Ok(contact.id), ImportRowStatus::Created);
            self.created.insert(contact.id);
            let country = rows.addresses.iter().find(|a| a.is_primary);
            let reachable = Reachable {
                phones: rows
                    .phones
                    .iter()
                    .map(|p| rows::digits(&p.number))
                    .collect(),
                region: country
                    .and_then(|a| a.country.clone())
                    .or_else(|| self.job.region.clone()),
            };
            self.reachable.insert(contact.id, reachable);
            // So later rows of the batch update the new contact.
            self.lead_to(
                contact.id,
                rows.emails.iter().map(|e| e.email.to_lowercase()),
            );
        }
        self.started
            .extend(inserted.transitions.into_iter().map(|transition| Moved {
                company_id: companies.get(&transition.contact_id).copied().flatten(),
                transition,
            }));
    }
}
