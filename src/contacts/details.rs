//! The four kinds of contact detail (emails, phones, addresses, bank accounts) behind one
//! generic path: how each is parsed from its inputs and stored. Emails, phones and addresses
//! keep exactly one primary per contact; bank accounts have none.

use std::future::Future;

use super::forms::*;
use super::input::*;
use super::model::{ContactAddress, ContactBankAccount, ContactEmail, ContactPhone};
use super::store;
use crate::db::Conn;
use crate::error::AppResult;
use crate::ids::{AddressId, BankAccountId, ContactId, EmailId, PhoneId, TypedId};
use crate::validation::Validator;
use crate::viewer::Viewer;

pub trait Detail: Sized + Send {
    type Id: TypedId;
    /// The input that adds one, and the input that changes one.
    type Input: Send + Sync;
    type ChangeInput: Send + Sync;
    type New: Send + Sync;
    type Changes: Send + Sync;
    /// Whether parsing needs the region national phone numbers are read in.
    const READS_REGION: bool = false;
    /// Whether the input names no other record (bank accounts): then it is judged whole before
    /// the contact is looked up.
    const NAMES_NO_RECORDS: bool = false;

    fn parse(
        input: &Self::Input,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        region: Option<&str>,
    ) -> Self::New;
    fn parse_changes(
        input: &Self::ChangeInput,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        region: Option<&str>,
    ) -> Self::Changes;

    fn contact_id(&self) -> ContactId;
    /// The primary flag of a new detail, or of a change to one; `None` for kinds without one.
    fn new_primary(new: &mut Self::New) -> Option<&mut bool>;
    fn changed_primary(changes: &mut Self::Changes) -> Option<&mut Option<bool>>;
    fn is_primary(&self) -> bool;

    fn find(
        c: &mut Conn,
        viewer: &Viewer,
        id: Self::Id,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send;
    fn insert(
        c: &mut Conn,
        contact: ContactId,
        new: &Self::New,
    ) -> impl Future<Output = AppResult<Self>> + Send;
    fn update(
        c: &mut Conn,
        id: Self::Id,
        changes: &Self::Changes,
    ) -> impl Future<Output = AppResult<Self>> + Send;
    fn delete(c: &mut Conn, id: Self::Id) -> impl Future<Output = AppResult<()>> + Send;
    /// Ids of the contact's details of this kind, oldest first, except `except`.
    fn other_ids(
        c: &mut Conn,
        contact: ContactId,
        except: Option<Self::Id>,
    ) -> impl Future<Output = AppResult<Vec<Self::Id>>> + Send;
    /// Unmarks the contact's primary of this kind (before another is marked).
    fn clear_primary(
        c: &mut Conn,
        contact: ContactId,
    ) -> impl Future<Output = AppResult<()>> + Send;
    fn mark_primary(c: &mut Conn, id: Self::Id) -> impl Future<Output = AppResult<()>> + Send;
}

/// Implements [`Detail`]'s storage with the functions of one detail table module.
macro_rules! stored_in {
    ($table:ident, $id:ty, primary: true) => {
        stored_in!(@common $table, $id);

        fn new_primary(new: &mut Self::New) -> Option<&mut bool> {
            Some(&mut new.is_primary)
        }

        fn changed_primary(changes: &mut Self::Changes) -> Option<&mut Option<bool>> {
            Some(&mut changes.is_primary)
        }

        fn is_primary(&self) -> bool {
            self.is_primary
        }

        async fn other_ids(
            c: &mut Conn,
            contact: ContactId,
            except: Option<$id>,
        ) -> AppResult<Vec<$id>> {
            store::$table::other_ids(c, contact, except).await
        }

        async fn clear_primary(c: &mut Conn, contact: ContactId) -> AppResult<()> {
            store::$table::clear_primary(c, contact).await
        }

        async fn mark_primary(c: &mut Conn, id: $id) -> AppResult<()> {
            store::$table::mark_primary(c, id).await
        }
    };
    ($table:ident, $id:ty, primary: false) => {
        stored_in!(@common $table, $id);

        fn new_primary(_: &mut Self::New) -> Option<&mut bool> {
            None
        }

        fn changed_primary(_: &mut Self::Changes) -> Option<&mut Option<bool>> {
            None
        }

        fn is_primary(&self) -> bool {
            false
        }

        async fn other_ids(_: &mut Conn, _: ContactId, _: Option<$id>) -> AppResult<Vec<$id>> {
            Ok(Vec::new())
        }

        async fn clear_primary(_: &mut Conn, _: ContactId) -> AppResult<()> {
            Ok(())
        }

        async fn mark_primary(_: &mut Conn, _: $id) -> AppResult<()> {
            Ok(())
        }
    };
    (@common $table:ident, $id:ty) => {
        fn contact_id(&self) -> ContactId {
            self.contact_id
        }

        async fn find(c: &mut Conn, viewer: &Viewer, id: $id) -> AppResult<Option<Self>> {
            store::$table::find(c, viewer, id).await
        }

        async fn insert(c: &mut Conn, contact: ContactId, new: &Self::New) -> AppResult<Self> {
            store::$table::insert(c, contact, new).await
        }

        async fn update(c: &mut Conn, id: $id, changes: &Self::Changes) -> AppResult<Self> {
            store::$table::update(c, id, changes).await
        }

        async fn delete(c: &mut Conn, id: $id) -> AppResult<()> {
            store::$table::delete(c, id).await
        }
    };
}

impl Detail for ContactEmail {
    type Id = EmailId;
    type Input = ContactEmailInput;
    type ChangeInput = UpdateContactEmailInput;
    type New = NewEmail;
    type Changes = EmailChanges;

    fn parse(
        input: &Self::Input,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        _: Option<&str>,
    ) -> NewEmail {
        email_row(v, refs, "", input)
    }

    fn parse_changes(
        input: &Self::ChangeInput,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        _: Option<&str>,
    ) -> EmailChanges {
        input.validate(v, refs)
    }

    stored_in!(emails, EmailId, primary: true);
}

impl Detail for ContactPhone {
    type Id = PhoneId;
    type Input = ContactPhoneInput;
    type ChangeInput = UpdateContactPhoneInput;
    type New = NewPhone;
    type Changes = PhoneChanges;
    const READS_REGION: bool = true;

    fn parse(
        input: &Self::Input,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        region: Option<&str>,
    ) -> NewPhone {
        phone_row(v, refs, "", input, region)
    }

    fn parse_changes(
        input: &Self::ChangeInput,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        region: Option<&str>,
    ) -> PhoneChanges {
        input.validate(v, refs, region)
    }

    stored_in!(phones, PhoneId, primary: true);
}

impl Detail for ContactAddress {
    type Id = AddressId;
    type Input = ContactAddressInput;
    type ChangeInput = UpdateContactAddressInput;
    type New = NewAddress;
    type Changes = AddressChanges;

    fn parse(
        input: &Self::Input,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        _: Option<&str>,
    ) -> NewAddress {
        address_row(v, refs, "", input)
    }

    fn parse_changes(
        input: &Self::ChangeInput,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        _: Option<&str>,
    ) -> AddressChanges {
        input.validate(v, refs)
    }

    stored_in!(addresses, AddressId, primary: true);
}

impl Detail for ContactBankAccount {
    type Id = BankAccountId;
    type Input = ContactBankAccountInput;
    type ChangeInput = UpdateContactBankAccountInput;
    type New = NewBankAccount;
    type Changes = BankAccountChanges;
    const NAMES_NO_RECORDS: bool = true;

    fn parse(
        input: &Self::Input,
        v: &mut Validator,
        _: &mut Vec<Reference>,
        _: Option<&str>,
    ) -> NewBankAccount {
        bank_account_row(v, "", input)
    }

    fn parse_changes(
        input: &Self::ChangeInput,
        v: &mut Validator,
        _: &mut Vec<Reference>,
        _: Option<&str>,
    ) -> BankAccountChanges {
        input.validate(v)
    }

    stored_in!(bank_accounts, BankAccountId, primary: false);
}
