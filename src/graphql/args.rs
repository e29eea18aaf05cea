//! Parsing of the arguments many fields share: a record's id, and the `companyId` /
//! `includeTenantWide` pair of configuration lists.

use async_graphql::ID;

use crate::db::scope::ListScope;
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, TypedId};
use crate::validation::{Parsed, Validator};

/// Parses the id argument of a field on one record.
pub fn record_id<T: TypedId>(id: &ID) -> AppResult<T> {
    let mut v = Validator::new();
    let parsed = v.id::<T>("id", id);
    v.require(parsed)
}

/// Parses the id of the record a mutation changes together with its input, so every problem
/// of both is reported at once; a bad id stops here, the input's problems travel on.
pub fn record_and_input<T: TypedId, U>(
    id: &ID,
    parse: impl FnOnce(&mut Validator) -> U,
) -> AppResult<(T, Parsed<U>)> {
    let mut problems = Validator::new();
    let id = problems.id::<T>("id", id);
    let value = parse(&mut problems);
    let id = problems.require(id)?;
    Ok((id, Parsed { value, problems }))
}

/// Parses the list arguments `companyId` and `includeTenantWide`.
pub fn list_scope(company_id: Option<&ID>, include_tenant_wide: bool) -> AppResult<ListScope> {
    let mut v = Validator::new();
    let company = v.optional_id::<CompanyId>("companyId", company_id);
    v.finish()?;
    Ok(ListScope {
        company,
        include_tenant_wide,
    })
}

/// `NOT_FOUND` for a record of a typed id.
pub fn not_found<T: TypedId>(id: T) -> AppError {
    AppError::not_found(T::TYPE_NAME, id.to_id().0)
}
