//! Merging duplicates: `mergeContacts(survivorId, mergedIds, dryRun)` folds contacts into one.

use super::forms::ContactChanges;
use super::model::{Contact, ContactAddress, ContactBankAccount, ContactEmail, ContactPhone};
use super::ops;
use super::store;
use crate::db::{Conn, audit};
use crate::error::{AppError, AppResult};
use crate::ids::ContactId;
use crate::validation::{Validator, code};
use crate::viewer::Viewer;

/// Most contacts merged into one at a time.
pub const MAX_MERGED: usize = 20;

/// The survivor as a merge leaves it, read inside the merge's transaction (so a dry run shows
/// what it would be).
#[derive(Debug, Clone, async_graphql::SimpleObject)]
pub struct ContactMerge {
    /// The survivor. Its nested fields are read after the request's changes commit: for a dry
    /// run they show the contact as it still is; the lists beside show it merged.
    pub contact: Contact,
    pub emails: Vec<ContactEmail>,
    pub phones: Vec<ContactPhone>,
    pub addresses: Vec<ContactAddress>,
    pub bank_accounts: Vec<ContactBankAccount>,
    /// Documents and stage transitions the survivor has after the merge.
    pub document_count: i64,
    pub stage_transition_count: i64,
    /// The contacts moved to the trash (none on a dry run).
    pub merged_ids: Vec<async_graphql::ID>,
    pub dry_run: bool,
}

/// Checks the merged ids (every problem at once): known, not the survivor, no repeats.
pub fn check_ids(v: &mut Validator, survivor: Option<ContactId>, merged: &[Option<ContactId>]) {
    if merged.is_empty() {
        v.push(
            "mergedIds",
            code::INVALID,
            "name at least one contact to merge",
        );
    }
    if merged.len() > MAX_MERGED {
        v.push(
            "mergedIds",
            code::OUT_OF_RANGE,
            format!("at most {MAX_MERGED} contacts are merged at once"),
        );
    }
    let mut seen = Vec::new();
    for (i, id) in merged.iter().enumerate() {
        let Some(id) = id else { continue };
        if Some(*id) == survivor {
            v.push(
                format!("mergedIds[{i}]"),
                code::INVALID,
                "is the survivor; a contact cannot merge into itself",
            );
        } else if seen.contains(id) {
            v.push(format!("mergedIds[{i}]"), code::INVALID, "is named twice");
        }
        seen.push(*id);
    }
}

/// Merges `merged` into `survivor` in the caller's transaction: details, accounts, documents and
/// stage history move to the survivor (exact duplicate details dropped, one primary per kind),
/// the survivor's empty fields are filled from the others in order, and the merged contacts go
/// to the trash. Every audit entry it writes is a MERGE.
pub async fn merge(
    c: &mut Conn,
    viewer: &Viewer,
    survivor: ContactId,
    merged: &[ContactId],
    expected_version: Option<i64>,
    dry_run: bool,
) -> AppResult<ContactMerge> {
    let kept = ops::lock(c, viewer, survivor, expected_version).await?;
    let mut found: std::collections::HashMap<ContactId, Contact> =
        store::contacts_by_ids(c, viewer, merged)
            .await?
            .into_iter()
            .map(|contact| (contact.id, contact))
            .collect();
    let mut problems = Validator::new();
    let mut others = Vec::new();
    for (i, id) in merged.iter().enumerate() {
        let path = format!("mergedIds[{i}]");
        match found.remove(id) {
            None => problems.push(path, code::NOT_FOUND, "no such contact"),
            Some(other) if other.company_id != kept.company_id => problems.push(
                path,
                code::WRONG_COMPANY,
                "belongs to another company than the survivor",
            ),
            Some(other) => {
                viewer.may_change_contact(other.owner_id)?;
                others.push(other);
            }
        }
    }
    problems.finish()?;
    audit::mark_merge(c).await?;
    for other in &others {
        store::move_details(c, other.id, survivor).await?;
    }
    crate::lifecycle::adopt_history(c, merged, survivor).await?;
    let filled = filled_fields(&kept, &others);
    let contact = store::update_contact(c, survivor, &filled, None, viewer.user_id).await?;
    for other in &others {
        store::set_deleted(c, other.id, true, viewer.user_id)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("a merged contact vanished")))?;
    }
    let ids = [survivor];
    Ok(ContactMerge {
        emails: store::emails_of(c, viewer, &ids).await?,
        phones: store::phones_of(c, viewer, &ids).await?,
        addresses: store::addresses_of(c, viewer, &ids).await?,
        bank_accounts: store::bank_accounts_of(c, viewer, &ids).await?,
        document_count: store::count_of_contact(c, "contact_documents", survivor).await?,
        stage_transition_count: store::count_of_contact(c, "stage_transitions", survivor).await?,
        merged_ids: if dry_run {
            Vec::new()
        } else {
            others
                .iter()
                .map(|o| crate::ids::TypedId::to_id(o.id))
                .collect()
        },
        contact,
        dry_run,
    })
}

/// The survivor's empty fields, filled from the first merged contact that has each.
fn filled_fields(kept: &Contact, others: &[Contact]) -> ContactChanges {
    fn first<T: Clone>(
        mine: &Option<T>,
        others: &[Contact],
        of: impl Fn(&Contact) -> Option<T>,
    ) -> Option<Option<T>> {
        match mine {
            Some(_) => None,
            None => others.iter().find_map(of).map(Some),
        }
    }
    ContactChanges {
        name: None,
        full_name: first(&kept.full_name, others, |o| o.full_name.clone()),
        scoring: first(&kept.scoring, others, |o| o.scoring),
        company_id: None,
        segmentation_id: first(&kept.segmentation_id, others, |o| o.segmentation_id),
        reason_code_id: first(&kept.reason_code_id, others, |o| o.reason_code_id),
        owner_id: first(&kept.owner_id, others, |o| o.owner_id),
    }
}
