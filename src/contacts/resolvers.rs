//! GraphQL queries and mutations of contacts and their details: parse, then run the operation
//! in a transaction.

use async_graphql::{Context, ID, Object};

use super::details::Detail;
use super::input::*;
use super::known::Known;
use super::list::{ContactConnection, ContactCounts, ContactFilter, ContactOrder, PageArgs};
use super::model::{Contact, ContactAddress, ContactBankAccount, ContactEmail, ContactPhone};
use super::{ops, store};
use crate::documents::DocumentStorage;
use crate::error::AppResult;
use crate::graphql::args::record_id;
use crate::graphql::context::{db, default_phone_region, viewer};
use crate::ids::{ContactId, TypedId};
use crate::validation::{Parsed, Validator};

/// Parses the id a detail mutation names. When it is bad the mutation stops here, and the
/// input's own problems (`judge`) are reported with it, so a client sees every bad field at once.
fn target<T: TypedId>(
    path: &str,
    id: &ID,
    judge: impl FnOnce(&mut Validator),
) -> AppResult<(T, Validator)> {
    let mut problems = Validator::new();
    let parsed = problems.id::<T>(path, id);
    if parsed.is_none() {
        judge(&mut problems);
    }
    let id = problems.require(parsed)?;
    Ok((id, problems))
}

async fn add_detail<D: Detail>(
    ctx: &Context<'_>,
    contact_id: &ID,
    input: &D::Input,
    expected_version: Option<i64>,
) -> AppResult<D> {
    let (viewer, region) = (viewer(ctx), default_phone_region(ctx));
    let (contact, problems) = target::<ContactId>("contactId", contact_id, |v| {
        D::parse(input, v, &mut Vec::new(), region);
    })?;
    let input = Parsed {
        value: input,
        problems,
    };
    db(ctx)
        .transaction(async move |c| {
            ops::add_detail::<D>(c, viewer, contact, input, region, expected_version).await
        })
        .await
}

async fn change_detail<D: Detail>(
    ctx: &Context<'_>,
    id: &ID,
    input: &D::ChangeInput,
    expected_version: Option<i64>,
) -> AppResult<D> {
    let (viewer, region) = (viewer(ctx), default_phone_region(ctx));
    let (id, problems) = target::<D::Id>("id", id, |v| {
        D::parse_changes(input, v, &mut Vec::new(), region);
    })?;
    let input = Parsed {
        value: input,
        problems,
    };
    db(ctx)
        .transaction(async move |c| {
            ops::change_detail::<D>(c, viewer, id, input, region, expected_version).await
        })
        .await
}

async fn remove_detail<D: Detail>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i64>,
) -> AppResult<ID> {
    let id = record_id::<D::Id>(id)?;
    let viewer = viewer(ctx);
    let removed = db(ctx)
        .transaction(async move |c| ops::remove_detail::<D>(c, viewer, id, expected_version).await)
        .await?;
    Ok(removed.to_id())
}

#[derive(Default)]
pub struct ContactsQuery;

#[Object]
impl ContactsQuery {
    /// One contact, or null when it does not exist or is out of the viewer's scope.
    async fn contact(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Contact>> {
        let id = record_id::<ContactId>(&id)?;
        let mut conn = db(ctx).conn().await?;
        store::find_contact(&mut conn, viewer(ctx), id).await
    }

    /// The contact list: filter, order (default: name, then id) and keyset pages of at most
    /// 200 (default 50).
    // The Relay connection arguments are fixed by the spec.
    #[allow(clippy::too_many_arguments)]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContactFilter>,
        order_by: Option<ContactOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<ContactConnection> {
        let page = PageArgs {
            filter: filter.as_ref(),
            order: order_by,
            first,
            after: after.as_deref(),
            last,
            before: before.as_deref(),
        }
        .validate()?;
        let mut conn = db(ctx).conn().await?;
        let rows = store::list_contacts(&mut conn, viewer(ctx), &page).await?;
        Ok(ContactConnection::from_rows(rows, &page))
    }

    /// Open and closed contacts matching the filter, for dashboards.
    async fn contact_counts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContactFilter>,
    ) -> AppResult<ContactCounts> {
        let page = PageArgs::filter_only(filter.as_ref()).validate()?;
        let mut conn = db(ctx).conn().await?;
        store::contact_counts(&mut conn, viewer(ctx), &page.filter).await
    }
}

#[derive(Default)]
pub struct ContactsMutation;

#[Object]
impl ContactsMutation {
    /// Creates a contact with its emails, phones, addresses, bank accounts and accounts in one
    /// transaction, placed on the first step of its lifecycle.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        input: CreateContactInput,
    ) -> AppResult<Contact> {
        let input = Parsed::new(|v| input.validate(v, default_phone_region(ctx)));
        let viewer = viewer(ctx);
        let (created, start) = db(ctx)
            .transaction(async move |c| ops::create(c, viewer, input).await)
            .await?;
        if let Some(start) = &start {
            crate::lifecycle::publish(ctx, start);
        }
        Ok(created)
    }

    /// Changes a contact: an absent field keeps its value, `null` clears it. With
    /// `expectedVersion`, a contact changed meanwhile is `VERSION_CONFLICT`.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactInput,
        expected_version: Option<i64>,
    ) -> AppResult<Contact> {
        let (id, input) =
            crate::graphql::args::record_and_input::<ContactId, _>(&id, |v| input.validate(v))?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                ops::update(
                    c,
                    viewer,
                    id,
                    input,
                    expected_version,
                    &mut Known::default(),
                )
                .await
            })
            .await
    }

    /// Moves a contact to the trash: it is left out of every query, list, aggregate and export
    /// until `restoreContact`; `purgeContact` (or the trash retention) deletes it for good.
    async fn delete_contact(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<ContactId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::delete(c, viewer, id).await)
            .await?;
        Ok(id.to_id())
    }

    /// Takes a contact out of the trash, with its details, history and documents.
    async fn restore_contact(&self, ctx: &Context<'_>, id: ID) -> AppResult<Contact> {
        let id = record_id::<ContactId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::restore(c, viewer, id).await)
            .await
    }

    /// Deletes a contact in the trash for good, with its details, history and documents
    /// (MANAGER or ADMIN).
    async fn purge_contact(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<ContactId>(&id)?;
        let viewer = viewer(ctx);
        let keys = db(ctx)
            .transaction(async move |c| ops::purge(c, viewer, id).await)
            .await?;
        // The rows went with the contact; now the bytes they pointed at.
        ctx.data_unchecked::<DocumentStorage>()
            .delete_all(&keys)
            .await;
        Ok(id.to_id())
    }

    /// Merges duplicates into `survivorId`: their emails, phones, addresses and bank accounts
    /// (exact duplicates dropped), accounts, documents and stage history move to it, its empty
    /// fields are filled from them in order, one primary per kind stays, and they go to the
    /// trash; the audit trail records it as MERGE. `dryRun` answers the same without changing
    /// anything. `expectedVersion` is the survivor's.
    async fn merge_contacts(
        &self,
        ctx: &Context<'_>,
        survivor_id: ID,
        merged_ids: Vec<ID>,
        dry_run: Option<bool>,
        expected_version: Option<i64>,
    ) -> AppResult<super::merge::ContactMerge> {
        let dry_run = dry_run.unwrap_or(false);
        let mut v = Validator::new();
        let survivor = v.id::<ContactId>("survivorId", &survivor_id);
        let merged: Vec<Option<ContactId>> = merged_ids
            .iter()
            .enumerate()
            .map(|(i, id)| v.id::<ContactId>(&format!("mergedIds[{i}]"), id))
            .collect();
        super::merge::check_ids(&mut v, survivor, &merged);
        let survivor = v.require(survivor)?;
        v.finish()?;
        let merged: Vec<ContactId> = merged.into_iter().flatten().collect();
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let merge = async |c: &mut crate::db::Conn| {
                    super::merge::merge(c, viewer, survivor, &merged, expected_version, dry_run)
                        .await
                };
                // A dry run is undone whatever happens; its answer was read before.
                c.savepoint(!dry_run, merge).await
            })
            .await
    }

    /// Replaces the accounts a contact is assigned to.
    async fn set_contact_accounts(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        account_ids: Vec<ID>,
        expected_version: Option<i64>,
    ) -> AppResult<Contact> {
        let mut problems = Validator::new();
        let contact = problems.id::<ContactId>("contactId", &contact_id);
        let mut references = Vec::new();
        let accounts = accounts(&mut problems, &mut references, &account_ids);
        let contact = problems.require(contact)?;
        let input = Parsed {
            value: (accounts, references),
            problems,
        };
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                ops::set_accounts(c, viewer, contact, input, expected_version).await
            })
            .await
    }

    /// Adds an email; the first one becomes primary.
    async fn add_contact_email(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        input: ContactEmailInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactEmail> {
        add_detail(ctx, &contact_id, &input, expected_version).await
    }

    /// Changes an email; marking it primary unmarks the old primary.
    async fn update_contact_email(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactEmailInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactEmail> {
        change_detail(ctx, &id, &input, expected_version).await
    }

    /// Removes an email; if it was primary, the oldest remaining one becomes primary.
    async fn remove_contact_email(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<ID> {
        remove_detail::<ContactEmail>(ctx, &id, expected_version).await
    }

    /// Adds a phone number; the first one becomes primary.
    async fn add_contact_phone(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        input: ContactPhoneInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactPhone> {
        add_detail(ctx, &contact_id, &input, expected_version).await
    }

    /// Changes a phone number; marking it primary unmarks the old primary.
    async fn update_contact_phone(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactPhoneInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactPhone> {
        change_detail(ctx, &id, &input, expected_version).await
    }

    /// Removes a phone number; if it was primary, the oldest remaining one becomes primary.
    async fn remove_contact_phone(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<ID> {
        remove_detail::<ContactPhone>(ctx, &id, expected_version).await
    }

    /// Adds an address; the first one becomes primary.
    async fn add_contact_address(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        input: ContactAddressInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactAddress> {
        add_detail(ctx, &contact_id, &input, expected_version).await
    }

    /// Changes an address: absent fields keep their value, `null` clears optional ones.
    async fn update_contact_address(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactAddressInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactAddress> {
        change_detail(ctx, &id, &input, expected_version).await
    }

    /// Removes an address; if it was primary, the oldest remaining one becomes primary.
    async fn remove_contact_address(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<ID> {
        remove_detail::<ContactAddress>(ctx, &id, expected_version).await
    }

    async fn add_contact_bank_account(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        input: ContactBankAccountInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactBankAccount> {
        add_detail(ctx, &contact_id, &input, expected_version).await
    }

    async fn update_contact_bank_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactBankAccountInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactBankAccount> {
        change_detail(ctx, &id, &input, expected_version).await
    }

    async fn remove_contact_bank_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<ID> {
        remove_detail::<ContactBankAccount>(ctx, &id, expected_version).await
    }
}
