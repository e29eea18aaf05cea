//! API tokens: long-lived secrets for BI tools and scripts, each acting as its user (read-only
//! ones only read). Owns `api_tokens`; a secret is shown once and stored only as its hash.

pub mod loaders;
pub mod model;
pub mod ops;
pub mod resolvers;
mod secret;
mod store;

pub use secret::PREFIX;
