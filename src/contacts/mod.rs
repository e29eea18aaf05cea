//! Contacts: the people a sales team works with, their details (emails, phones, addresses,
//! bank accounts, accounts) and the contact list with its filters, orders and pages. Its
//! operations (`ops`) are what resolvers, the lifecycle, the demo loader and importers call.

pub mod bulk;
pub mod details;
pub mod forms;
pub mod input;
pub mod known;
pub mod list;
pub mod loaders;
pub mod merge;
pub mod model;
pub mod ops;
pub mod resolvers;
pub mod rules;
mod store;
pub mod trash;

pub use forms::Placement;
pub use model::{Contact, ContactStatus};
/// Reads other features make of contacts, limited to the viewer's scope.
/// Puts a contact on a lifecycle step (the lifecycle records the move).
pub use store::place_on_step;
pub use store::{
    AssignedAccount, addresses_of, contacts_by_email, contacts_by_ids, count_all, emails_of,
    filtered_ids, find_contact, list_contacts, lower, lower_nullable, phones_of,
};
