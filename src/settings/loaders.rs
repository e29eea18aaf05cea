//! Batch loads of configuration records by id, for the relations of other objects.

use super::model::{Account, Company, DetailType, ReasonCode, Segmentation, User};
use super::ops::ConfigRecord as _;
use super::store;
use crate::ids::{AccountId, CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, UserId};
use crate::{by_id_loader, children_loader};

by_id_loader!(CompanyId => Company, Company::by_ids);
by_id_loader!(UserId => User, User::by_ids);
by_id_loader!(SegmentationId => Segmentation, Segmentation::by_ids);
by_id_loader!(ReasonCodeId => ReasonCode, ReasonCode::by_ids);
by_id_loader!(DetailTypeId => DetailType, DetailType::by_ids);
by_id_loader!(AccountId => Account, Account::by_ids);

/// The companies a user works for besides their own, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OtherCompaniesOf(pub UserId);

children_loader!(OtherCompaniesOf(UserId) => store::Membership, store::other_companies_of, user_id);

/// The company of a record (`None` = tenant-wide), through the request's loader.
pub async fn load_company(
    ctx: &async_graphql::Context<'_>,
    company_id: Option<CompanyId>,
) -> async_graphql::Result<Option<Company>> {
    crate::graphql::context::load_opt(ctx, company_id).await
}
