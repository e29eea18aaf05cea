//! `startContactImport`, `contactImport` and `contactImportProgress`.

use std::time::Duration;

use async_graphql::{Context, ID, Object, Subscription, Upload};
use futures_util::Stream;

use super::file::{self, ImportMapping};
use super::model::{ContactImport, ImportMode, ImportStatus};
use super::run::Job;
use super::store;
use crate::db::Db;
use crate::documents::DocumentStorage;
use crate::error::{AppError, AppResult};
use crate::graphql::args::record_id;
use crate::graphql::context::{db, default_phone_region, viewer};
use crate::ids::ContactImportId;
use crate::lifecycle::events::StageEvents;
use crate::validation::{Validator, code};
use crate::viewer::Viewer;

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// An import you started; null for anyone else's.
    async fn contact_import(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<ContactImport>> {
        let id = record_id::<ContactImportId>(&id)?;
        let mut conn = db(ctx).conn().await?;
        store::find(&mut conn, viewer(ctx), id).await
    }
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports contacts from a CSV file (UTF-8, a header row; `delimiter` `,` by default, or
    /// `;` or a tab). The file and `mapping` are checked whole first; then the rows run in the
    /// background, each by the rules of `createContact` (or, with UPSERT_BY_EMAIL, applied to
    /// the contact that has one of the row's emails). Poll `contactImport(id)` or subscribe to
    /// `contactImportProgress(id)`.
    async fn start_contact_import(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        mapping: Vec<ImportMapping>,
        #[graphql(desc = "CREATE when absent")] mode: Option<ImportMode>,
        #[graphql(desc = "Write nothing; report what each row would do")] dry_run: Option<bool>,
        delimiter: Option<String>,
    ) -> AppResult<ContactImport> {
        let (mode, dry_run) = (mode.unwrap_or(ImportMode::Create), dry_run.unwrap_or(false));
        let mut v = Validator::new();
        let delimiter = match delimiter.as_deref() {
            None | Some(",") => Some(b','),
            Some(";") => Some(b';'),
            Some("\t" | "\\t") => Some(b'\t'),
            Some(_) => {
                v.push("delimiter", code::INVALID, "must be \",\", \";\" or a tab");
                None
            }
        };
        let upload = match file.value(ctx) {
            Ok(upload) => Some(upload),
            Err(error) => {
                v.push(
                    "file",
                    code::INVALID,
                    format!("the upload cannot be read: {error}"),
                );
                None
            }
        };
        let (delimiter, upload) = (v.require(delimiter)?, v.require(upload)?);
        v.finish()?;
        let max_bytes = ctx.data_unchecked::<DocumentStorage>().max_bytes;
        let mut bytes = Vec::new();
        let mut content = upload.content;
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut content, max_bytes as u64 + 1),
            &mut bytes,
        )
        .map_err(AppError::internal)?;
        if bytes.len() > max_bytes {
            return Err(AppError::PayloadTooLarge(format!(
                "an import file may have at most {max_bytes} bytes"
            )));
        }
        let parsed = file::read(&bytes, delimiter, &mapping, mode)?;

        let viewer = viewer(ctx).clone();
        let total = i64::try_from(parsed.rows.len()).unwrap_or(i64::MAX);
        let file_name = crate::documents::rules::sanitize_file_name(Some(&upload.filename));
        let started = {
            let mut conn = db(ctx).conn().await?;
            store::insert(&mut conn, &viewer, &file_name, mode, dry_run, total).await?
        };
        let job = Job {
            db: db(ctx).clone(),
            viewer,
            id: started.id,
            file: parsed,
            mode,
            dry_run,
            region: default_phone_region(ctx).map(str::to_owned),
            events: ctx.data_opt::<StageEvents>().cloned(),
        };
        tokio::spawn(job.run());
        Ok(started)
    }
}

#[derive(Default)]
pub struct ImportSubscription;

/// How often a progress subscription looks at the import.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

#[Subscription]
impl ImportSubscription {
    /// The import each time its counts change, until it has ended (the last event has the
    /// final status). An import you did not start is `NOT_FOUND`.
    async fn contact_import_progress(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ContactImport>> + use<>>
    {
        let id = record_id::<ContactImportId>(&id)?;
        let (db, viewer): (Db, Viewer) = (db(ctx).clone(), viewer(ctx).clone());
        let first = async {
            let mut conn = db.conn().await?;
            store::find(&mut conn, &viewer, id).await
        }
        .await?;
        if first.is_none() {
            return Err(crate::graphql::args::not_found(id).into());
        }
        Ok(futures_util::StreamExt::map(
            progress(db, viewer, id),
            |item| item.map_err(Into::into),
        ))
    }
}

fn progress(
    db: Db,
    viewer: Viewer,
    id: ContactImportId,
) -> impl Stream<Item = AppResult<ContactImport>> {
    futures_util::stream::unfold(Some(None::<(i64, ImportStatus)>), move |seen| {
        let (db, viewer) = (db.clone(), viewer.clone());
        async move {
            let mut seen = seen?;
            loop {
                let current = async {
                    let mut conn = db.conn().await?;
                    store::find(&mut conn, &viewer, id).await
                }
                .await;
                let import = match current {
                    Ok(Some(import)) => import,
                    Ok(None) => return None,
                    Err(error) => return Some((Err(error), None)),
                };
                let now = (import.processed_rows, import.status);
                if seen != Some(now) {
                    seen = Some(now);
                    let next = (import.status == ImportStatus::Running).then_some(seen);
                    return Some((Ok(import), next));
                }
                tokio::time::sleep(PROGRESS_EVERY).await;
            }
        }
    })
}
