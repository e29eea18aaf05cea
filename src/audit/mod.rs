//! The audit trail: who changed what and when. Triggers write an entry for every change to a
//! contact, its details, accounts, documents and moves, and to every configuration record, in
//! the changing transaction (`db::audit` names the actor); this module reads them:
//! `Contact.changes` and `auditLog`.

pub mod changes;
pub mod loaders;
pub mod model;
pub mod resolvers;
mod store;
