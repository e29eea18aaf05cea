//! Tenant configuration: companies, users, segmentations, reason codes, detail types and accounts.
//! Each record is tenant-wide (`company` null) or belongs to one company.

pub mod input;
pub mod loaders;
pub mod model;
pub mod resolvers;
pub mod store;
