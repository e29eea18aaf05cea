//! Mutation inputs of templates, categories and steps, and their validation.

use async_graphql::{ID, InputObject, MaybeUndefined};
use diesel::prelude::*;

use super::model::StepOutcome;
use crate::db::schema::{lifecycle_categories, lifecycle_steps, lifecycle_templates};
use crate::ids::{CategoryId, CompanyId, TemplateId};
use crate::time::Timestamp;
use crate::validation::{MAX_TEXT, Validator, code, path};

#[derive(Debug, InputObject)]
pub struct CreateLifecycleTemplateInput {
    pub name: String,
    pub description: Option<String>,
    /// Absent: tenant-wide.
    pub company_id: Option<ID>,
    /// Makes this the default of its scope (the previous default stops being one).
    #[graphql(default = false)]
    pub is_default: bool,
    /// The whole path: categories in order, each with its steps in order.
    pub categories: Vec<LifecycleCategoryTreeInput>,
}

#[derive(Debug, InputObject)]
pub struct LifecycleCategoryTreeInput {
    pub name: String,
    pub steps: Vec<LifecycleStepTreeInput>,
}

#[derive(Debug, InputObject)]
pub struct LifecycleStepTreeInput {
    pub name: String,
    #[graphql(default_with = "StepOutcome::Open")]
    pub outcome: StepOutcome,
    #[graphql(default = false)]
    pub requires_reason: bool,
}

#[derive(Debug, InputObject)]
pub struct UpdateLifecycleTemplateInput {
    pub name: Option<String>,
    /// `null` clears the description.
    pub description: MaybeUndefined<String>,
    /// `null` makes the template tenant-wide.
    pub company_id: MaybeUndefined<ID>,
    pub is_default: Option<bool>,
}

#[derive(Debug, InputObject)]
pub struct CreateLifecycleCategoryInput {
    pub template_id: ID,
    pub name: String,
    /// Zero-based place; absent appends.
    pub position: Option<i32>,
}

#[derive(Debug, InputObject)]
pub struct UpdateLifecycleCategoryInput {
    pub name: Option<String>,
}

#[derive(Debug, InputObject)]
pub struct CreateLifecycleStepInput {
    pub category_id: ID,
    pub name: String,
    #[graphql(default_with = "StepOutcome::Open")]
    pub outcome: StepOutcome,
    #[graphql(default = false)]
    pub requires_reason: bool,
    /// Zero-based place; absent appends.
    pub position: Option<i32>,
}

#[derive(Debug, InputObject)]
pub struct UpdateLifecycleStepInput {
    pub name: Option<String>,
    pub outcome: Option<StepOutcome>,
    pub requires_reason: Option<bool>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = lifecycle_templates)]
pub struct NewTemplate {
    pub name: String,
    pub description: Option<String>,
    pub company_id: Option<CompanyId>,
    pub is_default: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = lifecycle_templates)]
pub struct TemplateChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub company_id: Option<Option<CompanyId>>,
    pub is_default: Option<bool>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = lifecycle_categories)]
pub struct NewCategory {
    pub template_id: TemplateId,
    pub name: String,
    pub position: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = lifecycle_categories)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lifecycle_steps)]
pub struct NewStep {
    pub name: String,
    pub position: i32,
    pub outcome: StepOutcome,
    pub requires_reason: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = lifecycle_steps)]
pub struct StepChanges {
    pub name: Option<String>,
    pub outcome: Option<StepOutcome>,
    pub requires_reason: Option<bool>,
    pub updated_at: Timestamp,
}

/// A validated template tree; category and step parents are filled in as rows are inserted.
pub struct TemplateTree {
    pub template: NewTemplate,
    pub categories: Vec<(String, Vec<NewStep>)>,
}

/// Reports names that repeat (case-insensitively) among siblings.
fn check_unique_names<'a>(v: &mut Validator, names: impl Iterator<Item = (String, &'a str)>) {
    let mut seen = std::collections::HashSet::new();
    for (path, name) in names {
        if !name.is_empty() && !seen.insert(name.to_lowercase()) {
            v.push(
                path,
                code::DUPLICATE,
                "repeats the name of an earlier sibling",
            );
        }
    }
}

impl CreateLifecycleTemplateInput {
    pub fn validate(&self, v: &mut Validator) -> TemplateTree {
        let now = Timestamp::now();
        let template = NewTemplate {
            name: v.name("name", &self.name),
            description: v.text("description", self.description.as_deref(), MAX_TEXT),
            company_id: v.optional_id::<CompanyId>("companyId", self.company_id.as_ref()),
            is_default: self.is_default,
            created_at: now,
            updated_at: now,
        };
        if self.categories.is_empty() {
            v.push(
                "categories",
                code::REQUIRED,
                "a lifecycle needs at least one category",
            );
        }
        let mut categories = Vec::with_capacity(self.categories.len());
        for (ci, category) in self.categories.iter().enumerate() {
            let at = format!("categories[{ci}]");
            let name = v.name(&path(&at, "name"), &category.name);
            let steps: Vec<NewStep> = category
                .steps
                .iter()
                .enumerate()
                .map(|(si, step)| NewStep {
                    name: v.name(&format!("{at}.steps[{si}].name"), &step.name),
                    position: i32::try_from(si).unwrap_or(i32::MAX),
                    outcome: step.outcome,
                    requires_reason: step.requires_reason,
                    created_at: now,
                    updated_at: now,
                })
                .collect();
            check_unique_names(
                v,
                steps
                    .iter()
                    .enumerate()
                    .map(|(si, s)| (format!("{at}.steps[{si}].name"), s.name.as_str())),
            );
            categories.push((name, steps));
        }
        check_unique_names(
            v,
            categories
                .iter()
                .enumerate()
                .map(|(ci, (name, _))| (format!("categories[{ci}].name"), name.as_str())),
        );
        if !self.categories.is_empty() && categories.iter().all(|(_, steps)| steps.is_empty()) {
            v.push(
                "categories",
                code::REQUIRED,
                "a lifecycle needs at least one step for contacts to stand on",
            );
        }
        TemplateTree {
            template,
            categories,
        }
    }
}

impl UpdateLifecycleTemplateInput {
    pub fn validate(&self, v: &mut Validator) -> TemplateChanges {
        TemplateChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            description: v.text_update("description", &self.description, MAX_TEXT),
            company_id: v.id_update::<CompanyId>("companyId", &self.company_id),
            is_default: self.is_default,
            updated_at: Timestamp::now(),
        }
    }
}

/// A validated new category; its position is decided against its siblings in the store.
pub struct CategoryDraft {
    pub template: Option<TemplateId>,
    pub name: String,
    pub position: Option<i32>,
}

impl CreateLifecycleCategoryInput {
    pub fn validate(&self, v: &mut Validator) -> CategoryDraft {
        CategoryDraft {
            template: v.id::<TemplateId>("templateId", &self.template_id),
            name: v.name("name", &self.name),
            position: self.position,
        }
    }
}

impl UpdateLifecycleCategoryInput {
    pub fn validate(&self, v: &mut Validator) -> CategoryChanges {
        CategoryChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            updated_at: Timestamp::now(),
        }
    }
}

pub struct StepDraft {
    pub category: Option<CategoryId>,
    pub step: NewStep,
    pub position: Option<i32>,
}

impl CreateLifecycleStepInput {
    pub fn validate(&self, v: &mut Validator) -> StepDraft {
        let now = Timestamp::now();
        StepDraft {
            category: v.id::<CategoryId>("categoryId", &self.category_id),
            step: NewStep {
                name: v.name("name", &self.name),
                position: 0,
                outcome: self.outcome,
                requires_reason: self.requires_reason,
                created_at: now,
                updated_at: now,
            },
            position: self.position,
        }
    }
}

impl UpdateLifecycleStepInput {
    pub fn validate(&self, v: &mut Validator) -> StepChanges {
        StepChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            outcome: self.outcome,
            requires_reason: self.requires_reason,
            updated_at: Timestamp::now(),
        }
    }
}
