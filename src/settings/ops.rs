//! The operations on configuration records. Every kind is created, changed and deleted the same
//! way, so one generic path serves them all: [`ConfigRecord`] says how a kind is stored.

use std::future::Future;

use super::input::*;
use super::model::*;
use super::store;
use crate::db::Conn;
use crate::error::{AppResult, Usage, ensure_unused, ensure_unused_elsewhere};
use crate::graphql::args::not_found;
use crate::ids::{
    AccountId, CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, TypedId, UserId,
};
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

    /// The company a new record belongs to (`None`: tenant-wide).
    fn company_of(new: &Self::New) -> Option<CompanyId>;
    /// The company a change moves the record to (`Some(None)`: tenant-wide).
    fn company_change(changes: &Self::Changes) -> Option<Option<CompanyId>>;

    fn find(
        c: &mut Conn,
        viewer: &Viewer,
        id: Self::Id,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send;
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

/// Reports `path` when `company_id` names no company the viewer can see.
pub async fn check_company(
    c: &mut Conn,
    viewer: &Viewer,
    v: &mut Validator,
    path: &str,
    company_id: Option<CompanyId>,
) -> AppResult<()> {
    if let Some(id) = company_id
        && store::find_company(c, viewer, id).await?.is_none()
    {
        v.push(
            path,
            code::NOT_FOUND,
            format!("no company {}", id.to_id().as_str()),
        );
    }
    Ok(())
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
    R::find(c, viewer, id).await?.ok_or_else(|| not_found(id))?;
    let moved_to = R::company_change(&changes);
    if let Some(company) = moved_to {
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
    R::find(c, viewer, id).await?.ok_or_else(|| not_found(id))?;
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

/// Implements [`ConfigRecord`] with the store's functions of one kind.
macro_rules! config_record {
    ($record:ty, $id:ty, $new:ty, $changes:ty, $entity:literal, company: $company:tt,
     $find:path, $insert:path, $update:path, $delete:path, usage: $usage:expr) => {
        impl ConfigRecord for $record {
            type Id = $id;
            type New = $new;
            type Changes = $changes;
            const ENTITY: &'static str = $entity;

            fn company_of(_new: &$new) -> Option<CompanyId> {
                config_record!(@company_of $company, _new)
            }

            fn company_change(_changes: &$changes) -> Option<Option<CompanyId>> {
                config_record!(@company_change $company, _changes)
            }

            async fn find(c: &mut Conn, viewer: &Viewer, id: $id) -> AppResult<Option<Self>> {
                $find(c, viewer, id).await
            }

            async fn insert(c: &mut Conn, new: &$new) -> AppResult<Self> {
                $insert(c, new).await
            }

            async fn update(c: &mut Conn, id: $id, changes: &$changes) -> AppResult<Self> {
                $update(c, id, changes).await
            }

            async fn delete(c: &mut Conn, id: $id) -> AppResult<()> {
                $delete(c, id).await
            }

            async fn usage(
                c: &mut Conn,
                id: $id,
                outside: Option<CompanyId>,
            ) -> AppResult<Vec<Usage>> {
                ($usage)(c, id, outside).await
            }
        }
    };
    (@company_of true, $new:ident) => { $new.company_id };
    (@company_of false, $new:ident) => { None };
    (@company_change true, $changes:ident) => { $changes.company_id };
    (@company_change false, $changes:ident) => { None };
}

/// Companies do not move.
async fn company_usage(c: &mut Conn, id: CompanyId, _: Option<CompanyId>) -> AppResult<Vec<Usage>> {
    store::company_usage(c, id).await
}

/// Ownership is not bound to a company: a user may move while owning contacts of others.
async fn user_usage(c: &mut Conn, id: UserId, outside: Option<CompanyId>) -> AppResult<Vec<Usage>> {
    match outside {
        Some(_) => Ok(Vec::new()),
        None => store::user_usage(c, id).await,
    }
}

config_record!(Company, CompanyId, NewCompany, CompanyChanges, "company", company: false,
    store::find_company, store::insert_company, store::update_company, store::delete_company,
    usage: company_usage);
config_record!(User, UserId, NewUser, UserChanges, "user", company: true,
    store::find_user, store::insert_user, store::update_user, store::delete_user,
    usage: user_usage);
config_record!(Segmentation, SegmentationId, NewSegmentation, SegmentationChanges, "segmentation",
    company: true, store::find_segmentation, store::insert_segmentation,
    store::update_segmentation, store::delete_segmentation, usage: store::segmentation_usage);
config_record!(ReasonCode, ReasonCodeId, NewReasonCode, ReasonCodeChanges, "reason code",
    company: true, store::find_reason_code, store::insert_reason_code, store::update_reason_code,
    store::delete_reason_code, usage: store::reason_code_usage);
config_record!(DetailType, DetailTypeId, NewDetailType, DetailTypeChanges, "detail type",
    company: true, store::find_detail_type, store::insert_detail_type, store::update_detail_type,
    store::delete_detail_type, usage: store::detail_type_usage);
config_record!(Account, AccountId, NewAccount, AccountChanges, "account", company: true,
    store::find_account, store::insert_account, store::update_account, store::delete_account,
    usage: store::account_usage);
