//! The records the checks of contact operations read (companies, segmentations, reason codes,
//! users, accounts, detail types, lifecycle templates and starting points), each read once per
//! [`Known`]. A mutation uses a fresh one; an import keeps one per batch, so its rows name the
//! same few records without reading them again.

use std::collections::HashMap;

use crate::db::Conn;
use crate::error::AppResult;
use crate::ids::{CompanyId, TemplateId, TypedId};
use crate::lifecycle;
use crate::lifecycle::model::{LifecycleStep, LifecycleTemplate};
use crate::settings::model::{Account, Company, DetailType, ReasonCode, Segmentation, User};
use crate::settings::ops::{ConfigRecord, by_id};
use crate::viewer::Viewer;

/// What one viewer's checks have read so far; `None` for an id no visible record has.
#[derive(Default)]
pub struct Known {
    pub(super) companies: Records<Company>,
    pub(super) segmentations: Records<Segmentation>,
    pub(super) reason_codes: Records<ReasonCode>,
    pub(super) users: Records<User>,
    pub(super) accounts: Records<Account>,
    pub(super) detail_types: Records<DetailType>,
    pub(super) templates: HashMap<TemplateId, Option<LifecycleTemplate>>,
    starts: HashMap<(Option<CompanyId>, Option<TemplateId>), Start>,
}

type Records<R> = HashMap<<R as ConfigRecord>::Id, Option<R>>;

/// Where a new contact starts: its lifecycle and that lifecycle's first step.
pub type Start = (Option<TemplateId>, Option<LifecycleStep>);

/// The ids of `wanted` not read yet.
fn unread<I: TypedId, V>(read: &HashMap<I, V>, wanted: &[I]) -> Vec<I> {
    let mut ids: Vec<I> = wanted
        .iter()
        .filter(|id| !read.contains_key(id))
        .copied()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Reads the records of `ids` not read yet into `read`.
pub(super) async fn read<R: ConfigRecord>(
    c: &mut Conn,
    viewer: &Viewer,
    read: &mut Records<R>,
    ids: &[R::Id],
) -> AppResult<()> {
    let missing = unread(read, ids);
    if missing.is_empty() {
        return Ok(());
    }
    let found = by_id::<R>(c, viewer, &missing).await?;
    remember(read, missing, found);
    Ok(())
}

/// Notes what was found of `missing`, and that the rest does not exist for the viewer.
fn remember<I: TypedId, R>(
    read: &mut HashMap<I, Option<R>>,
    missing: Vec<I>,
    mut found: HashMap<I, R>,
) {
    for id in missing {
        read.insert(id, found.remove(&id));
    }
}

impl Known {
    /// Reads the lifecycle templates of `ids` not read yet.
    pub(super) async fn read_templates(
        &mut self,
        c: &mut Conn,
        viewer: &Viewer,
        ids: &[TemplateId],
    ) -> AppResult<()> {
        let missing = unread(&self.templates, ids);
        if missing.is_empty() {
            return Ok(());
        }
        let found: HashMap<TemplateId, LifecycleTemplate> =
            lifecycle::templates_by_ids(c, viewer, &missing)
                .await?
                .into_iter()
                .map(|t| (t.id, t))
                .collect();
        remember(&mut self.templates, missing, found);
        Ok(())
    }

    /// Whether the viewer sees the company.
    pub(super) async fn sees_company(
        &mut self,
        c: &mut Conn,
        viewer: &Viewer,
        id: CompanyId,
    ) -> AppResult<bool> {
        read(c, viewer, &mut self.companies, &[id]).await?;
        Ok(matches!(self.companies.get(&id), Some(Some(_))))
    }

    /// Where a new contact of `company` starts (see [`lifecycle::ops::starting_point`]).
    pub(super) async fn start(
        &mut self,
        c: &mut Conn,
        company: Option<CompanyId>,
        template: Option<TemplateId>,
    ) -> AppResult<Start> {
        if let Some(start) = self.starts.get(&(company, template)) {
            return Ok(start.clone());
        }
        let start = lifecycle::ops::starting_point(c, company, template).await?;
        self.starts.insert((company, template), start.clone());
        Ok(start)
    }
}
