//! What every resolver reads from the request context: the database, the viewer, the loaders.

use std::hash::Hash;

use async_graphql::Context;
use async_graphql::dataloader::Loader;

use crate::db::Db;
use crate::db::loader::{LoadError, Loaders, Reader};
use crate::viewer::Viewer;

/// The region national phone numbers are read in when a contact's addresses name no country.
#[derive(Debug, Clone, Default)]
pub struct DefaultPhoneRegion(pub Option<String>);

pub fn db<'a>(ctx: &Context<'a>) -> &'a Db {
    // Both are inserted into every request by `graphql::execute`; absence is a wiring bug.
    ctx.data_unchecked::<Db>()
}

pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_unchecked::<Viewer>()
}

pub fn default_phone_region<'a>(ctx: &Context<'a>) -> Option<&'a str> {
    // Inserted into the schema's data by `schema::schema`.
    ctx.data_unchecked::<DefaultPhoneRegion>().0.as_deref()
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
