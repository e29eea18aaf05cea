//! What every feature's resolvers share: the request context (database, viewer, loaders),
//! argument parsing (ids, list scopes), the query limits and the batching of loaders.
//! It knows no feature: the schema is assembled from the features in `crate::schema`.

pub mod access;
pub mod args;
pub mod batch;
pub mod context;
pub mod limits;
pub mod order;
pub mod persisted;
pub mod prepare;
