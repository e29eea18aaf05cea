//! Writing generated contacts, one chunk per transaction, through the contacts' bulk insert.

use super::SeedSummary;
use super::generation::DemoContact;
use crate::contacts::bulk::{self, ContactRows};
use crate::db::Db;
use crate::error::AppResult;
use crate::ids::AccountId;

/// Writes one chunk of contacts with their details and histories in its own transaction, so
/// the server never sees half a contact.
pub(super) async fn write_chunk(db: &Db, chunk: Vec<DemoContact>) -> AppResult<SeedSummary> {
    let n = |len: usize| len as u64;
    let summary = SeedSummary {
        contacts: n(chunk.len()),
        emails: n(chunk.iter().map(|d| d.emails.len()).sum()),
        phones: n(chunk.iter().map(|d| d.phones.len()).sum()),
        addresses: n(chunk.iter().map(|d| d.addresses.len()).sum()),
        bank_accounts: n(chunk.iter().map(|d| d.bank_accounts.len()).sum()),
        account_links: n(chunk.iter().map(|d| d.account_ids.len()).sum()),
        transitions: n(chunk.iter().map(|d| d.transitions.len()).sum()),
    };
    let rows: Vec<ContactRows> = chunk.into_iter().map(ContactRows::from).collect();
    db.transaction(async |c| bulk::insert_quietly(c, rows).await)
        .await?;
    Ok(summary)
}

impl From<DemoContact> for ContactRows {
    fn from(demo: DemoContact) -> Self {
        ContactRows {
            contact: demo.contact,
            account_ids: demo.account_ids.into_iter().map(AccountId).collect(),
            emails: demo.emails,
            phones: demo.phones,
            addresses: demo.addresses,
            bank_accounts: demo.bank_accounts,
            transitions: demo.transitions,
            // Rebuilt from the history once every chunk is written.
            progress: None,
        }
    }
}
