//! Duplicate contacts: pairs that share an email, a phone number or an IBAN, or have similar
//! names, with a score; `contactDuplicates(contactId)` and `duplicateContacts(filter, first)`.
//! `mergeContacts` (in `contacts`) then folds them into one.

pub mod resolvers;
pub mod rules;
mod store;
