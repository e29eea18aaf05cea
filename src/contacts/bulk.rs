//! Writing new contacts with their details and histories, many at a time: `createContact` (one),
//! imports (a batch) and the demo loader (thousands). PostgreSQL gets multi-row `INSERT`s; the
//! async SQLite wrapper cannot compile those, so SQLite inserts row by row inside the caller's
//! transaction, on the connection's blocking thread. Figures are in `BENCHMARKS.md`.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::forms::{NewAddress, NewBankAccount, NewContact, NewEmail, NewPhone};
use super::model::Contact;
use crate::db::schema::{
    contact_accounts, contact_addresses, contact_bank_accounts, contact_emails, contact_phones,
    contact_records, lifecycle_monthly_progress, lifecycle_progress, stage_transitions,
};
use crate::db::{Backend, Conn, PgConn, SqliteConn};
use crate::error::AppResult;
use crate::ids::{AccountId, ContactId, StepId, TemplateId};
use crate::lifecycle::{NewTransition, StageTransition};
use crate::time::Timestamp;

/// Rows per multi-row `INSERT` on PostgreSQL, which takes at most 65,535 bind parameters per
/// statement: the widest row (a contact) has 16 columns, and 16 × 4,000 = 64,000.
const ROWS_PER_STATEMENT: usize = 4_000;

/// A contact to insert with everything that belongs to it; `contact_id` of its transitions is
/// set once the contact has an id.
#[derive(Debug, Clone)]
pub struct ContactRows {
    pub contact: NewContact,
    pub account_ids: Vec<AccountId>,
    pub emails: Vec<NewEmail>,
    pub phones: Vec<NewPhone>,
    pub addresses: Vec<NewAddress>,
    pub bank_accounts: Vec<NewBankAccount>,
    pub transitions: Vec<NewTransition>,
    /// The furthest step of its lifecycle the contact has entered, for the funnel; `None` when
    /// there is none, or when the caller rebuilds progress from the history afterwards (the demo
    /// loader).
    pub progress: Option<(TemplateId, StepId)>,
}

/// What [`insert`] wrote: the contacts in the order given, and their transitions in the same
/// order (each contact's oldest first).
#[derive(Debug, Default)]
pub struct Inserted {
    pub contacts: Vec<Contact>,
    pub transitions: Vec<StageTransition>,
}

/// Inserts `rows` in the caller's transaction and returns what it wrote.
pub async fn insert(c: &mut Conn, rows: Vec<ContactRows>) -> AppResult<Inserted> {
    let inserted = write(c, rows, Returning::Rows).await?;
    let moves: Vec<_> = inserted.transitions.iter().map(|t| t.id).collect();
    crate::lifecycle::announce(c, &moves).await?;
    Ok(inserted)
}

/// Inserts `rows` in the caller's transaction and returns nothing: for many rows whose writer
/// needs no answer (the demo loader), reading back a million transitions would cost more than
/// writing them.
pub async fn insert_quietly(c: &mut Conn, rows: Vec<ContactRows>) -> AppResult<()> {
    write(c, rows, Returning::Nothing).await.map(drop)
}

/// Whether an insert reads back the rows it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Returning {
    Rows,
    Nothing,
}

async fn write(c: &mut Conn, rows: Vec<ContactRows>, returning: Returning) -> AppResult<Inserted> {
    if rows.is_empty() {
        return Ok(Inserted::default());
    }
    Ok(match c.backend() {
        Backend::Postgres(pg) => insert_pg(pg, rows, returning).await?,
        Backend::Sqlite(lite) => insert_sqlite(lite, rows, returning).await?,
    })
}

#[derive(Insertable)]
#[diesel(table_name = contact_accounts)]
struct AccountLink {
    contact_id: ContactId,
    account_id: AccountId,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// The detail rows of the contacts, by table, with their contact ids set.
#[derive(Default)]
struct DetailRows {
    links: Vec<AccountLink>,
    emails: Vec<Owned<contact_emails::contact_id, NewEmail>>,
    phones: Vec<Owned<contact_phones::contact_id, NewPhone>>,
    addresses: Vec<Owned<contact_addresses::contact_id, NewAddress>>,
    bank_accounts: Vec<Owned<contact_bank_accounts::contact_id, NewBankAccount>>,
    transitions: Vec<NewTransition>,
    progress: Vec<Progress>,
    monthly_progress: Vec<MonthlyProgress>,
}

#[derive(Insertable)]
#[diesel(table_name = lifecycle_progress)]
struct Progress {
    contact_id: ContactId,
    template_id: TemplateId,
    furthest_step_id: StepId,
}

#[derive(Insertable)]
#[diesel(table_name = lifecycle_monthly_progress)]
struct MonthlyProgress {
    contact_id: ContactId,
    template_id: TemplateId,
    month: Timestamp,
    furthest_step_id: StepId,
}

/// A detail's insert form with the contact it belongs to.
type Owned<Column, Form> = (diesel::dsl::Eq<Column, ContactId>, Form);

impl DetailRows {
    fn push(&mut self, contact_id: ContactId, rows: ContactRows) {
        let at = rows.contact.created_at;
        self.links
            .extend(rows.account_ids.into_iter().map(|account_id| AccountLink {
                contact_id,
                account_id,
                created_at: at,
                updated_at: at,
            }));
        self.emails.extend(
            rows.emails
                .into_iter()
                .map(owned(contact_emails::contact_id.eq(contact_id))),
        );
        self.phones.extend(
            rows.phones
                .into_iter()
                .map(owned(contact_phones::contact_id.eq(contact_id))),
        );
        self.addresses.extend(
            rows.addresses
                .into_iter()
                .map(owned(contact_addresses::contact_id.eq(contact_id))),
        );
        self.bank_accounts.extend(
            rows.bank_accounts
                .into_iter()
                .map(owned(contact_bank_accounts::contact_id.eq(contact_id))),
        );
        if let Some((template_id, furthest_step_id)) = rows.progress {
            // The month the contact entered its furthest step (new contacts: their first).
            let entered = rows
                .transitions
                .iter()
                .rfind(|t| t.to_step_id == furthest_step_id)
                .map_or(at, |t| t.occurred_at);
            self.monthly_progress.push(MonthlyProgress {
                contact_id,
                template_id,
                month: crate::lifecycle::month_of(entered),
                furthest_step_id,
            });
        }
        self.transitions.extend(
            rows.transitions
                .into_iter()
                .map(|row| NewTransition { contact_id, ..row }),
        );
        self.progress.extend(
            rows.progress
                .map(|(template_id, furthest_step_id)| Progress {
                    contact_id,
                    template_id,
                    furthest_step_id,
                }),
        );
    }
}

/// Pairs each detail form with `column` (its contact).
fn owned<Column: Copy, Form>(column: Column) -> impl Fn(Form) -> (Column, Form) {
    move |row| (column, row)
}

/// Multi-row `INSERT`s of at most [`ROWS_PER_STATEMENT`] rows each.
macro_rules! insert_batches {
    ($conn:expr, $table:path, $rows:expr) => {
        for batch in $rows.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into($table)
                .values(batch)
                .execute($conn)
                .await?;
        }
    };
}

/// PostgreSQL: the contacts in one statement (they come back in insertion order), then each
/// kind of detail in as few statements as the bind-parameter limit allows.
async fn insert_pg(
    c: &mut PgConn,
    rows: Vec<ContactRows>,
    returning: Returning,
) -> QueryResult<Inserted> {
    let mut inserted = Inserted::default();
    let mut ids: Vec<ContactId> = Vec::with_capacity(rows.len());
    for batch in rows.chunks(ROWS_PER_STATEMENT) {
        let forms: Vec<&NewContact> = batch.iter().map(|r| &r.contact).collect();
        let insert = diesel::insert_into(contact_records::table).values(forms);
        if returning == Returning::Rows {
            let contacts: Vec<Contact> = insert
                .returning(contact_records::all_columns)
                .get_results(c)
                .await?;
            ids.extend(contacts.iter().map(|contact| contact.id));
            inserted.contacts.extend(contacts);
        } else {
            let batch_ids: Vec<ContactId> =
                insert.returning(contact_records::id).get_results(c).await?;
            ids.extend(batch_ids);
        }
    }
    if ids.len() != rows.len() {
        return Err(diesel::result::Error::QueryBuilderError(
            "the contact insert returned fewer rows than it was given".into(),
        ));
    }
    let mut details = DetailRows::default();
    for (id, rows) in ids.into_iter().zip(rows) {
        details.push(id, rows);
    }
    insert_batches!(c, contact_accounts::table, details.links);
    insert_batches!(c, contact_emails::table, details.emails);
    insert_batches!(c, contact_phones::table, details.phones);
    insert_batches!(c, contact_addresses::table, details.addresses);
    insert_batches!(c, contact_bank_accounts::table, details.bank_accounts);
    insert_batches!(c, lifecycle_progress::table, details.progress);
    insert_batches!(
        c,
        lifecycle_monthly_progress::table,
        details.monthly_progress
    );
    for batch in details.transitions.chunks(ROWS_PER_STATEMENT) {
        let insert = diesel::insert_into(stage_transitions::table).values(batch);
        if returning == Returning::Rows {
            let transitions: Vec<StageTransition> = insert
                .returning(StageTransition::as_returning())
                .get_results(c)
                .await?;
            inserted.transitions.extend(transitions);
        } else {
            insert.execute(c).await?;
        }
    }
    Ok(inserted)
}

/// SQLite: the same rows, one statement each. They run in one go on the wrapped connection's
/// blocking thread: a thread hop per statement would cost more than the statement itself.
async fn insert_sqlite(
    c: &mut SqliteConn,
    rows: Vec<ContactRows>,
    returning: Returning,
) -> QueryResult<Inserted> {
    c.spawn_blocking(move |c| blocking::insert(c, rows, returning))
        .await
}

/// The synchronous side of [`insert_sqlite`] (diesel's blocking `RunQueryDsl`).
mod blocking {
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    use super::{ContactRows, DetailRows, Inserted, Returning};
    use crate::contacts::model::Contact;
    use crate::db::schema::{
        contact_accounts, contact_addresses, contact_bank_accounts, contact_emails, contact_phones,
        contact_records, lifecycle_monthly_progress, lifecycle_progress, stage_transitions,
    };
    use crate::ids::ContactId;
    use crate::lifecycle::StageTransition;

    pub(super) fn insert(
        c: &mut SqliteConnection,
        rows: Vec<ContactRows>,
        returning: Returning,
    ) -> QueryResult<Inserted> {
        let mut inserted = Inserted::default();
        let mut details = DetailRows::default();
        for rows in rows {
            let insert = diesel::insert_into(contact_records::table).values(&rows.contact);
            if returning == Returning::Rows {
                let contact: Contact = insert
                    .returning(contact_records::all_columns)
                    .get_result(c)?;
                details.push(contact.id, rows);
                inserted.contacts.push(contact);
            } else {
                let id: ContactId = insert.returning(contact_records::id).get_result(c)?;
                details.push(id, rows);
            }
        }
        macro_rules! one_by_one {
            ($table:path, $rows:expr) => {
                for row in &$rows {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            };
        }
        one_by_one!(contact_accounts::table, details.links);
        one_by_one!(contact_emails::table, details.emails);
        one_by_one!(contact_phones::table, details.phones);
        one_by_one!(contact_addresses::table, details.addresses);
        one_by_one!(contact_bank_accounts::table, details.bank_accounts);
        one_by_one!(lifecycle_progress::table, details.progress);
        one_by_one!(lifecycle_monthly_progress::table, details.monthly_progress);
        for row in &details.transitions {
            let insert = diesel::insert_into(stage_transitions::table).values(row);
            if returning == Returning::Rows {
                let transition: StageTransition = insert
                    .returning(StageTransition::as_returning())
                    .get_result(c)?;
                inserted.transitions.push(transition);
            } else {
                insert.execute(c)?;
            }
        }
        Ok(inserted)
    }
}
