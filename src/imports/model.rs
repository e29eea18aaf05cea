//! Rows of the import tables; each is also its GraphQL object.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{contact_import_rows, contact_imports};
use crate::error::AppResult;
use crate::graphql::context::db;
use crate::ids::{ContactId, ContactImportId, TypedId, UserId};
use crate::text_enum;
use crate::time::Timestamp;

text_enum!(
    /// What an import does with a row: always create a contact, or update the contact that
    /// already has one of the row's emails.
    ImportMode { Create = "CREATE", UpsertByEmail = "UPSERT_BY_EMAIL" }
);

text_enum!(
    /// `RUNNING` until every row is done (`COMPLETED`); `INTERRUPTED` when the server stopped
    /// first (the counts say exactly which rows were done).
    ImportStatus { Running = "RUNNING", Completed = "COMPLETED", Interrupted = "INTERRUPTED" }
);

text_enum!(
    /// What became of one row (in a dry run: what would have).
    ImportRowStatus { Created = "CREATED", Updated = "UPDATED", Failed = "FAILED" }
);

/// A CSV import of contacts and its progress.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = contact_imports)]
#[graphql(complex)]
pub struct ContactImport {
    #[graphql(skip)]
    pub id: ContactImportId,
    #[graphql(skip)]
    pub user_id: Option<UserId>,
    pub file_name: String,
    pub mode: ImportMode,
    /// A dry run writes nothing: its rows say what would happen.
    pub dry_run: bool,
    pub status: ImportStatus,
    /// Data rows in the file (the header is not counted).
    pub total_rows: i64,
    pub processed_rows: i64,
    pub created: i64,
    pub updated: i64,
    pub failed: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

#[ComplexObject]
impl ContactImport {
    pub async fn id(&self) -> ID {
        self.id.to_id()
    }

    /// The outcome of each processed row, by row number (1 is the first row after the
    /// header); `after` is a row number.
    async fn rows(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
        after: Option<i64>,
        #[graphql(desc = "Only rows with this status")] status: Option<ImportRowStatus>,
    ) -> AppResult<Vec<ContactImportRow>> {
        let mut conn = db(ctx).conn().await?;
        let first = i64::from(first.clamp(0, 1000));
        super::store::rows(&mut conn, self.id, after.unwrap_or(0), first, status).await
    }
}

/// One bad field of a row, as `createContact` reports it; `path` names the file's column when
/// the field came from one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SimpleObject)]
pub struct RowError {
    pub path: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = contact_import_rows)]
#[graphql(complex)]
pub struct ContactImportRow {
    #[graphql(skip)]
    pub import_id: ContactImportId,
    #[graphql(name = "row")]
    pub row_number: i64,
    pub status: ImportRowStatus,
    #[graphql(skip)]
    pub contact_id: Option<ContactId>,
    #[graphql(skip)]
    pub errors: String,
}

#[ComplexObject]
impl ContactImportRow {
    /// The contact created or updated (null for failed rows and in dry runs of new contacts).
    async fn contact_id(&self) -> Option<ID> {
        self.contact_id.map(TypedId::to_id)
    }

    async fn errors(&self) -> Vec<RowError> {
        serde_json::from_str(&self.errors).unwrap_or_default()
    }
}
