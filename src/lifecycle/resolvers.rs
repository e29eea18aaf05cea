//! GraphQL queries and mutations of lifecycle templates, categories and steps, the moves of
//! contacts, and the live feed of moves.

use async_graphql::{Context, ID, Object};

use super::events::{StageEvent, StageEvents};
use super::funnel::{self, FunnelStep, LifecycleFunnelFilter};
use super::input::*;
use super::model::*;
use super::ops::{self, Move, Moved};
use super::store;
use crate::contacts::Contact;
use crate::error::{AppError, AppResult};
use crate::graphql::args::{list_scope, record_and_input, record_id};
use crate::graphql::context::{db, viewer};
use crate::ids::{CategoryId, CompanyId, ContactId, ReasonCodeId, StepId, TemplateId, TypedId};
use crate::time::Timestamp;
use crate::validation::{Parsed, Validator, code};

#[derive(Default)]
pub struct LifecycleQuery;

#[Object]
impl LifecycleQuery {
    /// Lifecycle templates, by name.
    async fn lifecycle_templates(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
        #[graphql(default = true)] include_tenant_wide: bool,
    ) -> AppResult<Vec<LifecycleTemplate>> {
        let list = list_scope(company_id.as_ref(), include_tenant_wide)?;
        let mut conn = db(ctx).conn().await?;
        store::list_templates(&mut conn, viewer(ctx), &list).await
    }

    /// The template's path as a funnel for BI tools: per step in path order, how many contacts
    /// got at least that far, how many stand there now, the conversion to the next step, and
    /// how long completed stays lasted. Moves count when they happened in `[from, to)`.
    async fn lifecycle_funnel(
        &self,
        ctx: &Context<'_>,
        template_id: ID,
        filter: Option<LifecycleFunnelFilter>,
    ) -> async_graphql::Result<Vec<FunnelStep>> {
        viewer(ctx).may_read_analytics()?;
        let filter = filter.unwrap_or_default();
        let mut v = Validator::new();
        let template = v.id::<TemplateId>("templateId", &template_id);
        let company_ids = filter.company_ids.as_ref().map(|ids| {
            v.ids::<CompanyId>("filter.companyIds", ids)
                .into_iter()
                .map(CompanyId::get)
                .collect()
        });
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to < from
        {
            v.push("filter.to", code::OUT_OF_RANGE, "must not be before `from`");
        }
        let viewer = viewer(ctx);
        let mut conn = db(ctx).conn().await?;
        let found = match template {
            Some(id) => {
                let found = store::find_template(&mut conn, viewer, id).await?;
                if found.is_none() {
                    v.push("templateId", code::NOT_FOUND, "no such lifecycle template");
                }
                found
            }
            None => None,
        };
        let template = v.require(found)?;
        v.finish()?;
        drop(conn);
        let steps: Vec<LifecycleStep> = super::loaders::path_of(ctx, template.id)
            .await?
            .into_iter()
            .flat_map(|(_, steps)| steps)
            .collect();
        let scope = store::FunnelScope {
            positions: funnel::positions(&steps),
            company_ids,
            from: filter.from,
            to: filter.to,
        };
        // Counting contacts and timing stays are independent passes: they run side by side
        // on two connections (neither waits for the other's while holding its own).
        let contacts = async {
            let mut conn = db(ctx).conn().await?;
            let furthest = store::funnel_furthest(&mut conn, viewer, &scope, template.id).await?;
            let lost_entered = store::funnel_lost_entered(&mut conn, viewer, &scope).await?;
            let current = store::funnel_current(&mut conn, viewer, &scope).await?;
            AppResult::Ok((furthest, lost_entered, current))
        };
        let stays = async {
            let mut conn = db(ctx).conn().await?;
            let stays = store::funnel_stays(&mut conn, viewer, &scope).await?;
            let picks: Vec<(i64, i64, i64)> = steps
                .iter()
                .filter_map(|step| {
                    let (count, _) = stays.get(&step.id.0)?;
                    let (offset, middle) = funnel::middle_of(*count)?;
                    Some((step.id.0, offset, middle))
                })
                .collect();
            let middles = store::funnel_dwell_at(&mut conn, viewer, &scope, &picks).await?;
            AppResult::Ok((stays, middles))
        };
        let ((furthest, lost_entered, current), (stays, middles)) =
            futures_util::try_join!(contacts, stays)?;
        let counts = funnel::FunnelCounts {
            furthest,
            lost_entered,
            current,
            stays,
            middles,
        };
        Ok(funnel::assemble(&steps, &counts))
    }
}

#[derive(Default)]
pub struct LifecycleMutation;

#[Object]
impl LifecycleMutation {
    /// Creates a template with its whole path of categories and steps, in one transaction.
    async fn create_lifecycle_template(
        &self,
        ctx: &Context<'_>,
        input: CreateLifecycleTemplateInput,
    ) -> AppResult<LifecycleTemplate> {
        let input = Parsed::new(|v| input.validate(v));
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::create_template(c, viewer, input).await)
            .await
    }

    /// Renames or re-scopes a template, or makes it its scope's default.
    async fn update_lifecycle_template(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLifecycleTemplateInput,
    ) -> AppResult<LifecycleTemplate> {
        let (id, input) = record_and_input::<TemplateId, _>(&id, |v| input.validate(v))?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::update_template(c, viewer, id, input).await)
            .await
    }

    /// Deletes a template no contact stands on and no history refers to.
    async fn delete_lifecycle_template(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<TemplateId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::delete_template(c, viewer, id).await)
            .await?;
        Ok(id.to_id())
    }

    /// Adds a category to a template, at `position` or at the end.
    async fn create_lifecycle_category(
        &self,
        ctx: &Context<'_>,
        input: CreateLifecycleCategoryInput,
    ) -> AppResult<LifecycleCategory> {
        let input = Parsed::new(|v| input.validate(v));
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::create_category(c, viewer, input).await)
            .await
    }

    async fn update_lifecycle_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLifecycleCategoryInput,
    ) -> AppResult<LifecycleCategory> {
        let (id, input) = record_and_input::<CategoryId, _>(&id, |v| input.validate(v))?;
        let Parsed { value, problems } = input;
        problems.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::update_category(c, viewer, id, &value).await)
            .await
    }

    /// Deletes a category with its steps, unless contacts stand on them or history refers
    /// to them.
    async fn delete_lifecycle_category(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<CategoryId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::delete_category(c, viewer, id).await)
            .await?;
        Ok(id.to_id())
    }

    /// Puts a template's categories in the given order; `ids` must name each exactly once.
    async fn reorder_lifecycle_categories(
        &self,
        ctx: &Context<'_>,
        template_id: ID,
        ids: Vec<ID>,
    ) -> AppResult<LifecycleTemplate> {
        let mut v = Validator::new();
        let template = v.id::<TemplateId>("templateId", &template_id);
        let requested = ordered_ids::<CategoryId>(&mut v, &ids);
        let template = v.require(template)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                ops::reorder_categories(c, viewer, template, &requested).await
            })
            .await
    }

    /// Adds a step to a category, at `position` or at the end.
    async fn create_lifecycle_step(
        &self,
        ctx: &Context<'_>,
        input: CreateLifecycleStepInput,
    ) -> AppResult<LifecycleStep> {
        let input = Parsed::new(|v| input.validate(v));
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::create_step(c, viewer, input).await)
            .await
    }

    /// Renames a step or changes what reaching it means. The outcome of a step contacts
    /// stand on cannot change (their status would contradict it).
    async fn update_lifecycle_step(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLifecycleStepInput,
    ) -> AppResult<LifecycleStep> {
        let (id, input) = record_and_input::<StepId, _>(&id, |v| input.validate(v))?;
        let Parsed { value, problems } = input;
        problems.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::update_step(c, viewer, id, &value).await)
            .await
    }

    /// Deletes a step no contact stands on and no history refers to.
    async fn delete_lifecycle_step(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<StepId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::delete_step(c, viewer, id).await)
            .await?;
        Ok(id.to_id())
    }

    /// Puts a category's steps in the given order; `ids` must name each exactly once.
    async fn reorder_lifecycle_steps(
        &self,
        ctx: &Context<'_>,
        category_id: ID,
        ids: Vec<ID>,
    ) -> AppResult<LifecycleCategory> {
        let mut v = Validator::new();
        let category = v.id::<CategoryId>("categoryId", &category_id);
        let requested = ordered_ids::<StepId>(&mut v, &ids);
        let category = v.require(category)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::reorder_steps(c, viewer, category, &requested).await)
            .await
    }
}

/// The input of `moveContactToStep`.
#[derive(Debug, async_graphql::InputObject)]
pub struct MoveContactToStepInput {
    pub contact_id: ID,
    pub step_id: ID,
    /// Required by steps with `requiresReason`; it must fit the step's outcome and becomes the
    /// contact's reason code.
    pub reason_code_id: Option<ID>,
    pub note: Option<String>,
    pub expected_version: Option<i64>,
}

#[derive(Default)]
pub struct StageMutation;

#[Object]
impl StageMutation {
    /// Moves a contact to any step of its lifecycle, forward or backward. A WON or LOST step
    /// closes the contact, an OPEN step reopens it; the move is recorded in its history.
    async fn move_contact_to_step(
        &self,
        ctx: &Context<'_>,
        input: MoveContactToStepInput,
    ) -> AppResult<StageTransition> {
        let mut v = Validator::new();
        let contact = v.id::<ContactId>("contactId", &input.contact_id);
        let step = v.id::<StepId>("stepId", &input.step_id);
        let reason = v.optional_id::<ReasonCodeId>("reasonCodeId", input.reason_code_id.as_ref());
        let note = v.text("note", input.note.as_deref(), crate::validation::MAX_TEXT);
        let (contact, step) = (v.require(contact)?, v.require(step)?);
        v.finish()?;
        let request = Move {
            contact,
            step,
            reason,
            note,
            expected_version: input.expected_version,
        };
        let viewer = viewer(ctx);
        let moved = db(ctx)
            .transaction(async move |c| ops::move_to_step(c, viewer, request).await)
            .await?;
        publish(ctx, &moved);
        Ok(moved.transition)
    }

    /// Puts a contact on another lifecycle, at its first step (recorded in its history).
    async fn assign_contact_lifecycle(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        template_id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<Contact> {
        let mut v = Validator::new();
        let contact = v.id::<ContactId>("contactId", &contact_id);
        let template = v.id::<TemplateId>("templateId", &template_id);
        let (contact, template) = (v.require(contact)?, v.require(template)?);
        v.finish()?;
        let viewer = viewer(ctx);
        let (updated, moved) = db(ctx)
            .transaction(async move |c| {
                ops::assign(c, viewer, contact, template, expected_version).await
            })
            .await?;
        publish(ctx, &moved);
        Ok(updated)
    }
}

/// Announces a committed move to subscribers.
pub fn publish(ctx: &Context<'_>, moved: &Moved) {
    if let Some(events) = ctx.data_opt::<StageEvents>() {
        events.publish(StageEvent {
            transition: moved.transition.clone(),
            company_id: moved.company_id,
        });
    }
}

/// Live updates of the lifecycle.
#[derive(Default)]
pub struct StageSubscription;

#[async_graphql::Subscription]
impl StageSubscription {
    /// A stage transition each time one is committed, for contacts the viewer can see; with
    /// `companyId`, only for that company's contacts.
    async fn contact_stage_changed(
        &self,
        ctx: &Context<'_>,
        company_id: Option<ID>,
    ) -> async_graphql::Result<
        impl futures_util::Stream<Item = async_graphql::Result<StageTransition>> + use<>,
    > {
        let mut v = Validator::new();
        let company = v.optional_id::<crate::ids::CompanyId>("companyId", company_id.as_ref());
        v.finish()?;
        let viewer = viewer(ctx).clone();
        let receiver = ctx
            .data_opt::<StageEvents>()
            .map(StageEvents::subscribe)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no stage event channel")))?;
        let expires_at = viewer.expires_at;
        let events = tokio_stream::wrappers::BroadcastStream::new(receiver);
        let events = futures_util::StreamExt::filter_map(events, move |event| {
            let keep = event.ok().filter(|e| {
                viewer.sees(e.company_id) && company.is_none_or(|c| e.company_id == Some(c))
            });
            async move { keep.map(|e| Ok(e.transition)) }
        });
        Ok(until_expiry(events, expires_at))
    }
}

/// `events` until the credentials expire, then one UNAUTHENTICATED error that ends them.
fn until_expiry<S>(
    events: S,
    expires_at: Option<Timestamp>,
) -> futures_util::stream::BoxStream<'static, async_graphql::Result<StageTransition>>
where
    S: futures_util::Stream<Item = async_graphql::Result<StageTransition>> + Send + 'static,
{
    use futures_util::StreamExt as _;
    let Some(at) = expires_at else {
        return events.boxed();
    };
    let left = (at.0 - Timestamp::now().0).to_std().unwrap_or_default();
    let expired = futures_util::stream::once(async {
        Err(AppError::Unauthenticated("your credentials have expired; sign in again".into()).into())
    });
    events
        .take_until(tokio::time::sleep(left))
        .chain(expired)
        .boxed()
}

/// Ids in the order given (duplicates kept, so the reorder check can report them).
fn ordered_ids<T: TypedId>(v: &mut Validator, ids: &[ID]) -> Vec<T> {
    ids.iter()
        .enumerate()
        .filter_map(|(i, id)| v.id::<T>(&format!("ids[{i}]"), id))
        .collect()
}
