//! Writing generated contacts, one chunk per transaction. PostgreSQL gets multi-row `INSERT`s;
//! the async SQLite wrapper cannot compile those, so SQLite inserts row by row inside the same
//! transaction, on the connection's blocking thread. Figures are in `BENCHMARKS.md`.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::SeedSummary;
use super::generation::DemoContact;
use crate::contacts::forms::{NewAddress, NewBankAccount, NewContact, NewEmail, NewPhone};
use crate::db::schema::{
    contact_accounts, contact_addresses, contact_bank_accounts, contact_emails, contact_phones,
    contacts, stage_transitions,
};
use crate::db::{Backend, Db, PgConn, SqliteConn};
use crate::error::AppResult;
use crate::ids::ContactId;
use crate::lifecycle::NewTransition;
use crate::time::Timestamp;

/// Rows per multi-row `INSERT` on PostgreSQL, which takes at most 65,535 bind parameters per
/// statement: the widest demo row has 14 columns, and 14 × 4,000 = 56,000.
const ROWS_PER_STATEMENT: usize = 4_000;

/// Writes one chunk of contacts with their details and histories in its own transaction, so
/// the server never sees half a contact.
pub(super) async fn write_chunk(db: &Db, chunk: Vec<DemoContact>) -> AppResult<SeedSummary> {
    db.transaction(async |c| match c.backend() {
        Backend::Postgres(pg) => Ok(insert_chunk_pg(pg, chunk).await?),
        Backend::Sqlite(lite) => Ok(insert_chunk_sqlite(lite, chunk).await?),
    })
    .await
}

#[derive(Insertable)]
#[diesel(table_name = contact_accounts)]
struct AccountLink {
    contact_id: i64,
    account_id: i64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// The detail rows of a chunk, by table, with their contact ids set.
#[derive(Default)]
struct DetailRows {
    links: Vec<AccountLink>,
    emails: Vec<Owned<contact_emails::contact_id, NewEmail>>,
    phones: Vec<Owned<contact_phones::contact_id, NewPhone>>,
    addresses: Vec<Owned<contact_addresses::contact_id, NewAddress>>,
    bank_accounts: Vec<Owned<contact_bank_accounts::contact_id, NewBankAccount>>,
    transitions: Vec<NewTransition>,
}

/// A detail's insert form with the contact it belongs to.
type Owned<Column, Form> = (diesel::dsl::Eq<Column, ContactId>, Form);

impl DetailRows {
    fn push(&mut self, id: i64, contact: DemoContact) {
        let at = contact.contact.created_at;
        self.links.extend(
            contact
                .account_ids
                .into_iter()
                .map(|account_id| AccountLink {
                    contact_id: id,
                    account_id,
                    created_at: at,
                    updated_at: at,
                }),
        );
        let contact_id = ContactId(id);
        self.emails.extend(
            contact
                .emails
                .into_iter()
                .map(|row| (contact_emails::contact_id.eq(contact_id), row)),
        );
        self.phones.extend(
            contact
                .phones
                .into_iter()
                .map(|row| (contact_phones::contact_id.eq(contact_id), row)),
        );
        self.addresses.extend(
            contact
                .addresses
                .into_iter()
                .map(|row| (contact_addresses::contact_id.eq(contact_id), row)),
        );
        self.bank_accounts.extend(
            contact
                .bank_accounts
                .into_iter()
                .map(|row| (contact_bank_accounts::contact_id.eq(contact_id), row)),
        );
        self.transitions.extend(
            contact
                .transitions
                .into_iter()
                .map(|row| NewTransition { contact_id, ..row }),
        );
    }

    fn summary(&self, contacts: usize) -> SeedSummary {
        let n = |len: usize| len as u64;
        SeedSummary {
            contacts: n(contacts),
            emails: n(self.emails.len()),
            phones: n(self.phones.len()),
            addresses: n(self.addresses.len()),
            bank_accounts: n(self.bank_accounts.len()),
            account_links: n(self.links.len()),
            transitions: n(self.transitions.len()),
        }
    }
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

/// PostgreSQL: the contacts in one statement (their ids come back in insertion order), then
/// each kind of detail in as few statements as the bind-parameter limit allows.
async fn insert_chunk_pg(c: &mut PgConn, chunk: Vec<DemoContact>) -> QueryResult<SeedSummary> {
    let new: Vec<NewContact> = chunk.iter().map(|d| d.contact.clone()).collect();
    let mut ids: Vec<i64> = Vec::with_capacity(new.len());
    for batch in new.chunks(ROWS_PER_STATEMENT) {
        let batch_ids: Vec<i64> = diesel::insert_into(contacts::table)
            .values(batch)
            .returning(contacts::id)
            .get_results(c)
            .await?;
        ids.extend(batch_ids);
    }
    if ids.len() != chunk.len() {
        return Err(diesel::result::Error::QueryBuilderError(
            "the contact insert returned fewer ids than rows".into(),
        ));
    }
    let count = chunk.len();
    let mut rows = DetailRows::default();
    for (id, contact) in ids.into_iter().zip(chunk) {
        rows.push(id, contact);
    }
    insert_batches!(c, contact_accounts::table, rows.links);
    insert_batches!(c, contact_emails::table, rows.emails);
    insert_batches!(c, contact_phones::table, rows.phones);
    insert_batches!(c, contact_addresses::table, rows.addresses);
    insert_batches!(c, contact_bank_accounts::table, rows.bank_accounts);
    insert_batches!(c, stage_transitions::table, rows.transitions);
    Ok(rows.summary(count))
}

/// SQLite: the same rows, one statement each, inside the chunk's transaction. The whole chunk
/// runs in one go on the wrapped connection's blocking thread: a thread hop per statement
/// would cost more than the statement itself.
async fn insert_chunk_sqlite(
    c: &mut SqliteConn,
    chunk: Vec<DemoContact>,
) -> QueryResult<SeedSummary> {
    c.spawn_blocking(move |c| blocking::insert_chunk(c, chunk))
        .await
}

/// The synchronous side of [`insert_chunk_sqlite`] (diesel's blocking `RunQueryDsl`).
mod blocking {
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    use super::{DemoContact, DetailRows, SeedSummary};
    use crate::db::schema::{
        contact_accounts, contact_addresses, contact_bank_accounts, contact_emails, contact_phones,
        contacts, stage_transitions,
    };

    pub(super) fn insert_chunk(
        c: &mut SqliteConnection,
        chunk: Vec<DemoContact>,
    ) -> QueryResult<SeedSummary> {
        let count = chunk.len();
        let mut rows = DetailRows::default();
        for contact in chunk {
            let id: i64 = diesel::insert_into(contacts::table)
                .values(&contact.contact)
                .returning(contacts::id)
                .get_result(c)?;
            rows.push(id, contact);
        }
        macro_rules! one_by_one {
            ($table:path, $rows:expr) => {
                for row in &$rows {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            };
        }
        one_by_one!(contact_accounts::table, rows.links);
        one_by_one!(contact_emails::table, rows.emails);
        one_by_one!(contact_phones::table, rows.phones);
        one_by_one!(contact_addresses::table, rows.addresses);
        one_by_one!(contact_bank_accounts::table, rows.bank_accounts);
        one_by_one!(stage_transitions::table, rows.transitions);
        Ok(rows.summary(count))
    }
}
