//! Rows of the lifecycle tables; each row struct is also its GraphQL object.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use diesel::prelude::*;

use super::loaders::{CategoriesOf, StepsOf};
use crate::db::schema::{lifecycle_categories, lifecycle_steps, lifecycle_templates};
use crate::graphql::context::{load_opt, loaders};
use crate::ids::{
    CategoryId, CompanyId, ContactId, ReasonCodeId, StepId, TemplateId, TransitionId, TypedId,
    UserId,
};
use crate::settings::load_company;
use crate::settings::model::Company;
use crate::text_enum;
use crate::time::Timestamp;

text_enum!(
    /// What reaching a step means for the contact: still open, won or lost.
    StepOutcome { Open = "OPEN", Won = "WON", Lost = "LOST" }
);

/// A contact on a step of this outcome has the matching status: a WON or LOST step closes it.
impl From<StepOutcome> for crate::contacts::ContactStatus {
    fn from(outcome: StepOutcome) -> Self {
        match outcome {
            StepOutcome::Open => Self::Open,
            StepOutcome::Won => Self::Won,
            StepOutcome::Lost => Self::Lost,
        }
    }
}

/// A lifecycle: the ordered categories and steps a contact moves through.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = lifecycle_templates)]
#[graphql(complex)]
pub struct LifecycleTemplate {
    #[graphql(skip)]
    pub id: TemplateId,
    pub name: String,
    pub description: Option<String>,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    /// New contacts of the template's scope start on this template when none is given.
    pub is_default: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl LifecycleTemplate {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    /// The owning company; null when tenant-wide.
    async fn company(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Company>> {
        load_company(ctx, self.company_id).await
    }

    /// Categories in path order.
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LifecycleCategory>> {
        let found = loaders(ctx).load_one(CategoriesOf(self.id)).await?;
        Ok(found.unwrap_or_default())
    }
}

/// A stage of a lifecycle (Lead Generation, Negotiation, …) holding ordered steps.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = lifecycle_categories)]
#[graphql(complex)]
pub struct LifecycleCategory {
    #[graphql(skip)]
    pub id: CategoryId,
    #[graphql(skip)]
    pub template_id: TemplateId,
    pub name: String,
    /// Zero-based place in the template.
    pub position: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl LifecycleCategory {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    async fn template(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<LifecycleTemplate>> {
        loaders(ctx).load_one(self.template_id).await
    }

    /// Steps in path order.
    async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LifecycleStep>> {
        let found = loaders(ctx).load_one(StepsOf(self.id)).await?;
        Ok(found.unwrap_or_default())
    }
}

/// One step a contact can stand on (New Lead, Closed – Won, …).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = lifecycle_steps)]
#[graphql(complex)]
pub struct LifecycleStep {
    #[graphql(skip)]
    pub id: StepId,
    #[graphql(skip)]
    pub category_id: CategoryId,
    pub name: String,
    /// Zero-based place in the category.
    pub position: i32,
    pub outcome: StepOutcome,
    /// Moving a contact here needs a reason code.
    pub requires_reason: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl LifecycleStep {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    async fn category(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<LifecycleCategory>> {
        loaders(ctx).load_one(self.category_id).await
    }
}

/// One move of a contact between steps: the append-only stage history.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = crate::db::schema::stage_transitions)]
#[graphql(complex)]
pub struct StageTransition {
    #[graphql(skip)]
    pub id: TransitionId,
    #[graphql(skip)]
    pub contact_id: ContactId,
    #[graphql(skip)]
    pub from_step_id: Option<StepId>,
    #[graphql(skip)]
    pub to_step_id: StepId,
    #[graphql(skip)]
    pub reason_code_id: Option<ReasonCodeId>,
    pub note: Option<String>,
    #[graphql(skip)]
    pub actor_id: Option<UserId>,
    pub occurred_at: Timestamp,
    /// Whole seconds the contact spent on the step it entered here, until its next move; null
    /// while it is still there.
    pub dwell_seconds: Option<i64>,
    #[graphql(skip)]
    pub created_at: Timestamp,
    #[graphql(skip)]
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl StageTransition {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    async fn contact(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::contacts::model::Contact>> {
        load_opt(ctx, Some(self.contact_id)).await
    }

    /// Null for the contact's first placement on a lifecycle.
    #[allow(clippy::wrong_self_convention)] // the API field is `fromStep`
    async fn from_step(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LifecycleStep>> {
        load_opt(ctx, self.from_step_id).await
    }

    async fn to_step(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LifecycleStep>> {
        load_opt(ctx, Some(self.to_step_id)).await
    }

    /// Why the contact moved (required for steps such as Closed – Lost).
    async fn reason_code(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::settings::model::ReasonCode>> {
        load_opt(ctx, self.reason_code_id).await
    }

    /// Who moved the contact (null for the built-in administrator or a deleted user).
    async fn actor(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::settings::model::User>> {
        load_opt(ctx, self.actor_id).await
    }
}

/// A category of a contact's lifecycle path, with its steps' states.
#[derive(Debug, Clone, SimpleObject)]
pub struct LifecyclePathCategory {
    pub category: LifecycleCategory,
    pub steps: Vec<LifecyclePathStep>,
}

/// A step of a contact's lifecycle path: done, current or upcoming.
#[derive(Debug, Clone, SimpleObject)]
pub struct LifecyclePathStep {
    pub step: LifecycleStep,
    pub state: super::rules::StepState,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct StageTransitionEdge {
    pub cursor: String,
    pub node: StageTransition,
}

/// A page of a contact's stage history, newest first.
#[derive(Debug, Clone, SimpleObject)]
pub struct StageTransitionConnection {
    pub edges: Vec<StageTransitionEdge>,
    pub page_info: crate::contacts::list::PageInfo,
}
