//! Contacts: the people a sales team works with, their details (emails, phones, addresses,
//! bank accounts, accounts) and the contact list with its filters, orders and pages.

pub mod input;
pub mod list;
pub mod loaders;
pub mod model;
pub mod resolvers;
pub mod rules;
pub mod store;
