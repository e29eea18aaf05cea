//! Tenant configuration: companies, users, segmentations, reason codes, detail types and accounts.
//! Each record is tenant-wide (`company` null) or belongs to one company; every kind is created,
//! changed and deleted by the same generic operations (`ops`).

pub mod input;
pub mod loaders;
pub mod model;
pub mod ops;
pub mod resolvers;
mod store;

pub use loaders::load_company;
pub use ops::{ConfigRecord, check_company};
