//! What every resolver reads from the request context: the database, the viewer, the loaders.

use std::hash::Hash;

use async_graphql::Context;
use async_graphql::dataloader::Loader;

use crate::db::Db;
use crate::db::loader::{LoadError, Loaders, Reader};
use crate::ids::CompanyId;
use crate::settings::model::Company;
use crate::viewer::Viewer;

pub fn db<'a>(ctx: &Context<'a>) -> &'a Db {
    // Both are inserted into every request by `graphql::execute`; absence is a wiring bug.
    ctx.data_unchecked::<Db>()
}

pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_unchecked::<Viewer>()
}

pub fn settings<'a>(ctx: &Context<'a>) -> &'a super::ApiSettings {
    ctx.data_unchecked::<super::ApiSettings>()
}

pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The record behind an optional reference, through the request's loaders.
pub async fn load_opt<K>(
    ctx: &Context<'_>,
    key: Option<K>,
) -> async_graphql::Result<Option<<Reader as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reader: Loader<K, Error = LoadError>,
{
    match key {
        Some(key) => loaders(ctx).load_one(key).await,
        None => Ok(None),
    }
}

/// The records of a one-to-many relation (empty when there are none).
pub async fn load_list<K, T>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Vec<T>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    T: Send + Sync + Clone + 'static,
    Reader: Loader<K, Value = Vec<T>, Error = LoadError>,
{
    Ok(loaders(ctx).load_one(key).await?.unwrap_or_default())
}

/// The company of a record (`None` = tenant-wide), through the request's loader.
pub async fn load_company(
    ctx: &Context<'_>,
    company_id: Option<i64>,
) -> async_graphql::Result<Option<Company>> {
    load_opt(ctx, company_id.map(CompanyId)).await
}
