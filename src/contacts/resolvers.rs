//! GraphQL queries and mutations of contacts and their details.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object};

use super::input::*;
use super::list::{ContactConnection, ContactCounts, ContactFilter, ContactOrder, PageArgs};
use super::model::{Contact, ContactAddress, ContactBankAccount, ContactEmail, ContactPhone};
use super::rules;
use super::store::{self, PrimaryKind};
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::graphql::context::{db, settings, viewer};
use crate::ids::{AddressId, BankAccountId, ContactId, EmailId, PhoneId, TypedId};
use crate::lifecycle::resolvers::status_of;
use crate::lifecycle::store as lifecycle_store;
use crate::settings::resolvers::{check_company, not_found, record_id};
use crate::settings::store as settings_store;
use crate::time::Timestamp;
use crate::validation::{Validator, code};
use crate::viewer::Viewer;

/// Checks every reference of an input: it must exist for the viewer, be tenant-wide or of the
/// contact's company, be of the right kind, and (for reason codes) not be archived.
async fn check_references(
    c: &mut Conn,
    viewer: &Viewer,
    v: &mut Validator,
    company: Option<i64>,
    references: &[Reference],
) -> AppResult<()> {
    let mut wanted: HashMap<&'static str, Vec<i64>> = HashMap::new();
    for reference in references {
        let (table, id) = match reference {
            Reference::Segmentation(_, id) => ("segmentation", id.0),
            Reference::ReasonCode(_, id) => ("reason code", id.0),
            Reference::Owner(_, id) => ("user", id.0),
            Reference::Template(_, id) => ("lifecycle template", id.0),
            Reference::Account(_, id) => ("account", id.0),
            Reference::DetailType(_, id, _) => ("detail type", id.0),
        };
        wanted.entry(table).or_default().push(id);
    }
    let ids = |table: &str| wanted.get(table).cloned().unwrap_or_default();
    let segmentations: HashMap<i64, Option<i64>> =
        settings_store::segmentations_by_ids(c, viewer, &ids("segmentation"))
            .await?
            .into_iter()
            .map(|r| (r.id, r.company_id))
            .collect();
    let reason_codes: HashMap<i64, _> =
        settings_store::reason_codes_by_ids(c, viewer, &ids("reason code"))
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
    let users: HashMap<i64, _> = settings_store::users_by_ids(c, viewer, &ids("user"))
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let templates: HashMap<i64, Option<i64>> =
        lifecycle_store::templates_by_ids(c, viewer, &ids("lifecycle template"))
            .await?
            .into_iter()
            .map(|r| (r.id, r.company_id))
            .collect();
    let accounts: HashMap<i64, Option<i64>> =
        settings_store::accounts_by_ids(c, viewer, &ids("account"))
            .await?
            .into_iter()
            .map(|r| (r.id, r.company_id))
            .collect();
    let detail_types: HashMap<i64, _> =
        settings_store::detail_types_by_ids(c, viewer, &ids("detail type"))
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();

    let fits = |owner: Option<i64>| owner.is_none() || owner == company;
    for reference in references {
        let problem: Option<(&'static str, String)> = match reference {
            Reference::Segmentation(_, id) => match segmentations.get(&id.0) {
                None => Some((code::NOT_FOUND, "no such segmentation".into())),
                Some(owner) if !fits(*owner) => Some(wrong_company("segmentation")),
                Some(_) => None,
            },
            Reference::ReasonCode(_, id) => match reason_codes.get(&id.0) {
                None => Some((code::NOT_FOUND, "no such reason code".into())),
                Some(r) if !fits(r.company_id) => Some(wrong_company("reason code")),
                Some(r) if r.archived => {
                    Some((code::ARCHIVED, "is archived and cannot be chosen".into()))
                }
                Some(_) => None,
            },
            Reference::Owner(_, id) => match users.get(&id.0) {
                None => Some((code::NOT_FOUND, "no such user".into())),
                Some(u) if !u.active => Some((code::INVALID, "is not an active user".into())),
                Some(_) => None,
            },
            Reference::Template(_, id) => match templates.get(&id.0) {
                None => Some((code::NOT_FOUND, "no such lifecycle template".into())),
                Some(owner) if !fits(*owner) => Some(wrong_company("lifecycle template")),
                Some(_) => None,
            },
            Reference::Account(_, id) => match accounts.get(&id.0) {
                None => Some((code::NOT_FOUND, "no such account".into())),
                Some(owner) if !fits(*owner) => Some(wrong_company("account")),
                Some(_) => None,
            },
            Reference::DetailType(_, id, kind) => match detail_types.get(&id.0) {
                None => Some((code::NOT_FOUND, "no such detail type".into())),
                Some(t) if t.kind != *kind => Some((
                    code::WRONG_KIND,
                    format!(
                        "is a {} type; a {} type is needed",
                        t.kind.as_str(),
                        kind.as_str()
                    ),
                )),
                Some(t) if !fits(t.company_id) => Some(wrong_company("detail type")),
                Some(_) => None,
            },
        };
        if let Some((field_code, message)) = problem {
            v.push(reference_path(reference), field_code, message);
        }
    }
    Ok(())
}

fn wrong_company(what: &str) -> (&'static str, String) {
    (
        code::WRONG_COMPANY,
        format!("this {what} belongs to another company than the contact"),
    )
}

fn reference_path(reference: &Reference) -> &str {
    match reference {
        Reference::Segmentation(p, _)
        | Reference::ReasonCode(p, _)
        | Reference::Owner(p, _)
        | Reference::Template(p, _)
        | Reference::Account(p, _)
        | Reference::DetailType(p, _, _) => p,
    }
}

async fn find_contact(c: &mut Conn, viewer: &Viewer, id: ContactId) -> AppResult<Contact> {
    store::find_contact(c, viewer, id.0)
        .await?
        .ok_or_else(|| not_found(id))
}

/// The region national phone numbers of this contact are read in: its primary address
/// country, else the server's default.
async fn phone_region(
    c: &mut Conn,
    viewer: &Viewer,
    contact_id: i64,
    default: Option<&str>,
) -> AppResult<Option<String>> {
    let addresses = store::addresses::of(c, viewer, &[contact_id]).await?;
    Ok(addresses
        .into_iter()
        .find(|a| a.is_primary)
        .and_then(|a| a.country)
        .or_else(|| default.map(str::to_owned)))
}

/// Whether a new detail is primary (the first always is); unmarks the old primary if needed.
async fn place_new(
    c: &mut Conn,
    kind: PrimaryKind,
    contact_id: i64,
    requested: Option<bool>,
) -> AppResult<bool> {
    let existing = store::other_ids(c, kind, contact_id, 0).await?;
    let primary = rules::added_is_primary(existing.len(), requested);
    if primary && !existing.is_empty() {
        store::clear_primary(c, kind, contact_id).await?;
    }
    Ok(primary)
}

/// Applies a requested primary flag to an existing detail; returns the flag it ends with.
/// Unmarking the primary hands the flag to the oldest other detail; the only one stays primary.
async fn place_existing(
    c: &mut Conn,
    kind: PrimaryKind,
    contact_id: i64,
    id: i64,
    is_primary: bool,
    requested: Option<bool>,
) -> AppResult<bool> {
    match (is_primary, requested) {
        (false, Some(true)) => {
            store::clear_primary(c, kind, contact_id).await?;
            Ok(true)
        }
        (true, Some(false)) => {
            let others = store::other_ids(c, kind, contact_id, id).await?;
            match rules::successor(&others) {
                Some(successor) => {
                    store::clear_primary(c, kind, contact_id).await?;
                    store::mark_primary(c, kind, successor).await?;
                    Ok(false)
                }
                None => Ok(true),
            }
        }
        (current, _) => Ok(current),
    }
}

/// Removes an email, phone or address; if it was primary, the oldest remaining one of its kind
/// becomes primary.
async fn remove_with_primary(
    ctx: &Context<'_>,
    kind: PrimaryKind,
    id: i64,
    expected_version: Option<i64>,
) -> AppResult<()> {
    let viewer = viewer(ctx);
    db(ctx)
        .transaction(async move |c| {
            let (contact_id, was_primary) = store::detail_owner(c, viewer, kind, id)
                .await?
                .ok_or_else(|| AppError::not_found(kind.type_name(), id))?;
            store::touch_contact(c, contact_id, expected_version).await?;
            store::delete_detail(c, kind, id).await?;
            if was_primary {
                promote_after_removal(c, kind, contact_id, id).await?;
            }
            Ok(())
        })
        .await
}

/// After a primary detail is removed, the oldest remaining one becomes primary.
async fn promote_after_removal(
    c: &mut Conn,
    kind: PrimaryKind,
    contact_id: i64,
    removed: i64,
) -> AppResult<()> {
    let others = store::other_ids(c, kind, contact_id, removed).await?;
    if let Some(successor) = rules::successor(&others) {
        store::mark_primary(c, kind, successor).await?;
    }
    Ok(())
}

#[derive(Default)]
pub struct ContactsQuery;

#[Object]
impl ContactsQuery {
    /// One contact, or null when it does not exist or is out of the viewer's scope.
    async fn contact(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Contact>> {
        let id = record_id::<ContactId>(&id)?;
        let mut conn = db(ctx).conn().await?;
        store::find_contact(&mut conn, viewer(ctx), id.0).await
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
        let page = PageArgs {
            filter: filter.as_ref(),
            order: None,
            first: None,
            after: None,
            last: None,
            before: None,
        }
        .validate()?;
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
        let mut v = Validator::new();
        let draft = input.validate(&mut v, settings(ctx).default_phone_region.as_deref());
        let viewer = viewer(ctx);
        let (created, start) = db(ctx)
            .transaction(async move |c| {
                let ContactDraft {
                    mut contact,
                    template,
                    account_ids,
                    emails,
                    phones,
                    addresses,
                    bank_accounts,
                    references,
                } = draft;
                let company = contact.company_id;
                check_company(c, viewer, &mut v, "companyId", company).await?;
                check_references(c, viewer, &mut v, company, &references).await?;
                v.finish()?;

                let template = match template {
                    Some(t) => Some(t.0),
                    None => lifecycle_store::default_template(c, company).await?,
                };
                let first = match template {
                    Some(t) => lifecycle_store::first_step(c, t).await?,
                    None => None,
                };
                let now = Timestamp::now();
                contact.lifecycle_template_id = template;
                if let Some(step) = &first {
                    contact.current_step_id = Some(step.id);
                    contact.status = status_of(step.outcome);
                    contact.stage_changed_at = Some(now);
                }
                let created = store::insert_contact(c, &contact).await?;
                let mut start = None;
                if let Some(step) = first {
                    start = Some(
                        lifecycle_store::insert_transition(
                            c,
                            &lifecycle_store::NewTransition::new(
                                created.id,
                                None,
                                step.id,
                                viewer.user_id,
                                now,
                            ),
                        )
                        .await?,
                    );
                }
                let account_ids: Vec<i64> = account_ids.iter().map(|a| a.0).collect();
                store::set_accounts(c, created.id, &account_ids).await?;
                for row in emails {
                    store::emails::insert(
                        c,
                        &EmailRow {
                            contact_id: created.id,
                            ..row
                        },
                    )
                    .await?;
                }
                for row in phones {
                    store::phones::insert(
                        c,
                        &PhoneRow {
                            contact_id: created.id,
                            ..row
                        },
                    )
                    .await?;
                }
                for row in addresses {
                    store::addresses::insert(
                        c,
                        &AddressRow {
                            contact_id: created.id,
                            ..row
                        },
                    )
                    .await?;
                }
                for row in bank_accounts {
                    store::bank_accounts::insert(
                        c,
                        &BankAccountRow {
                            contact_id: created.id,
                            ..row
                        },
                    )
                    .await?;
                }
                Ok((created, start))
            })
            .await?;
        if let Some(start) = &start {
            crate::lifecycle::resolvers::publish(ctx, start, created.company_id);
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
        let mut v = Validator::new();
        let id = v.id::<ContactId>("id", &id);
        let update = input.validate(&mut v);
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = find_contact(c, viewer, id).await?;
                let company = update.changes.company_id.unwrap_or(current.company_id);
                if let Some(new_company) = update.changes.company_id {
                    check_company(c, viewer, &mut v, "companyId", new_company).await?;
                }
                check_references(c, viewer, &mut v, company, &update.references).await?;
                v.finish()?;
                let updated = store::update_contact(c, id.0, &update.changes, expected_version).await?;
                if update.changes.company_id.is_some() {
                    let foreign = store::foreign_references(c, id.0).await?;
                    if !foreign.is_empty() {
                        return Err(AppError::field(
                            "companyId",
                            code::WRONG_COMPANY,
                            format!(
                                "the contact keeps records of another company in {}; change them first",
                                foreign.join(", ")
                            ),
                        ));
                    }
                }
                Ok(updated)
            })
            .await
    }

    /// Deletes a contact with its details, account links and history.
    async fn delete_contact(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<ContactId>(&id)?;
        let viewer = viewer(ctx);
        let keys = db(ctx)
            .transaction(async move |c| {
                find_contact(c, viewer, id).await?;
                // Lock the contact first: an upload committing meanwhile would otherwise add a
                // document whose bytes this delete never hears of.
                store::touch_contact(c, id.0, None).await?;
                let keys = crate::documents::storage_keys_of_contact(c, id.0).await?;
                store::delete_contact(c, id.0).await?;
                Ok(keys)
            })
            .await?;
        // The rows went with the contact; now the bytes they pointed at.
        settings(ctx).documents.delete_all(&keys).await;
        Ok(id.to_id())
    }

    /// Replaces the accounts a contact is assigned to.
    async fn set_contact_accounts(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        account_ids: Vec<ID>,
        expected_version: Option<i64>,
    ) -> AppResult<Contact> {
        let mut v = Validator::new();
        let contact = v.id::<ContactId>("contactId", &contact_id);
        let accounts: Vec<crate::ids::AccountId> = v.ids("accountIds", &account_ids);
        let references: Vec<Reference> = account_ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                crate::ids::parse(id)
                    .ok()
                    .map(|a| Reference::Account(format!("accountIds[{i}]"), a))
            })
            .collect();
        let contact = v.require(contact)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = find_contact(c, viewer, contact).await?;
                check_references(c, viewer, &mut v, current.company_id, &references).await?;
                v.finish()?;
                let updated = store::touch_contact(c, contact.0, expected_version).await?;
                let ids: Vec<i64> = accounts.iter().map(|a| a.0).collect();
                store::set_accounts(c, contact.0, &ids).await?;
                Ok(updated)
            })
            .await
    }

    // ---- emails ---------------------------------------------------------------------------

    /// Adds an email; the first one becomes primary.
    async fn add_contact_email(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        input: ContactEmailInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactEmail> {
        let mut v = Validator::new();
        let contact = v.id::<ContactId>("contactId", &contact_id);
        let mut refs = Vec::new();
        let row = email_row(&mut v, &mut refs, "", &input);
        let contact = v.require(contact)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = find_contact(c, viewer, contact).await?;
                check_references(c, viewer, &mut v, current.company_id, &refs).await?;
                v.finish()?;
                store::touch_contact(c, contact.0, expected_version).await?;
                let is_primary =
                    place_new(c, PrimaryKind::Email, contact.0, input.is_primary).await?;
                store::emails::insert(
                    c,
                    &EmailRow {
                        contact_id: contact.0,
                        is_primary,
                        ..row
                    },
                )
                .await
            })
            .await
    }

    /// Changes an email; marking it primary unmarks the old primary.
    async fn update_contact_email(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactEmailInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactEmail> {
        let mut v = Validator::new();
        let id = v.id::<EmailId>("id", &id);
        let email = input.email.as_deref().map(|e| v.email("email", e));
        let mut refs = Vec::new();
        let type_id = detail_type_update(
            &mut v,
            &mut refs,
            &input.type_id,
            crate::settings::model::DetailKind::Email,
        );
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = store::emails::find(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                let contact = find_contact(c, viewer, ContactId(current.contact_id)).await?;
                check_references(c, viewer, &mut v, contact.company_id, &refs).await?;
                v.finish()?;
                store::touch_contact(c, contact.id, expected_version).await?;
                let is_primary = place_existing(
                    c,
                    PrimaryKind::Email,
                    contact.id,
                    id.0,
                    current.is_primary,
                    input.is_primary,
                )
                .await?;
                let row = EmailRow {
                    contact_id: contact.id,
                    email: email.unwrap_or(current.email),
                    type_id: type_id.unwrap_or(current.type_id),
                    is_primary,
                    created_at: current.created_at,
                    updated_at: Timestamp::now(),
                };
                store::emails::update(c, id.0, &row).await
            })
            .await
    }

    /// Removes an email; if it was primary, the oldest remaining one becomes primary.
    async fn remove_contact_email(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<ID> {
        let id = record_id::<EmailId>(&id)?;
        remove_with_primary(ctx, PrimaryKind::Email, id.0, expected_version).await?;
        Ok(id.to_id())
    }

    // ---- phones ---------------------------------------------------------------------------

    /// Adds a phone number; the first one becomes primary.
    async fn add_contact_phone(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        input: ContactPhoneInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactPhone> {
        let mut v = Validator::new();
        let contact = v.id::<ContactId>("contactId", &contact_id);
        let contact = v.require(contact)?;
        let default_region = settings(ctx).default_phone_region.clone();
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = find_contact(c, viewer, contact).await?;
                let region = phone_region(c, viewer, contact.0, default_region.as_deref()).await?;
                let mut refs = Vec::new();
                let row = phone_row(&mut v, &mut refs, "", &input, region.as_deref());
                check_references(c, viewer, &mut v, current.company_id, &refs).await?;
                v.finish()?;
                store::touch_contact(c, contact.0, expected_version).await?;
                let is_primary =
                    place_new(c, PrimaryKind::Phone, contact.0, input.is_primary).await?;
                store::phones::insert(
                    c,
                    &PhoneRow {
                        contact_id: contact.0,
                        is_primary,
                        ..row
                    },
                )
                .await
            })
            .await
    }

    /// Changes a phone number; marking it primary unmarks the old primary.
    async fn update_contact_phone(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactPhoneInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactPhone> {
        let mut v = Validator::new();
        let id = v.id::<PhoneId>("id", &id);
        let mut refs = Vec::new();
        let type_id = detail_type_update(
            &mut v,
            &mut refs,
            &input.type_id,
            crate::settings::model::DetailKind::Phone,
        );
        let id = v.require(id)?;
        let default_region = settings(ctx).default_phone_region.clone();
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = store::phones::find(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                let contact = find_contact(c, viewer, ContactId(current.contact_id)).await?;
                let region = phone_region(c, viewer, contact.id, default_region.as_deref()).await?;
                let number = input
                    .number
                    .as_deref()
                    .map(|n| phone(&mut v, "number", n, region.as_deref()));
                check_references(c, viewer, &mut v, contact.company_id, &refs).await?;
                v.finish()?;
                store::touch_contact(c, contact.id, expected_version).await?;
                let is_primary = place_existing(
                    c,
                    PrimaryKind::Phone,
                    contact.id,
                    id.0,
                    current.is_primary,
                    input.is_primary,
                )
                .await?;
                let row = PhoneRow {
                    contact_id: contact.id,
                    number: number.unwrap_or(current.number),
                    type_id: type_id.unwrap_or(current.type_id),
                    is_primary,
                    created_at: current.created_at,
                    updated_at: Timestamp::now(),
                };
                store::phones::update(c, id.0, &row).await
            })
            .await
    }

    /// Removes a phone number; if it was primary, the oldest remaining one becomes primary.
    async fn remove_contact_phone(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<ID> {
        let id = record_id::<PhoneId>(&id)?;
        remove_with_primary(ctx, PrimaryKind::Phone, id.0, expected_version).await?;
        Ok(id.to_id())
    }

    // ---- addresses ------------------------------------------------------------------------

    /// Adds an address; the first one becomes primary.
    async fn add_contact_address(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        input: ContactAddressInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactAddress> {
        let mut v = Validator::new();
        let contact = v.id::<ContactId>("contactId", &contact_id);
        let mut refs = Vec::new();
        let row = address_row(&mut v, &mut refs, "", &input);
        let contact = v.require(contact)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = find_contact(c, viewer, contact).await?;
                check_references(c, viewer, &mut v, current.company_id, &refs).await?;
                v.finish()?;
                store::touch_contact(c, contact.0, expected_version).await?;
                let is_primary =
                    place_new(c, PrimaryKind::Address, contact.0, input.is_primary).await?;
                store::addresses::insert(
                    c,
                    &AddressRow {
                        contact_id: contact.0,
                        is_primary,
                        ..row
                    },
                )
                .await
            })
            .await
    }

    /// Changes an address: absent fields keep their value, `null` clears optional ones.
    async fn update_contact_address(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactAddressInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactAddress> {
        let mut v = Validator::new();
        let id = v.id::<AddressId>("id", &id);
        let mut refs = Vec::new();
        let address = input.address.as_deref().map(|a| v.name("address", a));
        let zip_code = input.zip_code.as_deref().map(|z| v.name("zipCode", z));
        let locality = input.locality.as_deref().map(|l| v.name("locality", l));
        let country = match &input.country {
            async_graphql::MaybeUndefined::Undefined => None,
            async_graphql::MaybeUndefined::Null => Some(None),
            async_graphql::MaybeUndefined::Value(raw) => Some(country_update(&mut v, raw)),
        };
        let state = v.text_update("state", &input.state, crate::validation::MAX_NAME);
        let city = v.text_update("city", &input.city, crate::validation::MAX_NAME);
        let type_id = detail_type_update(
            &mut v,
            &mut refs,
            &input.type_id,
            crate::settings::model::DetailKind::Address,
        );
        let id = v.require(id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = store::addresses::find(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                let contact = find_contact(c, viewer, ContactId(current.contact_id)).await?;
                check_references(c, viewer, &mut v, contact.company_id, &refs).await?;
                v.finish()?;
                store::touch_contact(c, contact.id, expected_version).await?;
                let is_primary = place_existing(
                    c,
                    PrimaryKind::Address,
                    contact.id,
                    id.0,
                    current.is_primary,
                    input.is_primary,
                )
                .await?;
                let row = AddressRow {
                    contact_id: contact.id,
                    address: address.unwrap_or(current.address),
                    country: country.unwrap_or(current.country),
                    state: state.unwrap_or(current.state),
                    city: city.unwrap_or(current.city),
                    zip_code: zip_code.unwrap_or(current.zip_code),
                    locality: locality.unwrap_or(current.locality),
                    type_id: type_id.unwrap_or(current.type_id),
                    is_primary,
                    created_at: current.created_at,
                    updated_at: Timestamp::now(),
                };
                store::addresses::update(c, id.0, &row).await
            })
            .await
    }

    /// Removes an address; if it was primary, the oldest remaining one becomes primary.
    async fn remove_contact_address(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<ID> {
        let id = record_id::<AddressId>(&id)?;
        remove_with_primary(ctx, PrimaryKind::Address, id.0, expected_version).await?;
        Ok(id.to_id())
    }

    // ---- bank accounts --------------------------------------------------------------------

    async fn add_contact_bank_account(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        input: ContactBankAccountInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactBankAccount> {
        let mut v = Validator::new();
        let contact = v.id::<ContactId>("contactId", &contact_id);
        let row = bank_account_row(&mut v, "", &input);
        let contact = v.require(contact)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                find_contact(c, viewer, contact).await?;
                store::touch_contact(c, contact.0, expected_version).await?;
                store::bank_accounts::insert(
                    c,
                    &BankAccountRow {
                        contact_id: contact.0,
                        ..row
                    },
                )
                .await
            })
            .await
    }

    async fn update_contact_bank_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateContactBankAccountInput,
        expected_version: Option<i64>,
    ) -> AppResult<ContactBankAccount> {
        let mut v = Validator::new();
        let id = v.id::<BankAccountId>("id", &id);
        let name = input.name.as_deref().map(|n| v.name("name", n));
        let iban_value = input.iban.as_deref().map(|i| iban(&mut v, "iban", i));
        let swift_value = match &input.swift {
            async_graphql::MaybeUndefined::Undefined => None,
            async_graphql::MaybeUndefined::Null => Some(None),
            async_graphql::MaybeUndefined::Value(raw) => Some(swift(&mut v, "swift", Some(raw))),
        };
        let id = v.require(id)?;
        v.finish()?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = store::bank_accounts::find(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                store::touch_contact(c, current.contact_id, expected_version).await?;
                let row = BankAccountRow {
                    contact_id: current.contact_id,
                    name: name.unwrap_or(current.name),
                    iban: iban_value.unwrap_or(current.iban),
                    swift: swift_value.unwrap_or(current.swift),
                    created_at: current.created_at,
                    updated_at: Timestamp::now(),
                };
                store::bank_accounts::update(c, id.0, &row).await
            })
            .await
    }

    async fn remove_contact_bank_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> AppResult<ID> {
        let id = record_id::<BankAccountId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| {
                let current = store::bank_accounts::find(c, viewer, id.0)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                store::touch_contact(c, current.contact_id, expected_version).await?;
                store::bank_accounts::delete(c, id.0).await?;
                Ok(id.to_id())
            })
            .await
    }
}

/// A change of a detail's type: absent keeps, `null` clears, an id must be of `kind`.
fn detail_type_update(
    v: &mut Validator,
    refs: &mut Vec<Reference>,
    id: &async_graphql::MaybeUndefined<ID>,
    kind: crate::settings::model::DetailKind,
) -> Option<Option<i64>> {
    let change = v.id_update::<crate::ids::DetailTypeId>("typeId", id)?;
    if let Some(type_id) = change {
        refs.push(Reference::DetailType("typeId".into(), type_id, kind));
    }
    Some(change.map(|t| t.0))
}

fn country_update(v: &mut Validator, raw: &str) -> Option<String> {
    if raw.trim().is_empty() {
        return None;
    }
    match crate::validation::parse_country(raw) {
        Ok(code) => Some(code),
        Err(message) => {
            v.push("country", code::INVALID, message);
            None
        }
    }
}
