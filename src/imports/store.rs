//! SQL of the import tables, and the names an import resolves (limited to the viewer's scope).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::model::{ContactImport, ContactImportRow, ImportMode, ImportRowStatus, ImportStatus};
use crate::contacts::lower;
use crate::db::schema::{
    accounts, companies, contact_import_rows, contact_imports, lifecycle_templates, reason_codes,
    segmentations, users,
};
use crate::db::{Backend, Conn};
use crate::error::AppResult;
use crate::ids::{
    AccountId, CompanyId, ContactId, ContactImportId, ReasonCodeId, SegmentationId, TemplateId,
    UserId,
};
use crate::time::Timestamp;
use crate::viewer::Viewer;
use crate::{visible, with_conn};

pub async fn insert(
    conn: &mut Conn,
    viewer: &Viewer,
    file_name: &str,
    mode: ImportMode,
    dry_run: bool,
    total_rows: i64,
) -> AppResult<ContactImport> {
    let now = Timestamp::now();
    Ok(with_conn!(conn, |c| diesel::insert_into(
        contact_imports::table
    )
    .values((
        contact_imports::user_id.eq(viewer.user_id),
        contact_imports::file_name.eq(file_name),
        contact_imports::mode.eq(mode),
        contact_imports::dry_run.eq(dry_run),
        contact_imports::status.eq(ImportStatus::Running),
        contact_imports::total_rows.eq(total_rows),
        contact_imports::created_at.eq(now),
        contact_imports::updated_at.eq(now),
    ))
    .returning(ContactImport::as_returning())
    .get_result(c)
    .await)?)
}

/// The import, if the viewer started it (imports of the local administrator have no user).
pub async fn find(
    conn: &mut Conn,
    viewer: &Viewer,
    id: ContactImportId,
) -> AppResult<Option<ContactImport>> {
    let mine = viewer.user_id;
    Ok(with_conn!(conn, |c| {
        let query = contact_imports::table
            .find(id)
            .select(ContactImport::as_select())
            .into_boxed();
        let query = match mine {
            Some(user) => query.filter(contact_imports::user_id.eq(user)),
            None => query.filter(contact_imports::user_id.is_null()),
        };
        query.first(c).await.optional()
    })?)
}

/// What became of one row of an import.
#[derive(Debug, Insertable)]
#[diesel(table_name = contact_import_rows)]
pub struct RowOutcome {
    pub import_id: ContactImportId,
    pub row_number: i64,
    pub status: ImportRowStatus,
    pub contact_id: Option<ContactId>,
    /// The row's errors as JSON.
    pub errors: String,
}

/// Records the outcomes of a batch of rows and counts them, in the caller's transaction.
pub async fn record_rows(
    conn: &mut Conn,
    id: ContactImportId,
    outcomes: &[RowOutcome],
) -> AppResult<()> {
    let count = |status| outcomes.iter().filter(|o| o.status == status).count() as i64;
    let (created, updated) = (
        count(ImportRowStatus::Created),
        count(ImportRowStatus::Updated),
    );
    let (failed, processed) = (count(ImportRowStatus::Failed), outcomes.len() as i64);
    match conn.backend() {
        Backend::Postgres(c) => {
            diesel::insert_into(contact_import_rows::table)
                .values(outcomes)
                .execute(c)
                .await?;
        }
        // The async SQLite wrapper cannot compile multi-row inserts; in-process, row by row
        // costs little.
        Backend::Sqlite(c) => {
            for outcome in outcomes {
                diesel::insert_into(contact_import_rows::table)
                    .values(outcome)
                    .execute(c)
                    .await?;
            }
        }
    }
    with_conn!(conn, |c| diesel::update(contact_imports::table.find(id))
        .set((
            contact_imports::processed_rows.eq(contact_imports::processed_rows + processed),
            contact_imports::created.eq(contact_imports::created + created),
            contact_imports::updated.eq(contact_imports::updated + updated),
            contact_imports::failed.eq(contact_imports::failed + failed),
            contact_imports::updated_at.eq(Timestamp::now()),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// Ends a running import with `status`.
pub async fn finish(conn: &mut Conn, id: ContactImportId, status: ImportStatus) -> AppResult<()> {
    let now = Timestamp::now();
    with_conn!(conn, |c| diesel::update(contact_imports::table.find(id))
        .filter(contact_imports::status.eq(ImportStatus::Running))
        .set((
            contact_imports::status.eq(status),
            contact_imports::finished_at.eq(now),
            contact_imports::updated_at.eq(now),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// Shows that a running import's server is still at work on it.
pub async fn beat(conn: &mut Conn, id: ContactImportId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::update(contact_imports::table.find(id))
        .filter(contact_imports::status.eq(ImportStatus::Running))
        .set(contact_imports::updated_at.eq(Timestamp::now()))
        .execute(c)
        .await)?;
    Ok(())
}

/// Imports still running but silent since `silent_since` belong to a server that stopped:
/// they are interrupted.
pub async fn mark_interrupted(conn: &mut Conn, silent_since: Timestamp) -> AppResult<usize> {
    let now = Timestamp::now();
    Ok(with_conn!(conn, |c| diesel::update(
        contact_imports::table
    )
    .filter(contact_imports::status.eq(ImportStatus::Running))
    .filter(contact_imports::updated_at.lt(silent_since))
    .set((
        contact_imports::status.eq(ImportStatus::Interrupted),
        contact_imports::finished_at.eq(now),
        contact_imports::updated_at.eq(now),
    ))
    .execute(c)
    .await)?)
}

pub async fn rows(
    conn: &mut Conn,
    id: ContactImportId,
    after: i64,
    first: i64,
    status: Option<ImportRowStatus>,
) -> AppResult<Vec<ContactImportRow>> {
    Ok(with_conn!(conn, |c| {
        let mut query = contact_import_rows::table
            .filter(contact_import_rows::import_id.eq(id))
            .filter(contact_import_rows::row_number.gt(after))
            .into_boxed();
        if let Some(status) = status {
            query = query.filter(contact_import_rows::status.eq(status));
        }
        query
            .order(contact_import_rows::row_number)
            .limit(first)
            .select(ContactImportRow::as_select())
            .load(c)
            .await
    })?)
}

/// Records of one kind by lower-cased name, with their company (several companies may use a
/// name).
pub type ByName<I> = HashMap<String, Vec<(I, Option<CompanyId>)>>;

fn by_name<I>(rows: Vec<(I, String, Option<CompanyId>)>) -> ByName<I> {
    let mut map: ByName<I> = HashMap::new();
    for (id, name, company) in rows {
        map.entry(name.to_lowercase())
            .or_default()
            .push((id, company));
    }
    map
}

/// The names a row may use, each resolved once per import.
#[derive(Default)]
pub struct Names {
    /// By lower-cased name and by lower-cased code.
    pub companies: HashMap<String, CompanyId>,
    pub segmentations: ByName<SegmentationId>,
    pub reason_codes: ByName<ReasonCodeId>,
    pub accounts: ByName<AccountId>,
    pub templates: ByName<TemplateId>,
    /// By lower-cased email.
    pub users: HashMap<String, UserId>,
}

pub async fn names(conn: &mut Conn, viewer: &Viewer) -> AppResult<Names> {
    let (all, ids) = crate::db::scope::viewer_params(viewer);
    let companies: Vec<(CompanyId, String, String)> = with_conn!(conn, |c| companies::table
        .filter(
            companies::id
                .eq_any(&ids)
                .or(diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(all))
        )
        .select((companies::id, companies::name, companies::code))
        .load(c)
        .await)?;
    let mut names = Names::default();
    for (id, name, code) in companies {
        names.companies.insert(name.to_lowercase(), id);
        names.companies.insert(code.to_lowercase(), id);
    }
    names.segmentations = by_name(with_conn!(conn, |c| segmentations::table
        .filter(visible!(segmentations::company_id, viewer))
        .select((
            segmentations::id,
            segmentations::name,
            segmentations::company_id
        ))
        .load(c)
        .await)?);
    names.reason_codes = by_name(with_conn!(conn, |c| reason_codes::table
        .filter(visible!(reason_codes::company_id, viewer))
        .filter(reason_codes::archived.eq(false))
        .select((
            reason_codes::id,
            reason_codes::code,
            reason_codes::company_id
        ))
        .load(c)
        .await)?);
    names.accounts = by_name(with_conn!(conn, |c| accounts::table
        .filter(visible!(accounts::company_id, viewer))
        .select((accounts::id, accounts::name, accounts::company_id))
        .load(c)
        .await)?);
    names.templates = by_name(with_conn!(conn, |c| lifecycle_templates::table
        .filter(visible!(lifecycle_templates::company_id, viewer))
        .select((
            lifecycle_templates::id,
            lifecycle_templates::name,
            lifecycle_templates::company_id
        ))
        .load(c)
        .await)?);
    let users: Vec<(UserId, String)> = with_conn!(conn, |c| users::table
        .filter(visible!(users::company_id, viewer))
        .select((users::id, lower(users::email)))
        .load(c)
        .await)?;
    names.users = users.into_iter().map(|(id, email)| (email, id)).collect();
    Ok(names)
}
