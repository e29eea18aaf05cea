//! Rows of the contact tables; each row struct is also its GraphQL object.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use diesel::prelude::*;

use super::loaders::{AccountsOf, AddressesOf, BankAccountsOf, EmailsOf, PhonesOf};
use crate::db::schema::{
    contact_addresses, contact_bank_accounts, contact_emails, contact_phones, contacts,
};
use crate::documents::loaders::DocumentsOf;
use crate::documents::model::Document;
use crate::error::AppError;
use crate::graphql::context::{load_list, load_opt};
use crate::ids::{
    AddressId, BankAccountId, CompanyId, ContactId, DetailTypeId, EmailId, PhoneId, ReasonCodeId,
    SegmentationId, StepId, TemplateId, TypedId, UserId,
};
use crate::lifecycle::loaders::{HistoryOf, path_of};
use crate::lifecycle::model::{
    LifecyclePathCategory, LifecyclePathStep, StageTransition, StageTransitionConnection,
    StageTransitionEdge,
};
use crate::lifecycle::model::{LifecycleStep, LifecycleTemplate};
use crate::lifecycle::rules::{StepState, path_states};
use crate::settings::load_company;
use crate::settings::model::{Account, Company, DetailType, ReasonCode, Segmentation, User};
use crate::text_enum;
use crate::time::Timestamp;
use crate::validation::code;
use crate::validation::group_iban;

text_enum!(
    /// Where a contact stands: open, or closed as won or lost.
    ContactStatus { Open = "OPEN", Won = "WON", Lost = "LOST" }
);

/// A person relevant to the sales relationship: a prospect, lead or client representative.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = contacts)]
#[graphql(complex)]
pub struct Contact {
    #[graphql(skip)]
    pub id: ContactId,
    pub name: String,
    pub full_name: Option<String>,
    /// Internal evaluation score.
    pub scoring: Option<f64>,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    #[graphql(skip)]
    pub segmentation_id: Option<SegmentationId>,
    #[graphql(skip)]
    pub reason_code_id: Option<ReasonCodeId>,
    #[graphql(skip)]
    pub owner_id: Option<UserId>,
    #[graphql(skip)]
    pub lifecycle_template_id: Option<TemplateId>,
    #[graphql(skip)]
    pub current_step_id: Option<StepId>,
    pub status: ContactStatus,
    /// When the contact last moved to another step.
    pub stage_changed_at: Option<Timestamp>,
    /// Bumped by every change to the contact or its details; send it back as
    /// `expectedVersion` to detect concurrent edits.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[graphql(skip)]
    pub created_by: Option<UserId>,
    #[graphql(skip)]
    pub updated_by: Option<UserId>,
    /// When the contact was moved to the trash; null for a live contact.
    pub deleted_at: Option<Timestamp>,
    #[graphql(skip)]
    pub deleted_by: Option<UserId>,
}

#[ComplexObject]
impl Contact {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    /// The owning company; null when tenant-wide.
    async fn company(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Company>> {
        load_company(ctx, self.company_id).await
    }

    async fn segmentation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Segmentation>> {
        load_opt(ctx, self.segmentation_id).await
    }

    /// Why the contact was won, lost or stays where it is.
    async fn reason_code(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ReasonCode>> {
        load_opt(ctx, self.reason_code_id).await
    }

    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_opt(ctx, self.owner_id).await
    }

    /// Who created the contact; null when made by the local administrator or an import.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_opt(ctx, self.created_by).await
    }

    /// Who last changed the contact, its details, lifecycle or documents.
    async fn updated_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_opt(ctx, self.updated_by).await
    }

    /// Accounts the contact is assigned to, by name.
    async fn accounts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Account>> {
        let assigned = load_list(ctx, AccountsOf(self.id)).await?;
        Ok(assigned.into_iter().map(|a| a.account).collect())
    }

    async fn lifecycle_template(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<LifecycleTemplate>> {
        load_opt(ctx, self.lifecycle_template_id).await
    }

    /// The lifecycle step the contact stands on.
    async fn current_step(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<LifecycleStep>> {
        load_opt(ctx, self.current_step_id).await
    }

    /// Won or lost.
    async fn is_closed(&self) -> bool {
        self.status != ContactStatus::Open
    }

    /// Seconds since the contact moved to its current step.
    async fn time_in_current_step(&self) -> Option<i64> {
        self.stage_changed_at
            .map(|at| (Timestamp::now().0 - at.0).num_seconds().max(0))
    }

    /// The contact's lifecycle path: categories in order, each step done, current or upcoming,
    /// so a client can draw the path and let a user click a step.
    async fn lifecycle(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<LifecyclePathCategory>> {
        let Some(template) = self.lifecycle_template_id else {
            return Ok(Vec::new());
        };
        let path = path_of(ctx, template).await?;
        let ordered: Vec<StepId> = path
            .iter()
            .flat_map(|(_, steps)| steps.iter().map(|s| s.id))
            .collect();
        let mut states = path_states(&ordered, self.current_step_id).into_iter();
        Ok(path
            .into_iter()
            .map(|(category, steps)| {
                let steps = steps
                    .into_iter()
                    .map(|step| LifecyclePathStep {
                        step,
                        state: states.next().unwrap_or(StepState::Upcoming),
                    })
                    .collect();
                LifecyclePathCategory { category, steps }
            })
            .collect())
    }

    /// Who changed the contact and its details, accounts, documents and stage, and how, newest
    /// first.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<crate::audit::model::AuditEntryConnection> {
        let mut v = crate::validation::Validator::new();
        let (limit, after) = crate::audit::model::page_args(&mut v, first, after.as_deref());
        v.finish()?;
        let entries = load_list(ctx, crate::audit::loaders::ChangesOf(self.id)).await?;
        let start = after.map_or(0, |id| entries.partition_point(|e| e.id >= id));
        let page = entries.into_iter().skip(start).take(limit + 1).collect();
        Ok(crate::audit::model::AuditEntryConnection::of(
            page,
            limit,
            after.is_some(),
        ))
    }

    /// The contact's stage transitions, newest first.
    async fn stage_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<StageTransitionConnection> {
        if !(0..=crate::contacts::list::MAX_PAGE).contains(&first) {
            return Err(
                AppError::field("first", code::OUT_OF_RANGE, "must be between 0 and 200").into(),
            );
        }
        let after = match after.as_deref() {
            None => None,
            Some(raw) => Some(
                crate::ids::split(raw)
                    .ok()
                    .filter(|(t, _)| *t == "StageTransition")
                    .map(|(_, id)| crate::ids::TransitionId(id))
                    .ok_or_else(|| {
                        AppError::field("after", code::INVALID, "is not a cursor of this history")
                    })?,
            ),
        };
        let history = load_list(ctx, HistoryOf(self.id)).await?;
        let start = match after {
            Some(id) => history
                .iter()
                .position(|t| t.id == id)
                .map_or(history.len(), |i| i + 1),
            None => 0,
        };
        let limit = usize::try_from(first).unwrap_or(0);
        let page: Vec<StageTransition> = history.iter().skip(start).take(limit).cloned().collect();
        let has_next_page = history.len() > start + page.len();
        let edges: Vec<StageTransitionEdge> = page
            .into_iter()
            .map(|node| StageTransitionEdge {
                cursor: node.id.to_id().0,
                node,
            })
            .collect();
        Ok(StageTransitionConnection {
            page_info: crate::contacts::list::PageInfo {
                has_next_page,
                has_previous_page: start > 0,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        })
    }

    /// Emails, primary first, then in the order they were added.
    async fn emails(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContactEmail>> {
        load_list(ctx, EmailsOf(self.id)).await
    }

    async fn phones(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContactPhone>> {
        load_list(ctx, PhonesOf(self.id)).await
    }

    /// Uploaded documents, newest first.
    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Document>> {
        load_list(ctx, DocumentsOf(self.id)).await
    }

    async fn addresses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContactAddress>> {
        load_list(ctx, AddressesOf(self.id)).await
    }

    async fn bank_accounts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ContactBankAccount>> {
        load_list(ctx, BankAccountsOf(self.id)).await
    }

    /// The primary email (the list view's E-mail column).
    async fn primary_email(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ContactEmail>> {
        let all = load_list(ctx, EmailsOf(self.id)).await?;
        Ok(all.into_iter().find(|e| e.is_primary))
    }

    /// The primary phone (the list view's Number column).
    async fn primary_phone(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ContactPhone>> {
        let all = load_list(ctx, PhonesOf(self.id)).await?;
        Ok(all.into_iter().find(|p| p.is_primary))
    }

    async fn primary_address(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ContactAddress>> {
        let all = load_list(ctx, AddressesOf(self.id)).await?;
        Ok(all.into_iter().find(|a| a.is_primary))
    }
}

/// The GraphQL `id`, `type` (documented by `$type_doc`) and `contact` of a typed detail.
macro_rules! typed_detail {
    ($detail:ty, $type_doc:literal) => {
        #[ComplexObject]
        impl $detail {
            pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
                Ok(self.id.to_id())
            }

            #[doc = $type_doc]
            #[graphql(name = "type")]
            async fn detail_type(
                &self,
                ctx: &Context<'_>,
            ) -> async_graphql::Result<Option<DetailType>> {
                load_opt(ctx, self.type_id).await
            }

            async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
                load_opt(ctx, Some(self.contact_id)).await
            }
        }
    };
}

/// An email address of a contact.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = contact_emails)]
#[graphql(complex)]
pub struct ContactEmail {
    #[graphql(skip)]
    pub id: EmailId,
    #[graphql(skip)]
    pub contact_id: ContactId,
    /// Stored trimmed, with the domain in lower case.
    pub email: String,
    #[graphql(skip)]
    pub type_id: Option<DetailTypeId>,
    pub is_primary: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

typed_detail!(
    ContactEmail,
    "Business, Personal, … (a detail type of kind EMAIL)."
);

/// A phone number of a contact.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = contact_phones)]
#[graphql(complex)]
pub struct ContactPhone {
    #[graphql(skip)]
    pub id: PhoneId,
    #[graphql(skip)]
    pub contact_id: ContactId,
    /// E.164, e.g. `+351912345678`.
    pub number: String,
    #[graphql(skip)]
    pub type_id: Option<DetailTypeId>,
    pub is_primary: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

typed_detail!(
    ContactPhone,
    "Mobile, Office, … (a detail type of kind PHONE)."
);

/// A postal address of a contact.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = contact_addresses)]
#[graphql(complex)]
pub struct ContactAddress {
    #[graphql(skip)]
    pub id: AddressId,
    #[graphql(skip)]
    pub contact_id: ContactId,
    pub address: String,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub zip_code: String,
    pub locality: String,
    #[graphql(skip)]
    pub type_id: Option<DetailTypeId>,
    pub is_primary: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

typed_detail!(
    ContactAddress,
    "Billing, Shipping, … (a detail type of kind ADDRESS)."
);

/// A bank account of a contact.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = contact_bank_accounts)]
#[graphql(complex)]
pub struct ContactBankAccount {
    #[graphql(skip)]
    pub id: BankAccountId,
    #[graphql(skip)]
    pub contact_id: ContactId,
    /// The account's label.
    pub name: String,
    #[graphql(skip)]
    pub iban: String,
    /// SWIFT/BIC code.
    pub swift: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl ContactBankAccount {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    /// The IBAN grouped by four characters, e.g. `DE44 5001 0517 5407 3249 31`.
    async fn iban(&self) -> String {
        group_iban(&self.iban)
    }

    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        load_opt(ctx, Some(self.contact_id)).await
    }
}
