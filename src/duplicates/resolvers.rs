//! `contactDuplicates` and `duplicateContacts`.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, SimpleObject};

use super::rules::{self, Candidate, DuplicateReason};
use super::store;
use crate::contacts::Contact;
use crate::contacts::list::{ContactFilter, MAX_PAGE};
use crate::db::Conn;
use crate::error::AppResult;
use crate::graphql::args::{not_found, record_id};
use crate::graphql::context::{db, viewer};
use crate::ids::ContactId;
use crate::validation::{Validator, code};
use crate::viewer::Viewer;

/// Most contacts `duplicateContacts` compares with each other in one request.
pub const MAX_COMPARED: usize = 2_000;

/// One thing a pair shares: the email, phone number or IBAN, or the duplicate's similar name.
#[derive(Debug, Clone, SimpleObject)]
pub struct DuplicateMatch {
    pub reason: DuplicateReason,
    pub value: String,
}

/// Two contacts that may be one person.
#[derive(Debug, Clone, SimpleObject)]
pub struct DuplicatePair {
    /// The contact asked about (`contactDuplicates`), else the older of the two.
    pub contact: Contact,
    pub duplicate: Contact,
    /// 0 to 1: how likely the two are one person (1 − Π(1 − weight) over the reasons: the same
    /// IBAN weighs 0.9, email 0.8, phone 0.7, a similar name 0.6 times its similarity).
    pub score: f64,
    pub reasons: Vec<DuplicateReason>,
    pub matches: Vec<DuplicateMatch>,
}

#[derive(Default)]
pub struct DuplicatesQuery;

#[Object]
impl DuplicatesQuery {
    /// The contacts that may be the same person as this one, most likely first.
    async fn contact_duplicates(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
    ) -> AppResult<Vec<DuplicatePair>> {
        let id = record_id::<ContactId>(&contact_id)?;
        let viewer = viewer(ctx);
        let mut conn = db(ctx).conn().await?;
        crate::contacts::find_contact(&mut conn, viewer, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let trigrams = store::has_trigrams(&mut conn).await?;
        let matches = store::shared(&mut conn, viewer, &[id], None, trigrams).await?;
        pairs(&mut conn, viewer, rules::candidates(matches, Some(id))).await
    }

    /// Pairs of contacts matching `filter` (at most 2,000 of them) that may be one person, most
    /// likely first.
    async fn duplicate_contacts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContactFilter>,
        #[graphql(default = 50)] first: i32,
    ) -> AppResult<Vec<DuplicatePair>> {
        let mut v = Validator::new();
        let filter = match filter {
            Some(filter) => filter.validate(&mut v, "filter."),
            None => crate::contacts::list::FilterSql {
                include_tenant_wide: true,
                ..Default::default()
            },
        };
        if !(0..=MAX_PAGE).contains(&first) {
            v.push(
                "first",
                code::OUT_OF_RANGE,
                format!("must be between 0 and {MAX_PAGE}"),
            );
        }
        v.finish()?;
        let viewer = viewer(ctx);
        let mut conn = db(ctx).conn().await?;
        let limit = i64::try_from(MAX_COMPARED).unwrap_or(i64::MAX);
        let ids = crate::contacts::filtered_ids(&mut conn, viewer, &filter, limit + 1).await?;
        if ids.len() > MAX_COMPARED {
            return Err(crate::error::AppError::field(
                "filter",
                code::OUT_OF_RANGE,
                format!(
                    "matches more than {MAX_COMPARED} contacts; narrow it (a company, an owner, \
                     a search) to compare them"
                ),
            ));
        }
        let trigrams = store::has_trigrams(&mut conn).await?;
        let matches = store::shared(&mut conn, viewer, &ids, Some(&ids), trigrams).await?;
        let mut found = rules::candidates(matches, None);
        found.truncate(usize::try_from(first).unwrap_or(0));
        pairs(&mut conn, viewer, found).await
    }
}

/// The candidates with their contacts, read in one statement.
async fn pairs(
    conn: &mut Conn,
    viewer: &Viewer,
    candidates: Vec<Candidate>,
) -> AppResult<Vec<DuplicatePair>> {
    let mut ids: Vec<ContactId> = candidates
        .iter()
        .flat_map(|c| [c.contact, c.duplicate])
        .collect();
    ids.sort();
    ids.dedup();
    let contacts: HashMap<ContactId, Contact> =
        crate::contacts::contacts_by_ids(conn, viewer, &ids)
            .await?
            .into_iter()
            .map(|contact| (contact.id, contact))
            .collect();
    Ok(candidates
        .into_iter()
        .filter_map(|candidate| {
            let mut reasons: Vec<DuplicateReason> = candidate
                .matches
                .iter()
                .map(|(reason, _)| *reason)
                .collect();
            reasons.dedup();
            Some(DuplicatePair {
                contact: contacts.get(&candidate.contact)?.clone(),
                duplicate: contacts.get(&candidate.duplicate)?.clone(),
                score: candidate.score,
                reasons,
                matches: candidate
                    .matches
                    .into_iter()
                    .map(|(reason, value)| DuplicateMatch { reason, value })
                    .collect(),
            })
        })
        .collect())
}
