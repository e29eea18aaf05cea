//! Batch loads behind every relation of Contact: its details, accounts and the contact itself.

use super::model::{Contact, ContactAddress, ContactBankAccount, ContactEmail, ContactPhone};
use super::store;
use crate::ids::{AddressId, BankAccountId, ContactId, EmailId, PhoneId};
use crate::{by_id_loader, children_loader};

/// The emails of a contact, primary first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EmailsOf(pub ContactId);

/// The phones of a contact, primary first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhonesOf(pub ContactId);

/// The addresses of a contact, primary first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressesOf(pub ContactId);

/// The bank accounts of a contact, in the order they were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BankAccountsOf(pub ContactId);

/// The accounts a contact is assigned to, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountsOf(pub ContactId);

by_id_loader!(ContactId => Contact, store::contacts_by_ids);
children_loader!(EmailsOf(ContactId) => ContactEmail, store::emails_of, contact_id);
children_loader!(PhonesOf(ContactId) => ContactPhone, store::phones_of, contact_id);
children_loader!(AddressesOf(ContactId) => ContactAddress, store::addresses_of, contact_id);
children_loader!(BankAccountsOf(ContactId) => ContactBankAccount, store::bank_accounts_of, contact_id);
children_loader!(AccountsOf(ContactId) => store::AssignedAccount, store::accounts_of, contact_id);
by_id_loader!(EmailId => ContactEmail, store::emails::by_ids);
by_id_loader!(PhoneId => ContactPhone, store::phones::by_ids);
by_id_loader!(AddressId => ContactAddress, store::addresses::by_ids);
by_id_loader!(BankAccountId => ContactBankAccount, store::bank_accounts::by_ids);
