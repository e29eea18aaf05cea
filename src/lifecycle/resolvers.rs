//! GraphQL queries and mutations of lifecycle templates, categories and steps.

use async_graphql::{Context, ID, Object};

use super::events::{StageEvent, StageEvents};
use super::funnel::{self, FunnelStep, LifecycleFunnelFilter};
use super::input::*;
use super::model::*;
use super::{rules, store};
use crate::contacts::input::Placement;
use crate::contacts::model::{Contact, ContactStatus};
use crate::contacts::store as contacts_store;
use crate::error::{AppError, AppResult};
use crate::graphql::context::{db, viewer};
use crate::ids::{CategoryId, CompanyId, ContactId, ReasonCodeId, StepId, TemplateId, TypedId};
use crate::settings::resolvers::{
    check_company, ensure_unused, ensure_unused_elsewhere, list_scope, not_found, record_id,
};
use crate::settings::store as settings_store;
use crate::time::Timestamp;
use crate::validation::{Validator, code};

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
                let found = store::find_template(&mut conn, viewer, id.get()).await?;
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
        let steps: Vec<LifecycleStep> = super::loaders::path_of(ctx, TemplateId(template.id))
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
                    let (count, _) = stays.get(&step.id)?;
                    let (offset, middle) = funnel::middle_of(*count)?;
                    Some((step.id, offset, middle))
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
        let mut v = Validator::new();
        let tree = input.validate(&mut v);
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let company = tree.template.company_id;
                check_company(c, viewer, &mut v, "companyId", company).await?;
                v.finish()?;
                // Unmark the scope's old default first: the unique index allows one at a time.
                if tree.template.is_default {
                    store::clear_default(c, company, None).await?;
                }
                store::insert_template_tree(c, &tree).await
            })
            .await
    }

    /// Renames or re-scopes a template, or makes it its scope's default.
    async fn update_lifecycle_template(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLifecycleTemplateInput,
    ) -> AppResult<LifecycleTemplate> {
        let mut v = Validator::new();
        let id = v.id::<TemplateId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = store::find_template(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                if let Some(company) = changes.company_id {
                    check_company(c, viewer, &mut v, "companyId", company).await?;
                }
                v.finish()?;
                if let Some(Some(company)) = changes.company_id {
                    let usage = store::template_usage(c, id.0, Some(company)).await?;
                    ensure_unused_elsewhere("lifecycle template", usage)?;
                }
                // A default (new, or moving scope) first unmarks its scope's old default:
                // the unique index allows one at a time.
                if changes.is_default.unwrap_or(current.is_default) {
                    let scope = changes.company_id.unwrap_or(current.company_id);
                    store::clear_default(c, scope, Some(id.0)).await?;
                }
                store::update_template(c, id.0, &changes).await
            })
            .await
    }

    /// Deletes a template no contact stands on and no history refers to.
    async fn delete_lifecycle_template(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<TemplateId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_template(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                ensure_unused(
                    "lifecycle template",
                    store::template_usage(c, id.0, None).await?,
                )?;
                store::delete_template(c, id.0).await?;
                Ok(id.to_id())
            })
            .await
    }

    /// Adds a category to a template, at `position` or at the end.
    async fn create_lifecycle_category(
        &self,
        ctx: &Context<'_>,
        input: CreateLifecycleCategoryInput,
    ) -> AppResult<LifecycleCategory> {
        let mut v = Validator::new();
        let draft = input.validate(&mut v);
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                if let Some(template) = draft.template
                    && store::find_template(c, viewer, template.0).await?.is_none()
                {
                    v.push("templateId", code::NOT_FOUND, "no such lifecycle template");
                }
                let template = v.require(draft.template)?;
                v.finish()?;
                let mut siblings = store::category_ids_of_template(c, template.0).await?;
                let now = Timestamp::now();
                let category = store::insert_category(
                    c,
                    &NewCategory {
                        template_id: template.0,
                        name: draft.name,
                        position: i32::try_from(siblings.len()).unwrap_or(i32::MAX),
                        created_at: now,
                        updated_at: now,
                    },
                )
                .await?;
                let at = rules::insert_position(draft.position, siblings.len());
                siblings.insert(usize::try_from(at).unwrap_or(0), category.id);
                store::set_category_positions(c, &siblings).await?;
                store::find_category(c, viewer, category.id)
                    .await?
                    .ok_or_else(|| not_found(CategoryId(category.id)))
            })
            .await
    }

    async fn update_lifecycle_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLifecycleCategoryInput,
    ) -> AppResult<LifecycleCategory> {
        let mut v = Validator::new();
        let id = v.id::<CategoryId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                store::find_category(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                store::update_category(c, id.0, &changes).await
            })
            .await
    }

    /// Deletes a category with its steps, unless contacts stand on them or history refers
    /// to them.
    async fn delete_lifecycle_category(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<CategoryId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let category = store::find_category(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                let steps = store::step_ids_of_category(c, id.0).await?;
                ensure_unused("lifecycle category", store::steps_usage(c, &steps).await?)?;
                store::delete_category(c, id.0).await?;
                let remaining = store::category_ids_of_template(c, category.template_id).await?;
                store::set_category_positions(c, &remaining).await?;
                Ok(id.to_id())
            })
            .await
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
        let requested: Vec<i64> = ordered_ids::<CategoryId>(&mut v, &ids);
        let template = v.require(template)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let found = store::find_template(c, viewer, template.0)
                    .await?
                    .ok_or_else(|| not_found(template))?;
                let current = store::category_ids_of_template(c, template.0).await?;
                rules::check_reorder(&current, &requested)
                    .map_err(|message| AppError::field("ids", code::INVALID, message))?;
                store::set_category_positions(c, &requested).await?;
                // "Further along the path" changed: progress follows the new order.
                store::rebuild_progress(c, template.0).await?;
                Ok(found)
            })
            .await
    }

    /// Adds a step to a category, at `position` or at the end.
    async fn create_lifecycle_step(
        &self,
        ctx: &Context<'_>,
        input: CreateLifecycleStepInput,
    ) -> AppResult<LifecycleStep> {
        let mut v = Validator::new();
        let draft = input.validate(&mut v);
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                if let Some(category) = draft.category
                    && store::find_category(c, viewer, category.0).await?.is_none()
                {
                    v.push("categoryId", code::NOT_FOUND, "no such lifecycle category");
                }
                let category = v.require(draft.category)?;
                v.finish()?;
                let mut siblings = store::step_ids_of_category(c, category.0).await?;
                let step = store::insert_step(
                    c,
                    &NewStep {
                        category_id: category.0,
                        position: i32::try_from(siblings.len()).unwrap_or(i32::MAX),
                        ..draft.step
                    },
                )
                .await?;
                let at = rules::insert_position(draft.position, siblings.len());
                siblings.insert(usize::try_from(at).unwrap_or(0), step.id);
                store::set_step_positions(c, &siblings).await?;
                store::find_step(c, viewer, step.id)
                    .await?
                    .ok_or_else(|| not_found(StepId(step.id)))
            })
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
        let mut v = Validator::new();
        let id = v.id::<StepId>("id", &id);
        let changes = input.validate(&mut v);
        let id = v.require(id)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let step = store::find_step(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                if changes
                    .outcome
                    .is_some_and(|outcome| outcome != step.outcome)
                {
                    let usage = store::steps_usage(c, &[id.0]).await?;
                    if let Some(standing) = usage.iter().find(|u| u.kind == "contacts") {
                        return Err(AppError::Conflict(format!(
                            "{} contacts stand on this step; move them before changing its outcome",
                            standing.count
                        )));
                    }
                }
                let updated = store::update_step(c, id.0, &changes).await?;
                // Lost steps are exits, not progress: crossing that line changes every
                // contact's furthest step along this path.
                if (step.outcome == StepOutcome::Lost) != (updated.outcome == StepOutcome::Lost) {
                    let template = store::template_of_step(c, id.0).await?;
                    store::rebuild_progress(c, template).await?;
                }
                Ok(updated)
            })
            .await
    }

    /// Deletes a step no contact stands on and no history refers to.
    async fn delete_lifecycle_step(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<StepId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let step = store::find_step(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                ensure_unused("lifecycle step", store::steps_usage(c, &[id.0]).await?)?;
                store::delete_step(c, id.0).await?;
                let remaining = store::step_ids_of_category(c, step.category_id).await?;
                store::set_step_positions(c, &remaining).await?;
                Ok(id.to_id())
            })
            .await
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
        let requested: Vec<i64> = ordered_ids::<StepId>(&mut v, &ids);
        let category = v.require(category)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let found = store::find_category(c, viewer, category.0)
                    .await?
                    .ok_or_else(|| not_found(category))?;
                let current = store::step_ids_of_category(c, category.0).await?;
                rules::check_reorder(&current, &requested)
                    .map_err(|message| AppError::field("ids", code::INVALID, message))?;
                store::set_step_positions(c, &requested).await?;
                // "Further along the path" changed: progress follows the new order.
                store::rebuild_progress(c, found.template_id).await?;
                Ok(found)
            })
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
        let viewer = viewer(ctx);
        let (transition, company_id) = db(ctx)
            .transaction(async move |c| {
                let current = lock_contact(c, viewer, contact, input.expected_version).await?;
                let target = store::find_step(c, viewer, step.0).await?.ok_or_else(|| {
                    AppError::field("stepId", code::NOT_FOUND, "no such lifecycle step")
                })?;
                let reason = match reason {
                    Some(id) => Some(check_reason(c, viewer, id, current.company_id).await?),
                    None => None,
                };
                let facts = rules::MoveFacts {
                    contact_template: current.lifecycle_template_id,
                    current_step: current.current_step_id,
                    target_template: store::template_of_step(c, target.id).await?,
                    target_step: target.id,
                    target_outcome: target.outcome,
                    requires_reason: target.requires_reason,
                    reason: reason.as_ref().map(|r| r.outcome),
                };
                rules::check_move(&facts).map_err(|refusal| refusal_error(refusal, &target))?;
                let now = Timestamp::now();
                contacts_store::place_on_step(
                    c,
                    current.id,
                    &Placement {
                        lifecycle_template_id: None,
                        current_step_id: Some(target.id),
                        status: status_of(target.outcome),
                        stage_changed_at: Some(now),
                        reason_code_id: reason.as_ref().map(|r| Some(r.id)),
                    },
                )
                .await?;
                let transition = store::insert_transition(
                    c,
                    &store::NewTransition {
                        reason_code_id: reason.map(|r| r.id),
                        note,
                        ..store::NewTransition::new(
                            current.id,
                            current.current_step_id,
                            target.id,
                            viewer.user_id,
                            now,
                        )
                    },
                )
                .await?;
                Ok((transition, current.company_id))
            })
            .await?;
        publish(ctx, &transition, company_id);
        Ok(transition)
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
        let (updated, transition) = db(ctx)
            .transaction(async move |c| {
                let current = lock_contact(c, viewer, contact, expected_version).await?;
                let found = store::find_template(c, viewer, template.0)
                    .await?
                    .ok_or_else(|| {
                        AppError::field("templateId", code::NOT_FOUND, "no such lifecycle template")
                    })?;
                if found.company_id.is_some() && found.company_id != current.company_id {
                    return Err(AppError::field(
                        "templateId",
                        code::WRONG_COMPANY,
                        "this lifecycle template belongs to another company than the contact",
                    ));
                }
                let first = store::first_step(c, template.0).await?.ok_or_else(|| {
                    AppError::InvalidStageTransition("the lifecycle has no steps".into())
                })?;
                if current.current_step_id == Some(first.id) {
                    return Err(AppError::InvalidStageTransition(
                        "the contact already stands at the start of this lifecycle".into(),
                    ));
                }
                let now = Timestamp::now();
                let updated = contacts_store::place_on_step(
                    c,
                    current.id,
                    &Placement {
                        lifecycle_template_id: Some(Some(template.0)),
                        current_step_id: Some(first.id),
                        status: status_of(first.outcome),
                        stage_changed_at: Some(now),
                        reason_code_id: None,
                    },
                )
                .await?;
                let transition = store::insert_transition(
                    c,
                    &store::NewTransition::new(
                        current.id,
                        current.current_step_id,
                        first.id,
                        viewer.user_id,
                        now,
                    ),
                )
                .await?;
                Ok((updated, transition))
            })
            .await?;
        publish(ctx, &transition, updated.company_id);
        Ok(updated)
    }
}

/// Bumps the version of a contact the viewer can see (locking its row until commit, so
/// concurrent moves queue) and returns it; a stale `expected` is `VERSION_CONFLICT`.
async fn lock_contact(
    c: &mut crate::db::Conn,
    viewer: &crate::viewer::Viewer,
    contact: ContactId,
    expected: Option<i64>,
) -> AppResult<Contact> {
    let current = contacts_store::touch_contact(c, contact.0, expected)
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => not_found(contact),
            other => other,
        })?;
    if !viewer.sees(current.company_id) {
        return Err(not_found(contact));
    }
    Ok(current)
}

/// Announces a committed transition to subscribers.
pub fn publish(ctx: &Context<'_>, transition: &StageTransition, company_id: Option<i64>) {
    if let Some(events) = ctx.data_opt::<StageEvents>() {
        events.publish(StageEvent {
            transition: transition.clone(),
            company_id,
        });
    }
}

/// The status a contact has on a step of this outcome.
pub fn status_of(outcome: StepOutcome) -> ContactStatus {
    match outcome {
        StepOutcome::Open => ContactStatus::Open,
        StepOutcome::Won => ContactStatus::Won,
        StepOutcome::Lost => ContactStatus::Lost,
    }
}

async fn check_reason(
    c: &mut crate::db::Conn,
    viewer: &crate::viewer::Viewer,
    id: ReasonCodeId,
    company: Option<i64>,
) -> AppResult<crate::settings::model::ReasonCode> {
    let reason = settings_store::find_reason_code(c, viewer, id.0)
        .await?
        .ok_or_else(|| AppError::field("reasonCodeId", code::NOT_FOUND, "no such reason code"))?;
    if reason.company_id.is_some() && reason.company_id != company {
        return Err(AppError::field(
            "reasonCodeId",
            code::WRONG_COMPANY,
            "this reason code belongs to another company than the contact",
        ));
    }
    if reason.archived {
        return Err(AppError::field(
            "reasonCodeId",
            code::ARCHIVED,
            "is archived and cannot be chosen",
        ));
    }
    Ok(reason)
}

fn refusal_error(refusal: rules::MoveRefusal, target: &LifecycleStep) -> AppError {
    match refusal {
        rules::MoveRefusal::OtherTemplate => AppError::InvalidStageTransition(
            "the step belongs to another lifecycle than the contact's".into(),
        ),
        rules::MoveRefusal::SameStep => {
            AppError::InvalidStageTransition("the contact already stands on this step".into())
        }
        rules::MoveRefusal::ReasonRequired => {
            AppError::ReasonRequired(format!("moving to {} needs a reason code", target.name))
        }
        rules::MoveRefusal::ReasonDoesNotFit => AppError::field(
            "reasonCodeId",
            code::INVALID,
            format!(
                "explains another outcome than {} ({})",
                target.name,
                target.outcome.as_str()
            ),
        ),
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
    ) -> async_graphql::Result<impl futures_util::Stream<Item = StageTransition> + use<>> {
        let mut v = Validator::new();
        let company = v.optional_id::<crate::ids::CompanyId>("companyId", company_id.as_ref());
        v.finish()?;
        let viewer = viewer(ctx).clone();
        let receiver = ctx
            .data_opt::<StageEvents>()
            .map(StageEvents::subscribe)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no stage event channel")))?;
        let events = tokio_stream::wrappers::BroadcastStream::new(receiver);
        Ok(futures_util::StreamExt::filter_map(events, move |event| {
            let keep = event.ok().filter(|e| {
                viewer.sees(e.company_id) && company.is_none_or(|c| e.company_id == Some(c.0))
            });
            async move { keep.map(|e| e.transition) }
        }))
    }
}

/// Ids in the order given (duplicates kept, so the reorder check can report them).
fn ordered_ids<T: TypedId>(v: &mut Validator, ids: &[ID]) -> Vec<i64> {
    ids.iter()
        .enumerate()
        .filter_map(|(i, id)| v.id::<T>(&format!("ids[{i}]"), id).map(TypedId::get))
        .collect()
}
