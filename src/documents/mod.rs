//! Contact documents: bytes in an object store, rows in the database, uploads through GraphQL
//! multipart requests and downloads over plain HTTP.

pub mod download;
pub mod loaders;
pub mod model;
pub mod ops;
pub mod resolvers;
pub mod rules;
pub mod signing;
pub mod storage;
mod store;
pub mod sweep;

pub use signing::UrlSigner;
pub use storage::DocumentStorage;
pub use store::{find_document, storage_keys_of_contact};
