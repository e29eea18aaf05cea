//! Rows of the configuration tables; each row struct is also its GraphQL object.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use diesel::prelude::*;

use super::loaders::{OtherCompaniesOf, load_company};
use crate::db::schema::{accounts, companies, detail_types, reason_codes, segmentations, users};
use crate::graphql::context::load_list;
use crate::ids::{
    AccountId, CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, TypedId, UserId,
};
use crate::text_enum;
use crate::time::Timestamp;
use crate::viewer::Role;

text_enum!(
    /// Which kind of outcome a reason code explains.
    ReasonOutcome { Won = "WON", Lost = "LOST", Other = "OTHER" }
);

text_enum!(
    /// Which contact detail a detail type labels.
    DetailKind { Address = "ADDRESS", Email = "EMAIL", Phone = "PHONE" }
);

/// The GraphQL `id` and `company` of a record that is tenant-wide or of one company.
macro_rules! company_record {
    ($record:ty) => {
        #[ComplexObject]
        impl $record {
            pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
                Ok(self.id.to_id())
            }

            /// The owning company; null when tenant-wide.
            async fn company(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Company>> {
                load_company(ctx, self.company_id).await
            }
        }
    };
}

/// A company (business unit) of the tenant.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = companies)]
#[graphql(complex)]
pub struct Company {
    #[graphql(skip)]
    pub id: CompanyId,
    pub name: String,
    /// Short unique code, e.g. `ARCH`.
    pub code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl Company {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }
}

/// A person who owns contacts and acts on them.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = users)]
#[graphql(complex)]
pub struct User {
    #[graphql(skip)]
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl User {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    /// The user's company; null for a tenant-wide user.
    async fn company(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Company>> {
        load_company(ctx, self.company_id).await
    }

    /// Further companies the user works for besides `company` (of those you can see), by
    /// name; `setUserOtherCompanies` changes them.
    async fn other_companies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Company>> {
        let memberships = load_list(ctx, OtherCompaniesOf(self.id)).await?;
        Ok(memberships.into_iter().map(|m| m.company).collect())
    }
}

/// A market or internal segment contacts are grouped by.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = segmentations)]
#[graphql(complex)]
pub struct Segmentation {
    #[graphql(skip)]
    pub id: SegmentationId,
    pub name: String,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

company_record!(Segmentation);

/// Why a contact was won, lost or stays where it is.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = reason_codes)]
#[graphql(complex)]
pub struct ReasonCode {
    #[graphql(skip)]
    pub id: ReasonCodeId,
    pub code: String,
    pub description: Option<String>,
    pub outcome: ReasonOutcome,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    /// Archived codes stay on history but cannot be chosen any more.
    pub archived: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

company_record!(ReasonCode);

/// A label for addresses, emails or phones (Billing, Business, Mobile, …).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = detail_types)]
#[graphql(complex)]
pub struct DetailType {
    #[graphql(skip)]
    pub id: DetailTypeId,
    pub kind: DetailKind,
    pub name: String,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

company_record!(DetailType);

/// A customer account contacts can be assigned to.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = accounts)]
#[graphql(complex)]
pub struct Account {
    #[graphql(skip)]
    pub id: AccountId,
    pub name: String,
    #[graphql(skip)]
    pub company_id: Option<CompanyId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

company_record!(Account);
