//! Batch loads of configuration records by id, for the relations of other objects.

use super::model::{Account, Company, DetailType, ReasonCode, Segmentation, User};
use super::ops::ConfigRecord as _;
use crate::by_id_loader;
use crate::ids::{AccountId, CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, UserId};

by_id_loader!(CompanyId => Company, Company::by_ids);
by_id_loader!(UserId => User, User::by_ids);
by_id_loader!(SegmentationId => Segmentation, Segmentation::by_ids);
by_id_loader!(ReasonCodeId => ReasonCode, ReasonCode::by_ids);
by_id_loader!(DetailTypeId => DetailType, DetailType::by_ids);
by_id_loader!(AccountId => Account, Account::by_ids);

/// The company of a record (`None` = tenant-wide), through the request's loader.
pub async fn load_company(
    ctx: &async_graphql::Context<'_>,
    company_id: Option<CompanyId>,
) -> async_graphql::Result<Option<Company>> {
    crate::graphql::context::load_opt(ctx, company_id).await
}
