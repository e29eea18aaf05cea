//! GraphQL queries and mutations of the configuration records: parse, then run the record's
//! operation in a transaction.

use async_graphql::{Context, ID, Object};

use super::input::*;
use super::model::*;
use super::ops::{self, ConfigRecord};
use super::store;
use crate::error::AppResult;
use crate::graphql::args::{list_scope, record_and_input, record_id};
use crate::graphql::context::{db, viewer};
use crate::ids::{CompanyId, ReasonCodeId, TypedId, UserId};
use crate::validation::{Parsed, Validator};

async fn create<R: ConfigRecord>(ctx: &Context<'_>, input: Parsed<R::New>) -> AppResult<R> {
    let viewer = viewer(ctx);
    db(ctx)
        .transaction(async move |c| ops::create::<R>(c, viewer, input).await)
        .await
}

async fn update<R: ConfigRecord>(
    ctx: &Context<'_>,
    id: &ID,
    parse: impl FnOnce(&mut Validator) -> R::Changes,
) -> AppResult<R> {
    let (id, input) = record_and_input::<R::Id, _>(id, parse)?;
    let viewer = viewer(ctx);
    db(ctx)
        .transaction(async move |c| ops::update::<R>(c, viewer, id, input).await)
        .await
}

async fn delete<R: ConfigRecord>(ctx: &Context<'_>, id: &ID) -> AppResult<ID> {
    let id = record_id::<R::Id>(id)?;
    let viewer = viewer(ctx);
    let deleted = db(ctx)
        .transaction(async move |c| ops::delete::<R>(c, viewer, id).await)
        .await?;
    Ok(deleted.to_id())
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
        create(ctx, Parsed::new(|v| input.validate(v))).await
    }

    async fn update_company(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCompanyInput,
    ) -> AppResult<Company> {
        update(ctx, &id, |v| input.validate(v)).await
    }

    /// Deletes a company that nothing belongs to any more.
    async fn delete_company(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        delete::<Company>(ctx, &id).await
    }

    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> AppResult<User> {
        create(ctx, Parsed::new(|v| input.validate(v))).await
    }

    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUserInput,
    ) -> AppResult<User> {
        update(ctx, &id, |v| input.validate(v)).await
    }

    /// Sets the companies a user works for besides their own company (the user then sees
    /// contacts and configuration of all of them). Replaces the user's other companies among
    /// those you can see.
    async fn set_user_other_companies(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        company_ids: Vec<ID>,
    ) -> AppResult<User> {
        let mut problems = Validator::new();
        let user = problems.id::<UserId>("userId", &user_id);
        let companies = problems.ids::<CompanyId>("companyIds", &company_ids);
        let user = problems.require(user)?;
        let input = Parsed {
            value: companies,
            problems,
        };
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::set_other_companies(c, viewer, user, input).await)
            .await
    }

    /// Deletes a user who owns no contacts; history keeps the transitions without an actor.
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        delete::<User>(ctx, &id).await
    }

    async fn create_segmentation(
        &self,
        ctx: &Context<'_>,
        input: CreateSegmentationInput,
    ) -> AppResult<Segmentation> {
        create(ctx, Parsed::new(|v| input.validate(v))).await
    }

    async fn update_segmentation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSegmentationInput,
    ) -> AppResult<Segmentation> {
        update(ctx, &id, |v| input.validate(v)).await
    }

    async fn delete_segmentation(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        delete::<Segmentation>(ctx, &id).await
    }

    async fn create_reason_code(
        &self,
        ctx: &Context<'_>,
        input: CreateReasonCodeInput,
    ) -> AppResult<ReasonCode> {
        create(ctx, Parsed::new(|v| input.validate(v))).await
    }

    async fn update_reason_code(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateReasonCodeInput,
    ) -> AppResult<ReasonCode> {
        update(ctx, &id, |v| input.validate(v)).await
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
        delete::<ReasonCode>(ctx, &id).await
    }

    async fn create_detail_type(
        &self,
        ctx: &Context<'_>,
        input: CreateDetailTypeInput,
    ) -> AppResult<DetailType> {
        create(ctx, Parsed::new(|v| input.validate(v))).await
    }

    async fn update_detail_type(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateDetailTypeInput,
    ) -> AppResult<DetailType> {
        update(ctx, &id, |v| input.validate(v)).await
    }

    async fn delete_detail_type(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        delete::<DetailType>(ctx, &id).await
    }

    async fn create_account(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountInput,
    ) -> AppResult<Account> {
        create(ctx, Parsed::new(|v| input.validate(v))).await
    }

    async fn update_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateAccountInput,
    ) -> AppResult<Account> {
        update(ctx, &id, |v| input.validate(v)).await
    }

    async fn delete_account(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        delete::<Account>(ctx, &id).await
    }
}

async fn set_archived(ctx: &Context<'_>, id: &ID, archived: bool) -> AppResult<ReasonCode> {
    let id = record_id::<ReasonCodeId>(id)?;
    let viewer = viewer(ctx);
    db(ctx)
        .transaction(async move |c| ops::set_archived(c, viewer, id, archived).await)
        .await
}
