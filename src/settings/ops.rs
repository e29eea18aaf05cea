//! The operations on configuration records. Every kind is created, changed and deleted the same
//! way, so one generic path serves them all: [`ConfigRecord`] says how a kind is stored.

use std::collections::HashMap;
use std::future::Future;

use super::input::*;
use super::model::*;
use super::store;
use crate::db::Conn;
use crate::error::{AppResult, Usage, ensure_unused, ensure_unused_elsewhere};
use crate::graphql::args::not_found;
use crate::ids::{CompanyId, ReasonCodeId, TypedId, UserId};
use crate::time::Timestamp;
use crate::validation::{Parsed, Validator, code};
use crate::viewer::Viewer;

/// A kind of configuration record, tenant-wide or of one company.
pub trait ConfigRecord: Sized + Send {
    type Id: TypedId;
    type New: Send + Sync;
    type Changes: Send + Sync;
    /// What the record is called in messages.
    const ENTITY: &'static str;
    /// Whether records of this kind belong to a company or the tenant (all but companies); a
    /// kind that does not is judged whole before the record is looked up.
    const OWNED_BY_COMPANY: bool;

    fn id(&self) -> Self::Id;

    /// The company a new record belongs to (`None`: tenant-wide).
    fn company_of(new: &Self::New) -> Option<CompanyId>;
    /// The company a change moves the record to (`Some(None)`: tenant-wide).
    fn company_change(changes: &Self::Changes) -> Option<Option<CompanyId>>;
    /// The company whose administrators may change the record (`None`: only tenant-wide
    /// administrators): its owner, or for a company the company itself.
    fn governing_company(&self) -> Option<CompanyId>;

    /// The records with these ids the viewer can see.
    fn by_ids(
        c: &mut Conn,
        viewer: &Viewer,
        ids: &[Self::Id],
    ) -> impl Future<Output = AppResult<Vec<Self>>> + Send;
    fn find(
        c: &mut Conn,
        viewer: &Viewer,
        id: Self::Id,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send {
        async move { Ok(Self::by_ids(c, viewer, &[id]).await?.pop()) }
    }
    fn insert(c: &mut Conn, new: &Self::New) -> impl Future<Output = AppResult<Self>> + Send;
    fn update(
        c: &mut Conn,
        id: Self::Id,
        changes: &Self::Changes,
    ) -> impl Future<Output = AppResult<Self>> + Send;
    fn delete(c: &mut Conn, id: Self::Id) -> impl Future<Output = AppResult<()>> + Send;
    /// What uses the record; with `outside`, only the uses by contacts not of that company.
    fn usage(
        c: &mut Conn,
        id: Self::Id,
        outside: Option<CompanyId>,
    ) -> impl Future<Output = AppResult<Vec<Usage>>> + Send;
}

/// The records with these ids the viewer can see, by id.
pub async fn by_id<R: ConfigRecord>(
    c: &mut Conn,
    viewer: &Viewer,
    ids: &[R::Id],
) -> AppResult<HashMap<R::Id, R>> {
    Ok(R::by_ids(c, viewer, ids)
        .await?
        .into_iter()
        .map(|record| (record.id(), record))
        .collect())
}

/// Reports `path` when `company_id` names no company the viewer can see.
pub async fn check_company(
    c: &mut Conn,
    viewer: &Viewer,
    v: &mut Validator,
    path: &str,
    company_id: Option<CompanyId>,
) -> AppResult<()> {
    if let Some(id) = company_id
        && Company::find(c, viewer, id).await?.is_none()
    {
        missing_company(v, path, id);
    }
    Ok(())
}

/// Reports `path` for naming a company the viewer cannot see.
pub fn missing_company(v: &mut Validator, path: &str, id: CompanyId) {
    v.push(
        path,
        code::NOT_FOUND,
        format!("no company {}", id.to_id().as_str()),
    );
}

pub async fn create<R: ConfigRecord>(
    c: &mut Conn,
    viewer: &Viewer,
    input: Parsed<R::New>,
) -> AppResult<R> {
    let Parsed {
        value,
        mut problems,
    } = input;
    viewer.may_configure(R::company_of(&value))?;
    check_company(c, viewer, &mut problems, "companyId", R::company_of(&value)).await?;
    problems.finish()?;
    R::insert(c, &value).await
}

/// Changes a record; one moving to a company must not be used by contacts of other companies.
pub async fn update<R: ConfigRecord>(
    c: &mut Conn,
    viewer: &Viewer,
    id: R::Id,
    input: Parsed<R::Changes>,
) -> AppResult<R> {
    let Parsed {
        value: changes,
        mut problems,
    } = input;
    let current = R::find(c, viewer, id).await?.ok_or_else(|| not_found(id))?;
    viewer.may_configure(current.governing_company())?;
    if !R::OWNED_BY_COMPANY {
        std::mem::take(&mut problems).finish()?;
    }
    let moved_to = R::company_change(&changes);
    if let Some(company) = moved_to {
        viewer.may_configure(company)?;
        check_company(c, viewer, &mut problems, "companyId", company).await?;
    }
    problems.finish()?;
    if let Some(Some(company)) = moved_to {
        ensure_unused_elsewhere(R::ENTITY, R::usage(c, id, Some(company)).await?)?;
    }
    R::update(c, id, &changes).await
}

/// Deletes a record nothing uses any more.
pub async fn delete<R: ConfigRecord>(c: &mut Conn, viewer: &Viewer, id: R::Id) -> AppResult<R::Id> {
    let current = R::find(c, viewer, id).await?.ok_or_else(|| not_found(id))?;
    viewer.may_configure(current.governing_company())?;
    ensure_unused(R::ENTITY, R::usage(c, id, None).await?)?;
    R::delete(c, id).await?;
    Ok(id)
}

/// Archives a reason code (it stays on history and contacts but cannot be chosen any more), or
/// makes it selectable again.
pub async fn set_archived(
    c: &mut Conn,
    viewer: &Viewer,
    id: ReasonCodeId,
    archived: bool,
) -> AppResult<ReasonCode> {
    let changes = ReasonCodeChanges {
        code: None,
        description: None,
        outcome: None,
        company_id: None,
        archived: Some(archived),
        updated_at: Timestamp::now(),
    };
    update(c, viewer, id, Parsed::new(|_| changes)).await
}

/// Sets the companies a user works for besides their own: their scope becomes their company
/// and these. Only memberships of companies the viewer can see are replaced.
pub async fn set_other_companies(
    c: &mut Conn,
    viewer: &Viewer,
    id: UserId,
    input: Parsed<Vec<CompanyId>>,
) -> AppResult<User> {
    let Parsed {
        value: companies,
        mut problems,
    } = input;
    let user = User::find(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    viewer.may_configure(user.governing_company())?;
    if user.company_id.is_none() && !companies.is_empty() {
        problems.push(
            "companyIds",
            code::INVALID,
            "a tenant-wide user already works for every company",
        );
    }
    for company in &companies {
        check_company(c, viewer, &mut problems, "companyIds", Some(*company)).await?;
    }
    problems.finish()?;
    let others: Vec<CompanyId> = companies
        .into_iter()
        .filter(|company| Some(*company) != user.company_id)
        .collect();
    store::set_other_companies(c, viewer, id, &others).await?;
    let touched = UserChanges {
        name: None,
        email: None,
        role: None,
        company_id: None,
        active: None,
        updated_at: Timestamp::now(),
    };
    User::update(c, id, &touched).await
}
