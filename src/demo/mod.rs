//! Demo data: `rapport seed-demo` and `rapport serve --demo` fill a database with the two demo
//! companies and realistic contacts (details, stage histories) drawn from a seeded generator,
//! written in bulk on either backend.

mod catalog;
mod companies;
#[cfg(test)]
mod fixtures;
mod generation;
mod histories;
mod locales;
mod random;
mod writing;

use std::fmt;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::StreamExt as _;

use self::catalog::Catalog;
use self::companies::ensure_demo_companies;
use self::generation::generate_contact;
use self::writing::write_chunk;
use crate::contacts::count_all;
use crate::db::schema::lifecycle_templates;
use crate::db::{BackendKind, Db};
use crate::error::AppError;
use crate::time::Timestamp;
use crate::with_conn;

/// Contacts `serve --demo` loads into a database that has none: enough to page and filter.
pub const SERVE_DEMO_CONTACTS: usize = 200;

/// Contacts per transaction.
const CHUNK: usize = 1_000;

/// How many rows a seeding run wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedSummary {
    pub contacts: u64,
    pub emails: u64,
    pub phones: u64,
    pub addresses: u64,
    pub bank_accounts: u64,
    pub account_links: u64,
    pub transitions: u64,
}

impl SeedSummary {
    fn add(&mut self, other: SeedSummary) {
        self.contacts += other.contacts;
        self.emails += other.emails;
        self.phones += other.phones;
        self.addresses += other.addresses;
        self.bank_accounts += other.bank_accounts;
        self.account_links += other.account_links;
        self.transitions += other.transitions;
    }
}

impl fmt::Display for SeedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} contacts, {} emails, {} phones, {} addresses, {} bank accounts, \
             {} account links, {} stage transitions",
            self.contacts,
            self.emails,
            self.phones,
            self.addresses,
            self.bank_accounts,
            self.account_links,
            self.transitions
        )
    }
}

/// `serve --demo`: seeds [`SERVE_DEMO_CONTACTS`] contacts when the database has none.
pub async fn load_if_empty(db: &Db) -> anyhow::Result<()> {
    if count_contacts(db).await? > 0 {
        return Ok(());
    }
    let summary = seed(db, SERVE_DEMO_CONTACTS).await?;
    tracing::info!("loaded demo data: {summary}");
    Ok(())
}

/// Adds `count` demo contacts, creating the demo companies, users, accounts and segments first
/// when they are missing.
///
/// `rapport seed-demo --contacts N` adds N contacts every time it runs; `rapport serve --demo`
/// seeds [`SERVE_DEMO_CONTACTS`] only into a database without contacts. Every random choice
/// comes from a generator seeded by the number of contacts already stored, so the same database
/// and count always give the same data (and a second run does not repeat the first). Contacts
/// are written in chunks of `CHUNK`, one transaction each, so memory stays bounded.
pub async fn seed(db: &Db, count: usize) -> anyhow::Result<SeedSummary> {
    // Generated history is not anybody's doing: the audit trail starts after it.
    let db = &db.unaudited();
    let now = Timestamp::now();
    let catalog = db
        .transaction(async |c| {
            ensure_demo_companies(c, now).await?;
            Catalog::load(c).await
        })
        .await
        .map_err(|e| cli_error("preparing the demo companies", e))?;
    if catalog.lifecycle.is_none() {
        tracing::warn!("no tenant-wide default lifecycle: demo contacts get no stage history");
    }
    let existing = count_contacts(db).await?;
    let mut rng = random::seeded(0x5EED_DE30_u64 ^ existing.unsigned_abs());
    let mut remaining = count;
    let chunks = std::iter::from_fn(|| {
        let size = remaining.min(CHUNK);
        remaining -= size;
        (size > 0).then(|| {
            (0..size)
                .map(|_| generate_contact(&mut rng, &catalog, now))
                .collect::<Vec<_>>()
        })
    });
    // PostgreSQL spends its time in index upkeep and foreign-key checks, one core per
    // connection: two writers keep two cores busy. SQLite has one writer whatever we do.
    let writers = match db.kind() {
        BackendKind::Postgres => 2,
        BackendKind::Sqlite => 1,
    };
    let mut written = futures_util::stream::iter(chunks)
        .map(|chunk| write_chunk(db, chunk))
        .buffer_unordered(writers);
    let mut summary = SeedSummary::default();
    while let Some(chunk) = written.next().await {
        let before = summary.contacts;
        summary.add(chunk.map_err(|e| cli_error("inserting demo contacts", e))?);
        if summary.contacts / 10_000 > before / 10_000 && summary.contacts < count as u64 {
            tracing::info!("{} of {count} demo contacts written", summary.contacts);
        }
    }
    // Histories went in by the thousand, past the per-move bookkeeping: progress along each
    // lifecycle is rebuilt from them, one pass per template.
    db.transaction(async |c| {
        let templates: Vec<i64> = with_conn!(c, |c| lifecycle_templates::table
            .select(lifecycle_templates::id)
            .load(c)
            .await)?;
        for template in templates {
            crate::lifecycle::rebuild_progress(c, crate::ids::TemplateId(template)).await?;
        }
        Ok(())
    })
    .await
    .map_err(|e| cli_error("recording lifecycle progress", e))?;
    Ok(summary)
}

async fn count_contacts(db: &Db) -> anyhow::Result<i64> {
    let counted = async { count_all(&mut db.conn().await?).await };
    counted.await.map_err(|e| cli_error("counting contacts", e))
}

/// A command-line error: internal errors keep their cause (a client would never see it here).
fn cli_error(doing: &str, error: AppError) -> anyhow::Error {
    match error {
        AppError::Internal(cause) => anyhow::anyhow!("{doing}: {cause:#}"),
        other => anyhow::anyhow!("{doing}: {}", other.message()),
    }
}
