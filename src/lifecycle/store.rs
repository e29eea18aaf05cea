//! SQL of the lifecycle tables. Categories and steps are visible through their template.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::input::*;
use super::model::*;
use crate::db::Conn;
use crate::db::raw::{self, Sql};
use crate::db::schema::{
    contacts, lifecycle_categories, lifecycle_monthly_progress, lifecycle_progress,
    lifecycle_steps, lifecycle_templates, stage_transitions,
};
use crate::db::scope::ListScope;
use crate::error::{AppResult, Usage};
use crate::ids::{
    CategoryId, CompanyId, ContactId, ReasonCodeId, StepId, TemplateId, TransitionId, UserId,
};
use crate::time::Timestamp;
use crate::viewer::Viewer;
use crate::{listed, outside_company, visible, with_conn};

fn usage(kind: &'static str, count: i64) -> Option<Usage> {
    (count > 0).then_some(Usage { kind, count })
}

pub async fn list_templates(
    conn: &mut Conn,
    viewer: &Viewer,
    list: &ListScope,
) -> AppResult<Vec<LifecycleTemplate>> {
    Ok(with_conn!(conn, |c| lifecycle_templates::table
        .filter(visible!(lifecycle_templates::company_id, viewer))
        .filter(listed!(lifecycle_templates::company_id, list))
        .order((lifecycle_templates::name, lifecycle_templates::id))
        .select(LifecycleTemplate::as_select())
        .load(c)
        .await)?)
}

pub async fn templates_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[TemplateId],
) -> AppResult<Vec<LifecycleTemplate>> {
    Ok(with_conn!(conn, |c| lifecycle_templates::table
        .filter(lifecycle_templates::id.eq_any(ids))
        .filter(visible!(lifecycle_templates::company_id, viewer))
        .select(LifecycleTemplate::as_select())
        .load(c)
        .await)?)
}

pub async fn find_template(
    conn: &mut Conn,
    viewer: &Viewer,
    id: TemplateId,
) -> AppResult<Option<LifecycleTemplate>> {
    Ok(templates_by_ids(conn, viewer, &[id]).await?.pop())
}

/// Categories of visible templates, in path order.
pub async fn categories_of_templates(
    conn: &mut Conn,
    viewer: &Viewer,
    template_ids: &[TemplateId],
) -> AppResult<Vec<LifecycleCategory>> {
    Ok(with_conn!(conn, |c| lifecycle_categories::table
        .inner_join(lifecycle_templates::table)
        .filter(lifecycle_categories::template_id.eq_any(template_ids))
        .filter(visible!(lifecycle_templates::company_id, viewer))
        .order((
            lifecycle_categories::template_id,
            lifecycle_categories::position,
            lifecycle_categories::id,
        ))
        .select(LifecycleCategory::as_select())
        .load(c)
        .await)?)
}

/// Steps of visible categories, in path order.
pub async fn steps_of_categories(
    conn: &mut Conn,
    viewer: &Viewer,
    category_ids: &[CategoryId],
) -> AppResult<Vec<LifecycleStep>> {
    Ok(with_conn!(conn, |c| lifecycle_steps::table
        .inner_join(lifecycle_categories::table.inner_join(lifecycle_templates::table))
        .filter(lifecycle_steps::category_id.eq_any(category_ids))
        .filter(visible!(lifecycle_templates::company_id, viewer))
        .order((
            lifecycle_steps::category_id,
            lifecycle_steps::position,
            lifecycle_steps::id,
        ))
        .select(LifecycleStep::as_select())
        .load(c)
        .await)?)
}

pub async fn categories_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[CategoryId],
) -> AppResult<Vec<LifecycleCategory>> {
    Ok(with_conn!(conn, |c| lifecycle_categories::table
        .inner_join(lifecycle_templates::table)
        .filter(lifecycle_categories::id.eq_any(ids))
        .filter(visible!(lifecycle_templates::company_id, viewer))
        .select(LifecycleCategory::as_select())
        .load(c)
        .await)?)
}

pub async fn find_category(
    conn: &mut Conn,
    viewer: &Viewer,
    id: CategoryId,
) -> AppResult<Option<LifecycleCategory>> {
    Ok(categories_by_ids(conn, viewer, &[id]).await?.pop())
}

pub async fn steps_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[StepId],
) -> AppResult<Vec<LifecycleStep>> {
    Ok(with_conn!(conn, |c| lifecycle_steps::table
        .inner_join(lifecycle_categories::table.inner_join(lifecycle_templates::table))
        .filter(lifecycle_steps::id.eq_any(ids))
        .filter(visible!(lifecycle_templates::company_id, viewer))
        .select(LifecycleStep::as_select())
        .load(c)
        .await)?)
}

pub async fn find_step(
    conn: &mut Conn,
    viewer: &Viewer,
    id: StepId,
) -> AppResult<Option<LifecycleStep>> {
    Ok(steps_by_ids(conn, viewer, &[id]).await?.pop())
}

/// Inserts a template with its categories and steps, row by row (multi-row inserts do not
/// compile on the async SQLite wrapper).
pub async fn insert_template_tree(
    conn: &mut Conn,
    tree: &TemplateTree,
) -> AppResult<LifecycleTemplate> {
    let template = with_conn!(conn, |c| diesel::insert_into(lifecycle_templates::table)
        .values(&tree.template)
        .returning(LifecycleTemplate::as_returning())
        .get_result(c)
        .await)?;
    for (position, (name, steps)) in tree.categories.iter().enumerate() {
        let category = insert_category(
            conn,
            &NewCategory {
                template_id: template.id,
                name: name.clone(),
                position: i32::try_from(position).unwrap_or(i32::MAX),
                created_at: template.created_at,
                updated_at: template.created_at,
            },
        )
        .await?;
        for step in steps {
            insert_step(conn, category.id, step).await?;
        }
    }
    Ok(template)
}

pub async fn update_template(
    conn: &mut Conn,
    id: TemplateId,
    changes: &TemplateChanges,
) -> AppResult<LifecycleTemplate> {
    Ok(with_conn!(conn, |c| diesel::update(
        lifecycle_templates::table.find(id)
    )
    .set(changes)
    .returning(LifecycleTemplate::as_returning())
    .get_result(c)
    .await)?)
}

/// Unmarks the default template of a scope (`None` = tenant-wide), except `except`.
pub async fn clear_default(
    conn: &mut Conn,
    company_id: Option<CompanyId>,
    except: Option<TemplateId>,
) -> AppResult<()> {
    let except = except.map_or(0, |t| t.0);
    let (tenant_wide, company) = (company_id.is_none(), company_id.map_or(0, |c| c.0));
    with_conn!(conn, |c| diesel::update(
        lifecycle_templates::table
            .filter(lifecycle_templates::is_default.eq(true))
            .filter(lifecycle_templates::id.ne(except))
            .filter(
                lifecycle_templates::company_id
                    .eq(company)
                    .or(lifecycle_templates::company_id.is_null().and(
                        diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(tenant_wide)
                    ))
            )
    )
    .set((
        lifecycle_templates::is_default.eq(false),
        lifecycle_templates::updated_at.eq(Timestamp::now()),
    ))
    .execute(c)
    .await)?;
    Ok(())
}

pub async fn delete_template(conn: &mut Conn, id: TemplateId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(
        lifecycle_templates::table.find(id)
    )
    .execute(c)
    .await)?;
    Ok(())
}

/// Contacts on the template (with `outside`: of other companies) and, unless `outside` is
/// given, history entries that refer to its steps.
pub async fn template_usage(
    conn: &mut Conn,
    id: TemplateId,
    outside: Option<CompanyId>,
) -> AppResult<Vec<Usage>> {
    let (only_outside, company) = (outside.is_some(), outside.map_or(0, |c| c.0));
    let on_template = with_conn!(conn, |c| contacts::table
        .filter(contacts::lifecycle_template_id.eq(id))
        .filter(outside_company!(
            contacts::company_id,
            only_outside,
            company
        ))
        .select(count_star())
        .get_result::<i64>(c)
        .await)?;
    let history = if only_outside {
        0
    } else {
        let steps = step_ids_of_template(conn, id).await?;
        history_count(conn, &steps).await?
    };
    Ok(usage("contacts", on_template)
        .into_iter()
        .chain(usage("stage transitions", history))
        .collect())
}

/// Contacts standing on any of `step_ids`, and history entries from or to them.
pub async fn steps_usage(conn: &mut Conn, step_ids: &[StepId]) -> AppResult<Vec<Usage>> {
    let standing = with_conn!(conn, |c| contacts::table
        .filter(contacts::current_step_id.eq_any(step_ids))
        .select(count_star())
        .get_result::<i64>(c)
        .await)?;
    let history = history_count(conn, step_ids).await?;
    Ok(usage("contacts", standing)
        .into_iter()
        .chain(usage("stage transitions", history))
        .collect())
}

async fn history_count(conn: &mut Conn, step_ids: &[StepId]) -> AppResult<i64> {
    Ok(with_conn!(conn, |c| stage_transitions::table
        .filter(
            stage_transitions::to_step_id
                .eq_any(step_ids)
                .or(stage_transitions::from_step_id.eq_any(step_ids))
        )
        .select(count_star())
        .get_result::<i64>(c)
        .await)?)
}

async fn step_ids_of_template(conn: &mut Conn, template_id: TemplateId) -> AppResult<Vec<StepId>> {
    Ok(with_conn!(conn, |c| lifecycle_steps::table
        .inner_join(lifecycle_categories::table)
        .filter(lifecycle_categories::template_id.eq(template_id))
        .select(lifecycle_steps::id)
        .load(c)
        .await)?)
}

pub async fn step_ids_of_category(
    conn: &mut Conn,
    category_id: CategoryId,
) -> AppResult<Vec<StepId>> {
    Ok(with_conn!(conn, |c| lifecycle_steps::table
        .filter(lifecycle_steps::category_id.eq(category_id))
        .order((lifecycle_steps::position, lifecycle_steps::id))
        .select(lifecycle_steps::id)
        .load(c)
        .await)?)
}

pub async fn category_ids_of_template(
    conn: &mut Conn,
    template_id: TemplateId,
) -> AppResult<Vec<CategoryId>> {
    Ok(with_conn!(conn, |c| lifecycle_categories::table
        .filter(lifecycle_categories::template_id.eq(template_id))
        .order((lifecycle_categories::position, lifecycle_categories::id))
        .select(lifecycle_categories::id)
        .load(c)
        .await)?)
}

pub async fn insert_category(conn: &mut Conn, new: &NewCategory) -> AppResult<LifecycleCategory> {
    Ok(with_conn!(conn, |c| diesel::insert_into(
        lifecycle_categories::table
    )
    .values(new)
    .returning(LifecycleCategory::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn update_category(
    conn: &mut Conn,
    id: CategoryId,
    changes: &CategoryChanges,
) -> AppResult<LifecycleCategory> {
    Ok(with_conn!(conn, |c| diesel::update(
        lifecycle_categories::table.find(id)
    )
    .set(changes)
    .returning(LifecycleCategory::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn delete_category(conn: &mut Conn, id: CategoryId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(
        lifecycle_categories::table.find(id)
    )
    .execute(c)
    .await)?;
    Ok(())
}

/// Gives the categories of a template the positions 0.. in the order of `ordered_ids`.
pub async fn set_category_positions(conn: &mut Conn, ordered_ids: &[CategoryId]) -> AppResult<()> {
    let now = Timestamp::now();
    for (position, id) in ordered_ids.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        with_conn!(conn, |c| diesel::update(
            lifecycle_categories::table.find(*id)
        )
        .set((
            lifecycle_categories::position.eq(position),
            lifecycle_categories::updated_at.eq(now),
        ))
        .execute(c)
        .await)?;
    }
    Ok(())
}

pub async fn insert_step(
    conn: &mut Conn,
    category: CategoryId,
    new: &NewStep,
) -> AppResult<LifecycleStep> {
    Ok(with_conn!(conn, |c| diesel::insert_into(
        lifecycle_steps::table
    )
    .values((lifecycle_steps::category_id.eq(category), new))
    .returning(LifecycleStep::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn update_step(
    conn: &mut Conn,
    id: StepId,
    changes: &StepChanges,
) -> AppResult<LifecycleStep> {
    Ok(with_conn!(conn, |c| diesel::update(
        lifecycle_steps::table.find(id)
    )
    .set(changes)
    .returning(LifecycleStep::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn delete_step(conn: &mut Conn, id: StepId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(lifecycle_steps::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Gives the steps of a category the positions 0.. in the order of `ordered_ids`.
pub async fn set_step_positions(conn: &mut Conn, ordered_ids: &[StepId]) -> AppResult<()> {
    let now = Timestamp::now();
    for (position, id) in ordered_ids.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        with_conn!(conn, |c| diesel::update(lifecycle_steps::table.find(*id))
            .set((
                lifecycle_steps::position.eq(position),
                lifecycle_steps::updated_at.eq(now),
            ))
            .execute(c)
            .await)?;
    }
    Ok(())
}

/// The template a new contact of `company_id` follows when none is given: the company's
/// default, else the tenant-wide default.
pub async fn default_template(
    conn: &mut Conn,
    company_id: Option<CompanyId>,
) -> AppResult<Option<TemplateId>> {
    let company = company_id.map_or(0, |c| c.0);
    let found: Vec<(TemplateId, Option<CompanyId>)> =
        with_conn!(conn, |c| lifecycle_templates::table
            .filter(lifecycle_templates::is_default.eq(true))
            .filter(
                lifecycle_templates::company_id
                    .is_null()
                    .or(lifecycle_templates::company_id.eq(company))
            )
            .select((lifecycle_templates::id, lifecycle_templates::company_id))
            .load(c)
            .await)?;
    Ok(found
        .iter()
        .find(|(_, owner)| owner.is_some())
        .or_else(|| <[_]>::first(&found))
        .map(|(id, _)| *id))
}

/// The first step of a template's path.
pub async fn first_step(
    conn: &mut Conn,
    template_id: TemplateId,
) -> AppResult<Option<LifecycleStep>> {
    Ok(with_conn!(conn, |c| lifecycle_steps::table
        .inner_join(lifecycle_categories::table)
        .filter(lifecycle_categories::template_id.eq(template_id))
        .order((
            lifecycle_categories::position,
            lifecycle_categories::id,
            lifecycle_steps::position,
            lifecycle_steps::id,
        ))
        .select(LifecycleStep::as_select())
        .first(c)
        .await
        .optional())?)
}

/// A row of the append-only stage history.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stage_transitions)]
pub struct NewTransition {
    pub contact_id: ContactId,
    pub from_step_id: Option<StepId>,
    pub to_step_id: StepId,
    pub reason_code_id: Option<ReasonCodeId>,
    pub note: Option<String>,
    pub actor_id: Option<UserId>,
    pub occurred_at: Timestamp,
    pub dwell_seconds: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl NewTransition {
    /// A move of `contact_id` from `from` to `to` by `actor_id` at `at`, without reason or note.
    pub fn new(
        contact_id: ContactId,
        from: Option<StepId>,
        to: StepId,
        actor_id: Option<UserId>,
        at: Timestamp,
    ) -> Self {
        Self {
            contact_id,
            from_step_id: from,
            to_step_id: to,
            reason_code_id: None,
            note: None,
            actor_id,
            occurred_at: at,
            dwell_seconds: None,
            created_at: at,
            updated_at: at,
        }
    }
}

/// Records a move, closes the stay it ends (the contact's open transition gets its dwell time)
/// and advances the contact's progress. Callers hold the contact's lock, so there is at most
/// one open stay.
pub async fn insert_transition(conn: &mut Conn, new: &NewTransition) -> AppResult<StageTransition> {
    let transition = with_conn!(conn, |c| {
        let open: Option<(TransitionId, Timestamp)> = stage_transitions::table
            .filter(stage_transitions::contact_id.eq(new.contact_id))
            .filter(stage_transitions::dwell_seconds.is_null())
            .select((stage_transitions::id, stage_transitions::occurred_at))
            .first(c)
            .await
            .optional()?;
        if let Some((id, entered_at)) = open {
            // A clock that went back gives a zero stay, never a negative one.
            let dwell = (new.occurred_at.0 - entered_at.0).num_seconds().max(0);
            diesel::update(stage_transitions::table.find(id))
                .set(stage_transitions::dwell_seconds.eq(dwell))
                .execute(c)
                .await?;
        }
        diesel::insert_into(stage_transitions::table)
            .values(new)
            .returning(StageTransition::as_returning())
            .get_result(c)
            .await
    })?;
    advance_progress(conn, new.contact_id, new.to_step_id, new.occurred_at).await?;
    announce(conn, &[transition.id]).await?;
    Ok(transition)
}

/// Where a step stands on its template's path: categories by position, then steps by
/// position (ids break ties), as the path is shown.
type PathRank = (i32, CategoryId, i32, StepId);

/// The template, outcome and path rank of a step.
async fn step_rank(
    conn: &mut Conn,
    step_id: StepId,
) -> AppResult<(TemplateId, StepOutcome, PathRank)> {
    let (template, outcome, category_position, category, position): (
        TemplateId,
        StepOutcome,
        i32,
        CategoryId,
        i32,
    ) = with_conn!(conn, |c| lifecycle_steps::table
        .inner_join(lifecycle_categories::table)
        .filter(lifecycle_steps::id.eq(step_id))
        .select((
            lifecycle_categories::template_id,
            lifecycle_steps::outcome,
            lifecycle_categories::position,
            lifecycle_categories::id,
            lifecycle_steps::position,
        ))
        .first(c)
        .await)?;
    Ok((
        template,
        outcome,
        (category_position, category, position, step_id),
    ))
}

/// Gives `survivor` the stage history of `merged` (a merge): their moves become its moves, and
/// its progress along each lifecycle (overall and per month) takes theirs into account. The
/// merged contacts' own progress goes.
pub async fn adopt_history(
    conn: &mut Conn,
    merged: &[ContactId],
    survivor: ContactId,
) -> AppResult<()> {
    let moves: Vec<(StepId, Timestamp)> = with_conn!(conn, |c| stage_transitions::table
        .filter(stage_transitions::contact_id.eq_any(merged))
        .order((stage_transitions::occurred_at, stage_transitions::id))
        .select((
            stage_transitions::to_step_id,
            stage_transitions::occurred_at
        ))
        .load(c)
        .await)?;
    with_conn!(conn, |c| diesel::update(
        stage_transitions::table.filter(stage_transitions::contact_id.eq_any(merged))
    )
    .set(stage_transitions::contact_id.eq(survivor))
    .execute(c)
    .await)?;
    with_conn!(conn, |c| diesel::delete(
        lifecycle_progress::table.filter(lifecycle_progress::contact_id.eq_any(merged))
    )
    .execute(c)
    .await)?;
    with_conn!(conn, |c| diesel::delete(
        lifecycle_monthly_progress::table
            .filter(lifecycle_monthly_progress::contact_id.eq_any(merged))
    )
    .execute(c)
    .await)?;
    for (step, at) in moves {
        advance_progress(conn, survivor, step, at).await?;
    }
    Ok(())
}

/// Records that the contact entered `step_id` at `at`: as its furthest step along the path, and
/// as its furthest of that month, where it is further than any step entered before (lost steps
/// are exits, not progress).
async fn advance_progress(
    conn: &mut Conn,
    contact_id: ContactId,
    step_id: StepId,
    at: Timestamp,
) -> AppResult<()> {
    let (template, outcome, rank) = step_rank(conn, step_id).await?;
    if outcome == StepOutcome::Lost {
        return Ok(());
    }
    let month = super::funnel::month_of(at);
    let (furthest, in_month): (Option<StepId>, Option<StepId>) = with_conn!(conn, |c| {
        let furthest = lifecycle_progress::table
            .find((contact_id, template))
            .select(lifecycle_progress::furthest_step_id)
            .first(c)
            .await
            .optional()?;
        let in_month = lifecycle_monthly_progress::table
            .find((contact_id, template, month))
            .select(lifecycle_monthly_progress::furthest_step_id)
            .first(c)
            .await
            .optional()?;
        diesel::QueryResult::Ok((furthest, in_month))
    })?;
    let further_than_ever = is_further(conn, rank, furthest).await?;
    if further_than_ever {
        with_conn!(conn, |c| diesel::insert_into(lifecycle_progress::table)
            .values((
                lifecycle_progress::contact_id.eq(contact_id),
                lifecycle_progress::template_id.eq(template),
                lifecycle_progress::furthest_step_id.eq(step_id),
            ))
            .on_conflict((
                lifecycle_progress::contact_id,
                lifecycle_progress::template_id
            ))
            .do_update()
            .set(lifecycle_progress::furthest_step_id.eq(step_id))
            .execute(c)
            .await)?;
    }
    let further_this_month = if in_month == furthest {
        further_than_ever
    } else {
        is_further(conn, rank, in_month).await?
    };
    if further_this_month {
        with_conn!(conn, |c| diesel::insert_into(
            lifecycle_monthly_progress::table
        )
        .values((
            lifecycle_monthly_progress::contact_id.eq(contact_id),
            lifecycle_monthly_progress::template_id.eq(template),
            lifecycle_monthly_progress::month.eq(month),
            lifecycle_monthly_progress::furthest_step_id.eq(step_id),
        ))
        .on_conflict((
            lifecycle_monthly_progress::contact_id,
            lifecycle_monthly_progress::template_id,
            lifecycle_monthly_progress::month,
        ))
        .do_update()
        .set(lifecycle_monthly_progress::furthest_step_id.eq(step_id))
        .execute(c)
        .await)?;
    }
    Ok(())
}

/// Whether a step of path rank `rank` is further along than `than` (nothing is behind it).
async fn is_further(conn: &mut Conn, rank: PathRank, than: Option<StepId>) -> AppResult<bool> {
    let Some(than) = than else {
        return Ok(true);
    };
    let (_, _, than_rank) = step_rank(conn, than).await?;
    Ok(rank > than_rank)
}

/// Rebuilds the progress of every contact along `template_id` from history, for a path whose
/// order changed (or progress written in bulk).
pub async fn rebuild_progress(conn: &mut Conn, template_id: TemplateId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(
        lifecycle_progress::table.filter(lifecycle_progress::template_id.eq(template_id))
    )
    .execute(c)
    .await)?;
    let mut sql = Sql::new(conn.kind());
    sql.push(
        "INSERT INTO lifecycle_progress (contact_id, template_id, furthest_step_id) \
         SELECT r.contact_id, ",
    )
    .bind(template_id.0)
    .push(
        ", r.step_id FROM ( \
           SELECT t.contact_id, s.id AS step_id, ROW_NUMBER() OVER ( \
             PARTITION BY t.contact_id \
             ORDER BY g.position DESC, g.id DESC, s.position DESC, s.id DESC) AS n \
           FROM stage_transitions t \
           JOIN lifecycle_steps s ON s.id = t.to_step_id \
           JOIN lifecycle_categories g ON g.id = s.category_id \
           WHERE g.template_id = ",
    )
    .bind(template_id.0)
    .push(" AND s.outcome <> 'LOST') r WHERE r.n = 1");
    sql.execute(conn).await?;
    rebuild_monthly_progress(conn, template_id).await
}

/// The monthly part of [`rebuild_progress`].
async fn rebuild_monthly_progress(conn: &mut Conn, template_id: TemplateId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(
        lifecycle_monthly_progress::table
            .filter(lifecycle_monthly_progress::template_id.eq(template_id))
    )
    .execute(c)
    .await)?;
    let month = match conn.kind() {
        crate::db::BackendKind::Postgres => "date_trunc('month', t.occurred_at)",
        crate::db::BackendKind::Sqlite => "datetime(t.occurred_at, 'start of month')",
    };
    let mut sql = Sql::new(conn.kind());
    sql.push(
        "INSERT INTO lifecycle_monthly_progress (contact_id, template_id, month, furthest_step_id) \
         SELECT r.contact_id, ",
    )
    .bind(template_id.0)
    .push(&format!(
        ", r.month, r.step_id FROM ( \
           SELECT t.contact_id, {month} AS month, s.id AS step_id, ROW_NUMBER() OVER ( \
             PARTITION BY t.contact_id, {month} \
             ORDER BY g.position DESC, g.id DESC, s.position DESC, s.id DESC) AS n \
           FROM stage_transitions t \
           JOIN lifecycle_steps s ON s.id = t.to_step_id \
           JOIN lifecycle_categories g ON g.id = s.category_id \
           WHERE g.template_id = "
    ))
    .bind(template_id.0)
    .push(" AND s.outcome <> 'LOST') r WHERE r.n = 1");
    sql.execute(conn).await?;
    Ok(())
}

/// Announces committed moves to every server listening (PostgreSQL `NOTIFY`, sent only if the
/// caller's transaction commits); nothing to do on SQLite, where one process publishes its own.
pub async fn announce(conn: &mut Conn, ids: &[TransitionId]) -> AppResult<()> {
    let crate::db::Backend::Postgres(c) = conn.backend() else {
        return Ok(());
    };
    for payload in super::events::payload(ids) {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(super::events::CHANNEL)
            .bind::<diesel::sql_types::Text, _>(payload)
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Committed moves by id with the company of their contact, in order: what a listener relays
/// (to every subscriber, who filters by scope).
pub async fn committed_transitions(
    c: &mut crate::db::PgConn,
    ids: &[TransitionId],
) -> AppResult<Vec<(StageTransition, Option<CompanyId>)>> {
    Ok(stage_transitions::table
        .inner_join(contacts::table)
        .filter(stage_transitions::id.eq_any(ids))
        .order(stage_transitions::id)
        .select((StageTransition::as_select(), contacts::company_id))
        .load(c)
        .await?)
}

/// Moves after `floor` that occurred since `since`, in order (at most 10,000): what a listener
/// may have missed while its connection was down.
pub async fn transitions_since(
    c: &mut crate::db::PgConn,
    floor: TransitionId,
    since: Timestamp,
) -> AppResult<Vec<(StageTransition, Option<CompanyId>)>> {
    Ok(stage_transitions::table
        .inner_join(contacts::table)
        .filter(stage_transitions::id.gt(floor))
        .filter(stage_transitions::occurred_at.ge(since))
        .order(stage_transitions::id)
        .limit(10_000)
        .select((StageTransition::as_select(), contacts::company_id))
        .load(c)
        .await?)
}

/// The stage history of these contacts (visible to the viewer), newest first per contact.
pub async fn history_of(
    conn: &mut Conn,
    viewer: &Viewer,
    contact_ids: &[ContactId],
) -> AppResult<Vec<StageTransition>> {
    Ok(with_conn!(conn, |c| stage_transitions::table
        .inner_join(contacts::table)
        .filter(stage_transitions::contact_id.eq_any(contact_ids))
        .filter(visible!(contacts::company_id, viewer))
        .order((
            stage_transitions::contact_id,
            stage_transitions::occurred_at.desc(),
            stage_transitions::id.desc(),
        ))
        .select(StageTransition::as_select())
        .load(c)
        .await)?)
}

pub async fn transitions_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[TransitionId],
) -> AppResult<Vec<StageTransition>> {
    Ok(with_conn!(conn, |c| stage_transitions::table
        .inner_join(contacts::table)
        .filter(stage_transitions::id.eq_any(ids))
        .filter(visible!(contacts::company_id, viewer))
        .select(StageTransition::as_select())
        .load(c)
        .await)?)
}

/// The template a step belongs to.
pub async fn template_of_step(conn: &mut Conn, step_id: StepId) -> AppResult<TemplateId> {
    Ok(with_conn!(conn, |c| lifecycle_categories::table
        .inner_join(lifecycle_steps::table)
        .filter(lifecycle_steps::id.eq(step_id))
        .select(lifecycle_categories::template_id)
        .first(c)
        .await)?)
}

// ---- funnel ------------------------------------------------------------------------------------

/// Which moves a funnel counts: into the template's steps, by contacts the viewer sees (of the
/// filtered companies), in `[from, to)`.
#[derive(Debug, Clone)]
pub struct FunnelScope {
    /// Step ids with their funnel position (0 for lost steps), in path order.
    pub positions: Vec<(i64, i32)>,
    pub company_ids: Option<Vec<i64>>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

#[derive(QueryableByName)]
struct PositionCount {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    position: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct StepCount {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    step_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct StepStays {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    step_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

#[derive(QueryableByName)]
struct StepDwell {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    step_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    dwell: i64,
}

impl FunnelScope {
    /// ` AND column IN (…)` limiting `column` to live contacts the viewer sees (of the filtered
    /// companies); when neither limits them, ` AND column NOT IN (…)` leaving out the trash
    /// (small, where the live contacts are many).
    fn push_contact_scope(&self, sql: &mut Sql, viewer: &Viewer, column: &str) {
        let open = format!(" AND {column} IN (SELECT c.id FROM contacts c WHERE ");
        if raw::push_contact_company_conditions(sql, &open, viewer, self.company_ids.as_deref()) {
            sql.push(")");
        } else {
            sql.push(&format!(
                " AND {column} NOT IN (SELECT r.id FROM contact_records r \
                 WHERE r.deleted_at IS NOT NULL)"
            ));
        }
    }

    /// Conditions on `stage_transitions t` for moves into `steps` in the window.
    fn push_move_conditions(
        &self,
        sql: &mut Sql,
        viewer: &Viewer,
        steps: impl IntoIterator<Item = i64>,
    ) {
        self.push_moves_between(sql, viewer, steps, (self.from, self.to));
    }

    /// The same for moves in `[from, to)` (a part of the window).
    fn push_moves_between(
        &self,
        sql: &mut Sql,
        viewer: &Viewer,
        steps: impl IntoIterator<Item = i64>,
        (from, to): (Option<Timestamp>, Option<Timestamp>),
    ) {
        sql.push_in("t.to_step_id", steps);
        self.push_contact_scope(sql, viewer, "t.contact_id");
        if let Some(from) = from {
            sql.push(" AND t.occurred_at >= ").bind(from);
        }
        if let Some(to) = to {
            sql.push(" AND t.occurred_at < ").bind(to);
        }
    }

    fn step_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.positions.iter().map(|(id, _)| *id)
    }
}

/// Contacts by the furthest funnel position they entered in the window. Over the whole history
/// this reads the kept progress (one row per contact); a window needs the moves themselves.
pub async fn funnel_furthest(
    conn: &mut Conn,
    viewer: &Viewer,
    scope: &FunnelScope,
    template_id: TemplateId,
) -> AppResult<HashMap<i32, i64>> {
    let mut sql = Sql::new(conn.kind());
    if scope.from.is_none() && scope.to.is_none() {
        sql.push(
            "SELECT p.furthest_step_id AS step_id, COUNT(*) AS count FROM lifecycle_progress p \
             WHERE p.template_id = ",
        )
        .bind(template_id.0);
        scope.push_contact_scope(&mut sql, viewer, "p.contact_id");
        sql.push(" GROUP BY p.furthest_step_id");
        let by_step = step_counts(conn, sql).await?;
        let mut furthest: HashMap<i32, i64> = HashMap::new();
        for (step, position) in &scope.positions {
            if let Some(count) = by_step.get(step) {
                *furthest.entry(*position).or_default() += count;
            }
        }
        return Ok(furthest);
    }
    let along_path: Vec<(i64, i32)> = scope
        .positions
        .iter()
        .copied()
        .filter(|(_, position)| *position > 0)
        .collect();
    if along_path.is_empty() {
        // A path without open or won steps: nobody gets anywhere along it.
        return Ok(HashMap::new());
    }
    // Each contact's furthest step per whole month of the window is kept; only the partial
    // months at its ends need the moves themselves.
    let parts = super::funnel::window_parts(scope.from, scope.to);
    sql.push(
        "SELECT f.furthest AS position, COUNT(*) AS count FROM ( \
           SELECT u.contact_id, MAX(CASE u.step_id",
    );
    for (id, position) in along_path {
        sql.push(" WHEN ").bind(id).push(" THEN ").bind(position);
    }
    sql.push(" ELSE 0 END) AS furthest FROM (");
    let mut first = true;
    for &(from, to) in &parts.edges {
        if !std::mem::take(&mut first) {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT t.contact_id, t.to_step_id AS step_id FROM stage_transitions t WHERE ");
        scope.push_moves_between(&mut sql, viewer, scope.step_ids(), (from, to));
    }
    if let Some((from, to)) = parts.months {
        if !std::mem::take(&mut first) {
            sql.push(" UNION ALL ");
        }
        sql.push(
            "SELECT m.contact_id, m.furthest_step_id AS step_id \
             FROM lifecycle_monthly_progress m WHERE m.template_id = ",
        )
        .bind(template_id.0);
        if let Some(from) = from {
            sql.push(" AND m.month >= ").bind(from);
        }
        if let Some(to) = to {
            sql.push(" AND m.month < ").bind(to);
        }
        scope.push_contact_scope(&mut sql, viewer, "m.contact_id");
    }
    sql.push(") u GROUP BY u.contact_id ) f GROUP BY f.furthest");
    let rows: Vec<PositionCount> = sql.load(conn).await?;
    Ok(rows.into_iter().map(|r| (r.position, r.count)).collect())
}

/// Contacts that entered each lost step in the window.
pub async fn funnel_lost_entered(
    conn: &mut Conn,
    viewer: &Viewer,
    scope: &FunnelScope,
) -> AppResult<HashMap<i64, i64>> {
    let lost: Vec<i64> = scope
        .positions
        .iter()
        .filter(|(_, position)| *position == 0)
        .map(|(id, _)| *id)
        .collect();
    if lost.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(conn.kind());
    sql.push(
        "SELECT t.to_step_id AS step_id, COUNT(DISTINCT t.contact_id) AS count \
         FROM stage_transitions t WHERE ",
    );
    scope.push_move_conditions(&mut sql, viewer, lost);
    sql.push(" GROUP BY t.to_step_id");
    step_counts(conn, sql).await
}

/// Contacts standing on each step now (the window does not apply).
pub async fn funnel_current(
    conn: &mut Conn,
    viewer: &Viewer,
    scope: &FunnelScope,
) -> AppResult<HashMap<i64, i64>> {
    let mut sql = Sql::new(conn.kind());
    sql.push("SELECT c.current_step_id AS step_id, COUNT(*) AS count FROM contacts c WHERE ")
        .push_in("c.current_step_id", scope.step_ids());
    raw::push_contact_company_conditions(&mut sql, " AND ", viewer, scope.company_ids.as_deref());
    sql.push(" GROUP BY c.current_step_id");
    step_counts(conn, sql).await
}

async fn step_counts(conn: &mut Conn, sql: Sql) -> AppResult<HashMap<i64, i64>> {
    let rows: Vec<StepCount> = sql.load(conn).await?;
    Ok(rows.into_iter().map(|r| (r.step_id, r.count)).collect())
}

/// Completed stays per step that began in the window: how many, and their total seconds.
pub async fn funnel_stays(
    conn: &mut Conn,
    viewer: &Viewer,
    scope: &FunnelScope,
) -> AppResult<HashMap<i64, (i64, i64)>> {
    let mut sql = Sql::new(conn.kind());
    sql.push(
        "SELECT t.to_step_id AS step_id, COUNT(*) AS count, \
           CAST(SUM(t.dwell_seconds) AS BIGINT) AS total \
         FROM stage_transitions t WHERE ",
    );
    scope.push_move_conditions(&mut sql, viewer, scope.step_ids());
    sql.push(" AND t.dwell_seconds IS NOT NULL GROUP BY t.to_step_id");
    let rows: Vec<StepStays> = sql.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.step_id, (r.count, r.total)))
        .collect())
}

/// The dwell times at `(step, offset, count)` in each step's dwell order: one statement that
/// walks the `(to_step_id, dwell_seconds)` index of each step instead of sorting all stays.
pub async fn funnel_dwell_at(
    conn: &mut Conn,
    viewer: &Viewer,
    scope: &FunnelScope,
    picks: &[(i64, i64, i64)],
) -> AppResult<HashMap<i64, Vec<i64>>> {
    if picks.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(conn.kind());
    for (i, (step, offset, count)) in picks.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(
            "SELECT * FROM (SELECT t.to_step_id AS step_id, t.dwell_seconds AS dwell \
             FROM stage_transitions t WHERE ",
        );
        scope.push_move_conditions(&mut sql, viewer, [*step]);
        sql.push(" AND t.dwell_seconds IS NOT NULL ORDER BY t.dwell_seconds LIMIT ")
            .bind(*count)
            .push(" OFFSET ")
            .bind(*offset)
            .push(&format!(") m{i}"));
    }
    let rows: Vec<StepDwell> = sql.load(conn).await?;
    let mut middles: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in rows {
        middles.entry(row.step_id).or_default().push(row.dwell);
    }
    Ok(middles)
}
