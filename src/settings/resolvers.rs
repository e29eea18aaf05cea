//! GraphQL queries and mutations of the configuration records.

use async_graphql::{Context, ID, Object};

use super::input::*;
use super::model::*;
use super::store;
use crate::db::Conn;
use crate::db::scope::ListScope;
use crate::error::{AppError, AppResult, Usage};
use crate::graphql::context::{db, viewer};
use crate::ids::{
    AccountId, CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, TypedId, UserId,
};
use crate::validation::{Validator, code};
use crate::viewer::Viewer;

/// Reports `path` when `company_id` names no company the viewer can see.
pub async fn check_company(
    conn: &mut Conn,
    viewer: &Viewer,
    v: &mut Validator,
    path: &str,
    company_id: Option<i64>,
) -> AppResult<()> {
    if let Some(id) = company_id
        && store::find_company(conn, viewer, id).await?.is_none()
    {
        let id = CompanyId(id).to_id();
        v.push(path, code::NOT_FOUND, format!("no company {}", id.as_str()));
    }
    Ok(())
}

/// Parses the list arguments `companyId` and `includeTenantWide`.
pub fn list_scope(company_id: Option<&ID>, include_tenant_wide: bool) -> AppResult<ListScope> {
    let mut v = Validator::new();
    let company = v.optional_id::<CompanyId>("companyId", company_id);
    v.finish()?;
    Ok(ListScope {
        company,
        include_tenant_wide,
    })
}

/// Parses the id argument of a mutation on one record.
pub fn record_id<T: TypedId>(id: &ID) -> AppResult<T> {
    let mut v = Validator::new();
    let parsed = v.id::<T>("id", id);
    v.require(parsed)
}

pub fn ensure_unused(entity: &'static str, usage: Vec<Usage>) -> AppResult<()> {
    if usage.is_empty() {
        Ok(())
    } else {
        Err(AppError::InUse { entity, usage })
    }
}

/// A record moved to a company must not be used by contacts of other companies.
pub fn ensure_unused_elsewhere(entity: &'static str, usage: Vec<Usage>) -> AppResult<()> {
    match usage.as_slice() {
        [] => Ok(()),
        uses => {
            let uses: Vec<String> = uses
                .iter()
                .map(|u| format!("{} {}", u.count, u.kind))
                .collect();
            Err(AppError::Conflict(format!(
                "{entity} is used by {} of other companies; it cannot move to that company",
                uses.join(", ")
            )))
        }
    }
}

pub fn not_found<T: TypedId>(id: T) -> AppError {
    AppError::not_found(T::TYPE_NAME, id.to_id().0)
}

#[derive(Default)]
pub struct SettingsQuery;

#[Object]
impl SettingsQuery {
    /// Companies visible to the viewer, by name.
    async fn companies(&self, ctx: &Context<'_>) -> AppResult<Vec<Company>> {
        let mut conn = db(ctx).conn().await?;
        store::list_companies(&mut conn, viewer(ctx)).await
    }

    /// Users, by name. `companyId` limits to one company; `includeTenantWide` adds
    /// tenant-wide users (default true).
    async fn users(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
        #[graphql(default = true)] include_tenant_wide: bool,
    ) -> AppResult<Vec<User>> {
        let list = list_scope(company_id.as_ref(), include_tenant_wide)?;
        let mut conn = db(ctx).conn().await?;
        store::list_users(&mut conn, viewer(ctx), &list).await
    }

    /// Contact segmentations, by name.
    async fn segmentations(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
        #[graphql(default = true)] include_tenant_wide: bool,
    ) -> AppResult<Vec<Segmentation>> {
        let list = list_scope(company_id.as_ref(), include_tenant_wide)?;
        let mut conn = db(ctx).conn().await?;
        store::list_segmentations(&mut conn, viewer(ctx), &list).await
    }

    /// Contact reason codes, by code; archived ones only with `includeArchived`.
    async fn reason_codes(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
        #[graphql(default = true)] include_tenant_wide: bool,
        #[graphql(default = false)] include_archived: bool,
    ) -> AppResult<Vec<ReasonCode>> {
        let list = list_scope(company_id.as_ref(), include_tenant_wide)?;
        let mut conn = db(ctx).conn().await?;
        store::list_reason_codes(&mut conn, viewer(ctx), &list, include_archived).await
    }

    /// Detail types (address, email and phone labels), by kind and name.
    async fn detail_types(
        &self,
        ctx: &Context<'_>,
        kind: Option<DetailKind>,
        company_id: Option<ID>,
        #[graphql(default = true)] include_tenant_wide: bool,
    ) -> AppResult<Vec<DetailType>> {
        let list = list_scope(company_id.as_ref(), include_tenant_wide)?;
        let mut conn = db(ctx).conn().await?;
        store::list_detail_types(&mut conn, viewer(ctx), &list, kind).await
    }

    /// Accounts contacts can be assigned to, by name.
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
        #[graphql(default = true)] include_tenant_wide: bool,
    ) -> AppResult<Vec<Account>> {
        let list = list_scope(company_id.as_ref(), include_tenant_wide)?;
        let mut conn = db(ctx).conn().await?;
        store::list_accounts(&mut conn, viewer(ctx), &list).await
    }
}

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    async fn create_company(
        &self,
        ctx: &Context<'_>,
        input: CreateCompanyInput,
    ) -> AppResult<Company> {
        let mut v = Validator::new();
        let new = input.validate(&mut v);
        v.finish()?;
        db(ctx)
            .transaction(async move |c| store::insert_company(c, &new).await)
            .await
    }

    async fn update_company(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCompanyInput,
    ) -> AppResult<Company> {
        let mut v = Validator::new();
        let id = v.id::<CompanyId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_company(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                store::update_company(c, id.0, &changes).await
            })
            .await
    }

    /// Deletes a company that nothing belongs to any more.
    async fn delete_company(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<CompanyId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_company(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                ensure_unused("company", store::company_usage(c, id.0).await?)?;
                store::delete_company(c, id.0).await?;
                Ok(id.to_id())
            })
            .await
    }

    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> AppResult<User> {
        let mut v = Validator::new();
        let new = input.validate(&mut v);
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                check_company(c, viewer, &mut v, "companyId", new.company_id).await?;
                v.finish()?;
                store::insert_user(c, &new).await
            })
            .await
    }

    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUserInput,
    ) -> AppResult<User> {
        let mut v = Validator::new();
        let id = v.id::<UserId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_user(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                if let Some(company) = changes.company_id {
                    check_company(c, viewer, &mut v, "companyId", company).await?;
                }
                v.finish()?;
                store::update_user(c, id.0, &changes).await
            })
            .await
    }

    /// Deletes a user who owns no contacts; history keeps the transitions without an actor.
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<UserId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_user(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                ensure_unused("user", store::user_usage(c, id.0).await?)?;
                store::delete_user(c, id.0).await?;
                Ok(id.to_id())
            })
            .await
    }

    async fn create_segmentation(
        &self,
        ctx: &Context<'_>,
        input: CreateSegmentationInput,
    ) -> AppResult<Segmentation> {
        let mut v = Validator::new();
        let new = input.validate(&mut v);
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                check_company(c, viewer, &mut v, "companyId", new.company_id).await?;
                v.finish()?;
                store::insert_segmentation(c, &new).await
            })
            .await
    }

    async fn update_segmentation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSegmentationInput,
    ) -> AppResult<Segmentation> {
        let mut v = Validator::new();
        let id = v.id::<SegmentationId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_segmentation(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                if let Some(company) = changes.company_id {
                    check_company(c, viewer, &mut v, "companyId", company).await?;
                }
                v.finish()?;
                if let Some(Some(company)) = changes.company_id {
                    let usage = store::segmentation_usage(c, id.0, Some(company)).await?;
                    ensure_unused_elsewhere("segmentation", usage)?;
                }
                store::update_segmentation(c, id.0, &changes).await
            })
            .await
    }

    async fn delete_segmentation(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<SegmentationId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_segmentation(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                ensure_unused(
                    "segmentation",
                    store::segmentation_usage(c, id.0, None).await?,
                )?;
                store::delete_segmentation(c, id.0).await?;
                Ok(id.to_id())
            })
            .await
    }

    async fn create_reason_code(
        &self,
        ctx: &Context<'_>,
        input: CreateReasonCodeInput,
    ) -> AppResult<ReasonCode> {
        let mut v = Validator::new();
        let new = input.validate(&mut v);
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                check_company(c, viewer, &mut v, "companyId", new.company_id).await?;
                v.finish()?;
                store::insert_reason_code(c, &new).await
            })
            .await
    }

    async fn update_reason_code(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateReasonCodeInput,
    ) -> AppResult<ReasonCode> {
        let mut v = Validator::new();
        let id = v.id::<ReasonCodeId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| update_reason_code(c, viewer, &mut v, id, &changes).await)
            .await
    }

    /// Archives a reason code: it stays on history and contacts but cannot be chosen any more.
    async fn archive_reason_code(&self, ctx: &Context<'_>, id: ID) -> AppResult<ReasonCode> {
        set_archived(ctx, &id, true).await
    }

    /// Makes an archived reason code selectable again.
    async fn unarchive_reason_code(&self, ctx: &Context<'_>, id: ID) -> AppResult<ReasonCode> {
        set_archived(ctx, &id, false).await
    }

    /// Deletes an unused reason code; one in use can be archived instead.
    async fn delete_reason_code(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<ReasonCodeId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_reason_code(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                ensure_unused(
                    "reason code",
                    store::reason_code_usage(c, id.0, None).await?,
                )?;
                store::delete_reason_code(c, id.0).await?;
                Ok(id.to_id())
            })
            .await
    }

    async fn create_detail_type(
        &self,
        ctx: &Context<'_>,
        input: CreateDetailTypeInput,
    ) -> AppResult<DetailType> {
        let mut v = Validator::new();
        let new = input.validate(&mut v);
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                check_company(c, viewer, &mut v, "companyId", new.company_id).await?;
                v.finish()?;
                store::insert_detail_type(c, &new).await
            })
            .await
    }

    async fn update_detail_type(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateDetailTypeInput,
    ) -> AppResult<DetailType> {
        let mut v = Validator::new();
        let id = v.id::<DetailTypeId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_detail_type(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                if let Some(company) = changes.company_id {
                    check_company(c, viewer, &mut v, "companyId", company).await?;
                }
                v.finish()?;
                if let Some(Some(company)) = changes.company_id {
                    let usage = store::detail_type_usage(c, id.0, Some(company)).await?;
                    ensure_unused_elsewhere("detail type", usage)?;
                }
                store::update_detail_type(c, id.0, &changes).await
            })
            .await
    }

    async fn delete_detail_type(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<DetailTypeId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_detail_type(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                ensure_unused(
                    "detail type",
                    store::detail_type_usage(c, id.0, None).await?,
                )?;
                store::delete_detail_type(c, id.0).await?;
                Ok(id.to_id())
            })
            .await
    }

    async fn create_account(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountInput,
    ) -> AppResult<Account> {
        let mut v = Validator::new();
        let new = input.validate(&mut v);
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                check_company(c, viewer, &mut v, "companyId", new.company_id).await?;
                v.finish()?;
                store::insert_account(c, &new).await
            })
            .await
    }

    async fn update_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateAccountInput,
    ) -> AppResult<Account> {
        let mut v = Validator::new();
        let id = v.id::<AccountId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_account(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                if let Some(company) = changes.company_id {
                    check_company(c, viewer, &mut v, "companyId", company).await?;
                }
                v.finish()?;
                if let Some(Some(company)) = changes.company_id {
                    let usage = store::account_usage(c, id.0, Some(company)).await?;
                    ensure_unused_elsewhere("account", usage)?;
                }
                store::update_account(c, id.0, &changes).await
            })
            .await
    }

    async fn delete_account(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<AccountId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_account(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                ensure_unused("account", store::account_usage(c, id.0, None).await?)?;
                store::delete_account(c, id.0).await?;
                Ok(id.to_id())
            })
            .await
    }
}

async fn update_reason_code(
    c: &mut Conn,
    viewer: &Viewer,
    v: &mut Validator,
    id: ReasonCodeId,
    changes: &ReasonCodeChanges,
) -> AppResult<ReasonCode> {
    store::find_reason_code(c, viewer, id.0)
        .await?
        .ok_or_else(|| not_found(id))?;
    if let Some(company) = changes.company_id {
        check_company(c, viewer, v, "companyId", company).await?;
    }
    std::mem::take(v).finish()?;
    if let Some(Some(company)) = changes.company_id {
        let usage = store::reason_code_usage(c, id.0, Some(company)).await?;
        ensure_unused_elsewhere("reason code", usage)?;
    }
    store::update_reason_code(c, id.0, changes).await
}

async fn set_archived(ctx: &Context<'_>, id: &ID, archived: bool) -> AppResult<ReasonCode> {
    let id = record_id::<ReasonCodeId>(id)?;
    let changes = ReasonCodeChanges {
        code: None,
        description: None,
        outcome: None,
        company_id: None,
        archived: Some(archived),
        updated_at: crate::time::Timestamp::now(),
    };
    let viewer = viewer(ctx);
    db(ctx)
        .transaction(async move |c| {
            update_reason_code(c, viewer, &mut Validator::new(), id, &changes).await
        })
        .await
}
