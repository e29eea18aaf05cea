//! The operations of the lifecycle: templates with their categories and steps, and the moves of
//! contacts along them. Each runs inside the caller's transaction.

use super::input::*;
use super::model::*;
use super::rules;
use super::store::{self, NewTransition};
use crate::company;
use crate::contacts::{self, Contact, Placement};
use crate::db::Conn;
use crate::error::{AppError, AppResult, ensure_unused, ensure_unused_elsewhere};
use crate::graphql::args::not_found;
use crate::ids::{CategoryId, CompanyId, ContactId, ReasonCodeId, StepId, TemplateId};
use crate::settings::{ConfigRecord, check_company, model::ReasonCode};
use crate::time::Timestamp;
use crate::validation::{Parsed, code};
use crate::viewer::Viewer;

// ---- templates --------------------------------------------------------------------------------

/// Creates a template with its whole path of categories and steps.
pub async fn create_template(
    c: &mut Conn,
    viewer: &Viewer,
    input: Parsed<TemplateTree>,
) -> AppResult<LifecycleTemplate> {
    let Parsed {
        value: tree,
        mut problems,
    } = input;
    let company = tree.template.company_id;
    viewer.may_configure(company)?;
    check_company(c, viewer, &mut problems, "companyId", company).await?;
    problems.finish()?;
    // Unmark the scope's old default first: the unique index allows one at a time.
    if tree.template.is_default {
        store::clear_default(c, company, None).await?;
    }
    store::insert_template_tree(c, &tree).await
}

/// Renames or re-scopes a template, or makes it its scope's default.
pub async fn update_template(
    c: &mut Conn,
    viewer: &Viewer,
    id: TemplateId,
    input: Parsed<TemplateChanges>,
) -> AppResult<LifecycleTemplate> {
    let Parsed {
        value: changes,
        mut problems,
    } = input;
    let current = store::find_template(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    viewer.may_configure(current.company_id)?;
    if let Some(company) = changes.company_id {
        viewer.may_configure(company)?;
        check_company(c, viewer, &mut problems, "companyId", company).await?;
    }
    problems.finish()?;
    if let Some(Some(company)) = changes.company_id {
        let usage = store::template_usage(c, id, Some(company)).await?;
        ensure_unused_elsewhere("lifecycle template", usage)?;
    }
    // A default (new, or moving scope) first unmarks its scope's old default: the unique
    // index allows one at a time.
    if changes.is_default.unwrap_or(current.is_default) {
        let scope = changes.company_id.unwrap_or(current.company_id);
        store::clear_default(c, scope, Some(id)).await?;
    }
    store::update_template(c, id, &changes).await
}

/// Deletes a template no contact stands on and no history refers to.
pub async fn delete_template(c: &mut Conn, viewer: &Viewer, id: TemplateId) -> AppResult<()> {
    may_configure_template(c, viewer, id).await?;
    ensure_unused(
        "lifecycle template",
        store::template_usage(c, id, None).await?,
    )?;
    store::delete_template(c, id).await
}

/// Whether the viewer may change `template`'s path (a template it cannot see is not found).
async fn may_configure_template(
    c: &mut Conn,
    viewer: &Viewer,
    template: TemplateId,
) -> AppResult<()> {
    let found = store::find_template(c, viewer, template)
        .await?
        .ok_or_else(|| not_found(template))?;
    viewer.may_configure(found.company_id)
}

// ---- categories -------------------------------------------------------------------------------

/// Adds a category to a template, at its position or at the end.
pub async fn create_category(
    c: &mut Conn,
    viewer: &Viewer,
    input: Parsed<CategoryDraft>,
) -> AppResult<LifecycleCategory> {
    let Parsed {
        value: draft,
        mut problems,
    } = input;
    if let Some(template) = draft.template {
        match store::find_template(c, viewer, template).await? {
            Some(found) => viewer.may_configure(found.company_id)?,
            None => problems.push("templateId", code::NOT_FOUND, "no such lifecycle template"),
        }
    }
    let template = problems.require(draft.template)?;
    problems.finish()?;
    let mut siblings = store::category_ids_of_template(c, template).await?;
    let now = Timestamp::now();
    let category = store::insert_category(
        c,
        &NewCategory {
            template_id: template,
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
        .ok_or_else(|| not_found(category.id))
}

pub async fn update_category(
    c: &mut Conn,
    viewer: &Viewer,
    id: CategoryId,
    changes: &CategoryChanges,
) -> AppResult<LifecycleCategory> {
    let category = store::find_category(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    may_configure_template(c, viewer, category.template_id).await?;
    store::update_category(c, id, changes).await
}

/// Deletes a category with its steps, unless contacts stand on them or history refers to them.
pub async fn delete_category(c: &mut Conn, viewer: &Viewer, id: CategoryId) -> AppResult<()> {
    let category = store::find_category(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    may_configure_template(c, viewer, category.template_id).await?;
    let steps = store::step_ids_of_category(c, id).await?;
    ensure_unused("lifecycle category", store::steps_usage(c, &steps).await?)?;
    store::delete_category(c, id).await?;
    let remaining = store::category_ids_of_template(c, category.template_id).await?;
    store::set_category_positions(c, &remaining).await
}

/// Puts a template's categories in the given order; `ids` must name each exactly once.
pub async fn reorder_categories(
    c: &mut Conn,
    viewer: &Viewer,
    template: TemplateId,
    ids: &[CategoryId],
) -> AppResult<LifecycleTemplate> {
    let found = store::find_template(c, viewer, template)
        .await?
        .ok_or_else(|| not_found(template))?;
    viewer.may_configure(found.company_id)?;
    let current = store::category_ids_of_template(c, template).await?;
    rules::check_reorder(&current, ids)
        .map_err(|message| AppError::field("ids", code::INVALID, message))?;
    store::set_category_positions(c, ids).await?;
    // "Further along the path" changed: progress follows the new order.
    store::rebuild_progress(c, template).await?;
    Ok(found)
}

// ---- steps ------------------------------------------------------------------------------------

/// Adds a step to a category, at its position or at the end.
pub async fn create_step(
    c: &mut Conn,
    viewer: &Viewer,
    input: Parsed<StepDraft>,
) -> AppResult<LifecycleStep> {
    let Parsed {
        value: draft,
        mut problems,
    } = input;
    if let Some(category) = draft.category {
        match store::find_category(c, viewer, category).await? {
            Some(found) => may_configure_template(c, viewer, found.template_id).await?,
            None => problems.push("categoryId", code::NOT_FOUND, "no such lifecycle category"),
        }
    }
    let category = problems.require(draft.category)?;
    problems.finish()?;
    let mut siblings = store::step_ids_of_category(c, category).await?;
    let step = store::insert_step(
        c,
        category,
        &NewStep {
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
        .ok_or_else(|| not_found(step.id))
}

/// Renames a step or changes what reaching it means. The outcome of a step contacts stand on
/// cannot change (their status would contradict it).
pub async fn update_step(
    c: &mut Conn,
    viewer: &Viewer,
    id: StepId,
    changes: &StepChanges,
) -> AppResult<LifecycleStep> {
    let step = store::find_step(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let template = store::template_of_step(c, id).await?;
    may_configure_template(c, viewer, template).await?;
    if changes
        .outcome
        .is_some_and(|outcome| outcome != step.outcome)
    {
        let usage = store::steps_usage(c, &[id]).await?;
        if let Some(standing) = usage.iter().find(|u| u.kind == "contacts") {
            return Err(AppError::Conflict(format!(
                "{} contacts stand on this step; move them before changing its outcome",
                standing.count
            )));
        }
    }
    let updated = store::update_step(c, id, changes).await?;
    // Lost steps are exits, not progress: crossing that line changes every contact's furthest
    // step along this path.
    if (step.outcome == StepOutcome::Lost) != (updated.outcome == StepOutcome::Lost) {
        let template = store::template_of_step(c, id).await?;
        store::rebuild_progress(c, template).await?;
    }
    Ok(updated)
}

/// Deletes a step no contact stands on and no history refers to.
pub async fn delete_step(c: &mut Conn, viewer: &Viewer, id: StepId) -> AppResult<()> {
    let step = store::find_step(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let template = store::template_of_step(c, id).await?;
    may_configure_template(c, viewer, template).await?;
    ensure_unused("lifecycle step", store::steps_usage(c, &[id]).await?)?;
    store::delete_step(c, id).await?;
    let remaining = store::step_ids_of_category(c, step.category_id).await?;
    store::set_step_positions(c, &remaining).await
}

/// Puts a category's steps in the given order; `ids` must name each exactly once.
pub async fn reorder_steps(
    c: &mut Conn,
    viewer: &Viewer,
    category: CategoryId,
    ids: &[StepId],
) -> AppResult<LifecycleCategory> {
    let found = store::find_category(c, viewer, category)
        .await?
        .ok_or_else(|| not_found(category))?;
    may_configure_template(c, viewer, found.template_id).await?;
    let current = store::step_ids_of_category(c, category).await?;
    rules::check_reorder(&current, ids)
        .map_err(|message| AppError::field("ids", code::INVALID, message))?;
    store::set_step_positions(c, ids).await?;
    // "Further along the path" changed: progress follows the new order.
    store::rebuild_progress(c, found.template_id).await?;
    Ok(found)
}

// ---- moves ------------------------------------------------------------------------------------

/// A committed move, with the company of its contact (for subscribers' scopes).
pub struct Moved {
    pub transition: StageTransition,
    pub company_id: Option<CompanyId>,
}

/// Where a new contact of `company` starts: on `template` (else its company's default
/// lifecycle, else the tenant-wide one), at the template's first step if it has steps.
pub async fn starting_point(
    c: &mut Conn,
    company: Option<CompanyId>,
    template: Option<TemplateId>,
) -> AppResult<(Option<TemplateId>, Option<LifecycleStep>)> {
    let template = match template {
        Some(t) => Some(t),
        None => store::default_template(c, company).await?,
    };
    let first = match template {
        Some(t) => store::first_step(c, t).await?,
        None => None,
    };
    Ok((template, first))
}

/// Puts a contact on the first step of `template` and records the move in its history; `None`
/// when the template has no steps.
pub async fn place_on_first_step(
    c: &mut Conn,
    viewer: &Viewer,
    contact: &Contact,
    template: TemplateId,
) -> AppResult<Option<(Contact, Moved)>> {
    let Some(first) = store::first_step(c, template).await? else {
        return Ok(None);
    };
    if contact.current_step_id == Some(first.id) {
        return Err(AppError::InvalidStageTransition(
            "the contact already stands at the start of this lifecycle".into(),
        ));
    }
    place(c, viewer, contact, &first, Some(template), None, None)
        .await
        .map(Some)
}

/// Puts a contact on another lifecycle, at its first step (recorded in its history).
pub async fn assign(
    c: &mut Conn,
    viewer: &Viewer,
    contact: ContactId,
    template: TemplateId,
    expected_version: Option<i64>,
) -> AppResult<(Contact, Moved)> {
    let current = contacts::ops::lock(c, viewer, contact, expected_version).await?;
    let found = store::find_template(c, viewer, template)
        .await?
        .ok_or_else(|| {
            AppError::field("templateId", code::NOT_FOUND, "no such lifecycle template")
        })?;
    if !company::may_use(found.company_id, current.company_id) {
        return Err(other_company("templateId", "lifecycle template"));
    }
    place_on_first_step(c, viewer, &current, template)
        .await?
        .ok_or_else(|| AppError::InvalidStageTransition("the lifecycle has no steps".into()))
}

/// A requested move of a contact to a step.
pub struct Move {
    pub contact: ContactId,
    pub step: StepId,
    pub reason: Option<ReasonCodeId>,
    pub note: Option<String>,
    pub expected_version: Option<i64>,
}

/// Moves a contact to any step of its lifecycle, forward or backward. A WON or LOST step closes
/// the contact, an OPEN step reopens it; the move is recorded in its history.
pub async fn move_to_step(c: &mut Conn, viewer: &Viewer, input: Move) -> AppResult<Moved> {
    let current = contacts::ops::lock(c, viewer, input.contact, input.expected_version).await?;
    let target = store::find_step(c, viewer, input.step)
        .await?
        .ok_or_else(|| AppError::field("stepId", code::NOT_FOUND, "no such lifecycle step"))?;
    let reason = match input.reason {
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
    let reason = reason.map(|r| r.id);
    let (_, moved) = place(c, viewer, &current, &target, None, reason, input.note).await?;
    Ok(moved)
}

/// Puts a contact on `step` now (and on `template`, when it changes lifecycle) with the status
/// the step means, gives it `reason` (else it keeps its reason code), and records the move.
async fn place(
    c: &mut Conn,
    viewer: &Viewer,
    contact: &Contact,
    step: &LifecycleStep,
    template: Option<TemplateId>,
    reason: Option<ReasonCodeId>,
    note: Option<String>,
) -> AppResult<(Contact, Moved)> {
    let at = Timestamp::now();
    let placement = Placement {
        lifecycle_template_id: template.map(Some),
        current_step_id: step.id,
        status: step.outcome.into(),
        stage_changed_at: at,
        reason_code_id: reason.map(Some),
    };
    let placed = contacts::place_on_step(c, contact.id, &placement).await?;
    let entry = NewTransition {
        reason_code_id: reason,
        note,
        ..NewTransition::new(
            contact.id,
            contact.current_step_id,
            step.id,
            viewer.user_id,
            at,
        )
    };
    let moved = record(c, &entry, placed.company_id).await?;
    Ok((placed, moved))
}

/// Appends a move to the history.
async fn record(
    c: &mut Conn,
    entry: &NewTransition,
    company_id: Option<CompanyId>,
) -> AppResult<Moved> {
    let transition = store::insert_transition(c, entry).await?;
    Ok(Moved {
        transition,
        company_id,
    })
}

/// A reason code the contact may be given: visible, of its company or tenant-wide, not archived.
async fn check_reason(
    c: &mut Conn,
    viewer: &Viewer,
    id: ReasonCodeId,
    company: Option<CompanyId>,
) -> AppResult<ReasonCode> {
    let reason = ReasonCode::find(c, viewer, id)
        .await?
        .ok_or_else(|| AppError::field("reasonCodeId", code::NOT_FOUND, "no such reason code"))?;
    if !company::may_use(reason.company_id, company) {
        return Err(other_company("reasonCodeId", "reason code"));
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

/// The contact may not use this `what` of another company (`path` names it).
fn other_company(path: &str, what: &str) -> AppError {
    let (field_code, message) = company::wrong_company(what);
    AppError::field(path, field_code, message)
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
