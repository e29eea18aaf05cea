//! Batch loads of lifecycle records: by id, and the children of templates and categories.

use super::model::{LifecycleCategory, LifecycleStep, LifecycleTemplate, StageTransition};
use super::store;
use crate::graphql::context::{load_list, loaders};
use crate::ids::{CategoryId, ContactId, StepId, TemplateId, TransitionId};
use crate::{by_id_loader, children_loader};

/// The categories of a template, in path order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CategoriesOf(pub TemplateId);

/// The steps of a category, in path order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StepsOf(pub CategoryId);

by_id_loader!(TemplateId => LifecycleTemplate, store::templates_by_ids);
by_id_loader!(CategoryId => LifecycleCategory, store::categories_by_ids);
by_id_loader!(StepId => LifecycleStep, store::steps_by_ids);

children_loader!(CategoriesOf(TemplateId) => LifecycleCategory, store::categories_of_templates, template_id);
children_loader!(StepsOf(CategoryId) => LifecycleStep, store::steps_of_categories, category_id);

/// A template's path: its categories in order, each with its steps in order.
pub async fn path_of(
    ctx: &async_graphql::Context<'_>,
    template: TemplateId,
) -> async_graphql::Result<Vec<(LifecycleCategory, Vec<LifecycleStep>)>> {
    let categories = load_list(ctx, CategoriesOf(template)).await?;
    let mut steps = loaders(ctx)
        .load_many(categories.iter().map(|c| StepsOf(c.id)))
        .await?;
    Ok(categories
        .into_iter()
        .map(|category| {
            let of_category = steps.remove(&StepsOf(category.id)).unwrap_or_default();
            (category, of_category)
        })
        .collect())
}

/// The whole stage history of a contact, newest first (pages are cut from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HistoryOf(pub crate::ids::ContactId);

children_loader!(HistoryOf(ContactId) => StageTransition, store::history_of, contact_id);
by_id_loader!(TransitionId => StageTransition, store::transitions_by_ids);
