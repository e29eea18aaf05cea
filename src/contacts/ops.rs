//! The operations on contacts and their details, each inside the caller's transaction: what
//! resolvers, the demo loader and importers call.

use std::collections::HashMap;

use super::bulk::{self, ContactRows};
use super::details::Detail;
use super::input::{ContactDraft, ContactUpdate, Reference};
use super::known::{self, Known};
use super::model::Contact;
use super::{rules, store};
use crate::company;
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::graphql::args::not_found;
use crate::ids::{AccountId, CompanyId, ContactId};
use crate::lifecycle::model::StepOutcome;
use crate::lifecycle::{Moved, NewTransition};
use crate::settings::ops::missing_company;
use crate::time::Timestamp;
use crate::validation::{Parsed, Validator, code};
use crate::viewer::Viewer;

/// The contact with this id, when the viewer can see it.
pub async fn find(c: &mut Conn, viewer: &Viewer, id: ContactId) -> AppResult<Contact> {
    store::find_contact(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// Bumps the version of a contact the viewer can see (locking its row until commit, so
/// concurrent changes queue) and returns it; a stale `expected` is `VERSION_CONFLICT`.
pub async fn lock(
    c: &mut Conn,
    viewer: &Viewer,
    id: ContactId,
    expected: Option<i64>,
) -> AppResult<Contact> {
    let current = store::touch_contact(c, id, expected, viewer.user_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => not_found(id),
            other => other,
        })?;
    if !viewer.sees(current.company_id) {
        return Err(not_found(id));
    }
    viewer.may_change_contact(current.owner_id)?;
    Ok(current)
}

/// The contact with this id, when the viewer can see it and may change it.
async fn find_changeable(c: &mut Conn, viewer: &Viewer, id: ContactId) -> AppResult<Contact> {
    let current = find(c, viewer, id).await?;
    viewer.may_change_contact(current.owner_id)?;
    Ok(current)
}

/// Creates a contact with its emails, phones, addresses, bank accounts and accounts, placed on
/// the first step of its lifecycle (its company's default unless one is named).
pub async fn create(
    c: &mut Conn,
    viewer: &Viewer,
    input: Parsed<ContactDraft>,
) -> AppResult<(Contact, Option<Moved>)> {
    let rows = prepare(c, viewer, input, &mut Known::default()).await?;
    let inserted = bulk::insert(c, vec![rows]).await?;
    let contact =
        inserted.contacts.into_iter().next().ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("the new contact was not returned"))
        })?;
    let start = inserted
        .transitions
        .into_iter()
        .next()
        .map(|transition| Moved {
            transition,
            company_id: contact.company_id,
        });
    Ok((contact, start))
}

/// Checks a new contact (every bad field at once) and places it on the first step of its
/// lifecycle: the rows [`bulk::insert`] writes. Reads records through `known`.
pub async fn prepare(
    c: &mut Conn,
    viewer: &Viewer,
    input: Parsed<ContactDraft>,
    known: &mut Known,
) -> AppResult<ContactRows> {
    let Parsed {
        value: draft,
        mut problems,
    } = input;
    let mut contact = draft.contact;
    viewer.may_change_contact(contact.owner_id)?;
    contact.created_by = viewer.user_id;
    contact.updated_by = viewer.user_id;
    let company = contact.company_id;
    check_company(c, viewer, known, &mut problems, company).await?;
    check_references(c, viewer, known, &mut problems, company, &draft.references).await?;
    problems.finish()?;

    let (template, first) = known.start(c, company, draft.template).await?;
    contact.lifecycle_template_id = template;
    let (mut transitions, mut progress) = (Vec::new(), None);
    if let Some(step) = first {
        let at = Timestamp::now();
        contact.current_step_id = Some(step.id);
        contact.status = step.outcome.into();
        contact.stage_changed_at = Some(at);
        // The contact id is set when the contact is inserted.
        transitions.push(NewTransition::new(
            ContactId(0),
            None,
            step.id,
            viewer.user_id,
            at,
        ));
        // A lost step is an exit, not progress.
        if step.outcome != StepOutcome::Lost {
            progress = template.map(|t| (t, step.id));
        }
    }
    Ok(ContactRows {
        contact,
        account_ids: draft.account_ids,
        emails: draft.emails,
        phones: draft.phones,
        addresses: draft.addresses,
        bank_accounts: draft.bank_accounts,
        transitions,
        progress,
    })
}

/// Changes a contact: an absent field keeps its value, `null` clears it. With
/// `expected_version`, a contact changed meanwhile is `VERSION_CONFLICT`.
pub async fn update(
    c: &mut Conn,
    viewer: &Viewer,
    id: ContactId,
    input: Parsed<ContactUpdate>,
    expected_version: Option<i64>,
    known: &mut Known,
) -> AppResult<Contact> {
    let Parsed {
        value: update,
        mut problems,
    } = input;
    let current = find_changeable(c, viewer, id).await?;
    if let Some(owner) = update.changes.owner_id {
        viewer.may_change_contact(owner)?;
    }
    let company = update.changes.company_id.unwrap_or(current.company_id);
    if let Some(new_company) = update.changes.company_id {
        check_company(c, viewer, known, &mut problems, new_company).await?;
    }
    check_references(c, viewer, known, &mut problems, company, &update.references).await?;
    problems.finish()?;
    let updated =
        store::update_contact(c, id, &update.changes, expected_version, viewer.user_id).await?;
    // Only a move to another company can leave records of the old one behind.
    if update
        .changes
        .company_id
        .is_some_and(|company| company != current.company_id)
    {
        let foreign = store::foreign_references(c, id).await?;
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
}

/// Moves a contact to the trash: from then on it is left out of every read (lists, counts,
/// aggregates, exports, nested fields, downloads) until it is restored or purged. Its details,
/// history and documents stay as they are.
pub async fn delete(c: &mut Conn, viewer: &Viewer, id: ContactId) -> AppResult<()> {
    find_changeable(c, viewer, id).await?;
    store::set_deleted(c, id, true, viewer.user_id)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(())
}

/// Takes a contact out of the trash, as it was when it was deleted.
pub async fn restore(c: &mut Conn, viewer: &Viewer, id: ContactId) -> AppResult<Contact> {
    let trashed = store::find_trashed(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    viewer.may_change_contact(trashed.owner_id)?;
    store::set_deleted(c, id, false, viewer.user_id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// Deletes a contact in the trash for good, with its details, account links, history and
/// document rows; returns the storage keys of its documents, whose bytes the caller deletes
/// after commit. A live contact must be deleted (moved to the trash) first.
pub async fn purge(c: &mut Conn, viewer: &Viewer, id: ContactId) -> AppResult<Vec<String>> {
    let Some(trashed) = store::find_trashed(c, viewer, id).await? else {
        return Err(match store::find_contact(c, viewer, id).await? {
            Some(_) => AppError::Conflict(
                "the contact is not in the trash; delete it first (deleteContact)".into(),
            ),
            None => not_found(id),
        });
    };
    viewer.may_purge(trashed.owner_id)?;
    purge_locked(c, id).await
}

/// Deletes a contact whose row the transaction has locked, and returns its documents' keys.
pub async fn purge_locked(c: &mut Conn, id: ContactId) -> AppResult<Vec<String>> {
    let keys = crate::documents::storage_keys_of_contact(c, id).await?;
    store::purge_contact(c, id).await?;
    Ok(keys)
}

/// Replaces the accounts a contact is assigned to.
pub async fn set_accounts(
    c: &mut Conn,
    viewer: &Viewer,
    id: ContactId,
    input: Parsed<(Vec<AccountId>, Vec<Reference>)>,
    expected_version: Option<i64>,
) -> AppResult<Contact> {
    let Parsed {
        value: (accounts, references),
        mut problems,
    } = input;
    let current = find_changeable(c, viewer, id).await?;
    let (known, company) = (&mut Known::default(), current.company_id);
    check_references(c, viewer, known, &mut problems, company, &references).await?;
    problems.finish()?;
    let updated = store::touch_contact(c, id, expected_version, viewer.user_id).await?;
    store::set_accounts(c, id, &accounts).await?;
    Ok(updated)
}

/// Adds a detail; the first of its kind becomes primary, and marking a new one primary unmarks
/// the old. `default_region` reads national phone numbers when the contact's primary address
/// names no country.
pub async fn add_detail<D: Detail>(
    c: &mut Conn,
    viewer: &Viewer,
    contact: ContactId,
    input: Parsed<&D::Input>,
    default_region: Option<&str>,
    expected_version: Option<i64>,
) -> AppResult<D> {
    let Parsed {
        value: input,
        mut problems,
    } = input;
    let mut references = Vec::new();
    let early =
        judged_before_lookup::<D, _>(&mut problems, |v| D::parse(input, v, &mut Vec::new(), None))?;
    let current = find_changeable(c, viewer, contact).await?;
    let mut new = match early {
        Some(new) => new,
        None => {
            let region = region_of::<D>(c, viewer, contact, default_region).await?;
            D::parse(input, &mut problems, &mut references, region.as_deref())
        }
    };
    let (known, company) = (&mut Known::default(), current.company_id);
    check_references(c, viewer, known, &mut problems, company, &references).await?;
    problems.finish()?;
    store::touch_contact(c, contact, expected_version, viewer.user_id).await?;
    if let Some(flag) = D::new_primary(&mut new) {
        let existing = D::other_ids(c, contact, None).await?;
        *flag = rules::added_is_primary(existing.len(), Some(*flag));
        if *flag && !existing.is_empty() {
            D::clear_primary(c, contact).await?;
        }
    }
    D::insert(c, contact, &new).await
}

/// Adds details of one kind to a contact the caller has just changed (so found, checked and
/// locked) and which has `existing` details of that kind, judged as [`add_detail`] judges them
/// (every bad field at once); the first of its kind becomes primary. `region` is the one
/// [`add_detail`] would read phone numbers in: the contact's primary address country, else the
/// server's default.
pub async fn add_to_changed<D: Detail>(
    c: &mut Conn,
    viewer: &Viewer,
    contact: &Contact,
    existing: usize,
    inputs: &[&D::Input],
    region: Option<&str>,
    known: &mut Known,
) -> AppResult<()> {
    if inputs.is_empty() {
        return Ok(());
    }
    let (mut problems, mut references) = (Validator::new(), Vec::new());
    let mut new: Vec<D::New> = inputs
        .iter()
        .map(|input| D::parse(input, &mut problems, &mut references, region))
        .collect();
    check_references(
        c,
        viewer,
        known,
        &mut problems,
        contact.company_id,
        &references,
    )
    .await?;
    problems.finish()?;
    for (index, detail) in new.iter_mut().enumerate() {
        if let Some(flag) = D::new_primary(detail) {
            let before = existing + index;
            *flag = rules::added_is_primary(before, Some(*flag));
            if *flag && before > 0 {
                D::clear_primary(c, contact.id).await?;
            }
        }
        D::insert(c, contact.id, detail).await?;
    }
    Ok(())
}

/// Changes a detail: absent fields keep their value, `null` clears optional ones. Marking it
/// primary unmarks the old primary; unmarking the primary hands the flag to the oldest other
/// detail (the only one stays primary).
pub async fn change_detail<D: Detail>(
    c: &mut Conn,
    viewer: &Viewer,
    id: D::Id,
    input: Parsed<&D::ChangeInput>,
    default_region: Option<&str>,
    expected_version: Option<i64>,
) -> AppResult<D> {
    let Parsed {
        value: input,
        mut problems,
    } = input;
    let mut references = Vec::new();
    let early = judged_before_lookup::<D, _>(&mut problems, |v| {
        D::parse_changes(input, v, &mut Vec::new(), None)
    })?;
    let detail = D::find(c, viewer, id).await?.ok_or_else(|| not_found(id))?;
    let contact = detail.contact_id();
    let owner = find_changeable(c, viewer, contact).await?;
    let mut changes = match early {
        Some(changes) => changes,
        None => {
            let region = region_of::<D>(c, viewer, contact, default_region).await?;
            let changes =
                D::parse_changes(input, &mut problems, &mut references, region.as_deref());
            let known = &mut Known::default();
            check_references(
                c,
                viewer,
                known,
                &mut problems,
                owner.company_id,
                &references,
            )
            .await?;
            changes
        }
    };
    problems.finish()?;
    store::touch_contact(c, contact, expected_version, viewer.user_id).await?;
    if let Some(requested) = D::changed_primary(&mut changes) {
        *requested = match (detail.is_primary(), *requested) {
            (false, Some(true)) => {
                D::clear_primary(c, contact).await?;
                Some(true)
            }
            (true, Some(false)) => {
                let others = D::other_ids(c, contact, Some(id)).await?;
                match rules::successor(&others) {
                    Some(successor) => {
                        D::clear_primary(c, contact).await?;
                        D::mark_primary(c, successor).await?;
                        Some(false)
                    }
                    None => Some(true),
                }
            }
            _ => None,
        };
    }
    D::update(c, id, &changes).await
}

/// Removes a detail; if it was primary, the oldest remaining one of its kind becomes primary.
pub async fn remove_detail<D: Detail>(
    c: &mut Conn,
    viewer: &Viewer,
    id: D::Id,
    expected_version: Option<i64>,
) -> AppResult<D::Id> {
    let detail = D::find(c, viewer, id).await?.ok_or_else(|| not_found(id))?;
    find_changeable(c, viewer, detail.contact_id()).await?;
    store::touch_contact(c, detail.contact_id(), expected_version, viewer.user_id).await?;
    D::delete(c, id).await?;
    if detail.is_primary() {
        let others = D::other_ids(c, detail.contact_id(), Some(id)).await?;
        if let Some(successor) = rules::successor(&others) {
            D::mark_primary(c, successor).await?;
        }
    }
    Ok(id)
}

/// For kinds whose input names no other record (bank accounts), parses it and reports its
/// problems before anything is looked up; `None` for the others, parsed once the contact is known.
fn judged_before_lookup<D: Detail, T>(
    problems: &mut Validator,
    parse: impl FnOnce(&mut Validator) -> T,
) -> AppResult<Option<T>> {
    if !D::NAMES_NO_RECORDS {
        return Ok(None);
    }
    let value = parse(problems);
    std::mem::take(problems).finish()?;
    Ok(Some(value))
}

/// The region national phone numbers of this contact are read in: its primary address
/// country, else the server's default. Only read for kinds that need it.
async fn region_of<D: Detail>(
    c: &mut Conn,
    viewer: &Viewer,
    contact: ContactId,
    default: Option<&str>,
) -> AppResult<Option<String>> {
    if !D::READS_REGION {
        return Ok(None);
    }
    let addresses = store::addresses::of(c, viewer, &[contact]).await?;
    Ok(addresses
        .into_iter()
        .find(|a| a.is_primary)
        .and_then(|a| a.country)
        .or_else(|| default.map(str::to_owned)))
}

/// Reports `companyId` when it names a company the viewer cannot see.
async fn check_company(
    c: &mut Conn,
    viewer: &Viewer,
    known: &mut Known,
    v: &mut Validator,
    company: Option<CompanyId>,
) -> AppResult<()> {
    if let Some(id) = company
        && !known.sees_company(c, viewer, id).await?
    {
        missing_company(v, "companyId", id);
    }
    Ok(())
}

/// Checks every reference of an input: it must exist for the viewer, be tenant-wide or of the
/// contact's company, be of the right kind, and (for reason codes) not be archived.
async fn check_references(
    c: &mut Conn,
    viewer: &Viewer,
    known: &mut Known,
    v: &mut Validator,
    company: Option<CompanyId>,
    references: &[Reference],
) -> AppResult<()> {
    if references.is_empty() {
        return Ok(());
    }
    let (mut segmentations, mut reason_codes, mut users) = (Vec::new(), Vec::new(), Vec::new());
    let (mut templates, mut accounts, mut detail_types) = (Vec::new(), Vec::new(), Vec::new());
    for reference in references {
        match reference {
            Reference::Segmentation(_, id) => segmentations.push(*id),
            Reference::ReasonCode(_, id) => reason_codes.push(*id),
            Reference::Owner(_, id) => users.push(*id),
            Reference::Template(_, id) => templates.push(*id),
            Reference::Account(_, id) => accounts.push(*id),
            Reference::DetailType(_, id, _) => detail_types.push(*id),
        }
    }
    known::read(c, viewer, &mut known.segmentations, &segmentations).await?;
    known::read(c, viewer, &mut known.reason_codes, &reason_codes).await?;
    known::read(c, viewer, &mut known.users, &users).await?;
    known::read(c, viewer, &mut known.accounts, &accounts).await?;
    known::read(c, viewer, &mut known.detail_types, &detail_types).await?;
    known.read_templates(c, viewer, &templates).await?;
    let known = &*known;
    fn found<'a, I: std::hash::Hash + Eq, R>(
        records: &'a HashMap<I, Option<R>>,
        id: &I,
    ) -> Option<&'a R> {
        records.get(id).and_then(Option::as_ref)
    }

    let fits = |owner: Option<CompanyId>| company::may_use(owner, company);
    for reference in references {
        let problem: Option<(&'static str, String)> = match reference {
            Reference::Segmentation(_, id) => match found(&known.segmentations, id) {
                None => Some((code::NOT_FOUND, "no such segmentation".into())),
                Some(s) if !fits(s.company_id) => Some(company::wrong_company("segmentation")),
                Some(_) => None,
            },
            Reference::ReasonCode(_, id) => match found(&known.reason_codes, id) {
                None => Some((code::NOT_FOUND, "no such reason code".into())),
                Some(r) if !fits(r.company_id) => Some(company::wrong_company("reason code")),
                Some(r) if r.archived => {
                    Some((code::ARCHIVED, "is archived and cannot be chosen".into()))
                }
                Some(_) => None,
            },
            Reference::Owner(_, id) => match found(&known.users, id) {
                None => Some((code::NOT_FOUND, "no such user".into())),
                Some(u) if !u.active => Some((code::INVALID, "is not an active user".into())),
                Some(_) => None,
            },
            Reference::Template(_, id) => match found(&known.templates, id) {
                None => Some((code::NOT_FOUND, "no such lifecycle template".into())),
                Some(t) if !fits(t.company_id) => {
                    Some(company::wrong_company("lifecycle template"))
                }
                Some(_) => None,
            },
            Reference::Account(_, id) => match found(&known.accounts, id) {
                None => Some((code::NOT_FOUND, "no such account".into())),
                Some(a) if !fits(a.company_id) => Some(company::wrong_company("account")),
                Some(_) => None,
            },
            Reference::DetailType(_, id, kind) => match found(&known.detail_types, id) {
                None => Some((code::NOT_FOUND, "no such detail type".into())),
                Some(t) if t.kind != *kind => Some((
                    code::WRONG_KIND,
                    format!(
                        "is a {} type; a {} type is needed",
                        t.kind.as_str(),
                        kind.as_str()
                    ),
                )),
                Some(t) if !fits(t.company_id) => Some(company::wrong_company("detail type")),
                Some(_) => None,
            },
        };
        if let Some((field_code, message)) = problem {
            v.push(reference.path(), field_code, message);
        }
    }
    Ok(())
}
