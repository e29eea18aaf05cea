//! The entries of a page of contacts, in one batch.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::model::AuditEntry;
use super::store;
use crate::db::loader::{LoadError, Reader};
use crate::ids::ContactId;

/// The changes of a contact and its details, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChangesOf(pub ContactId);

impl Loader<ChangesOf> for Reader {
    type Value = Vec<AuditEntry>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ChangesOf],
    ) -> Result<HashMap<ChangesOf, Vec<AuditEntry>>, Self::Error> {
        let ids: Vec<ContactId> = keys.iter().map(|k| k.0).collect();
        let mut conn = self.conn().await?;
        let mut grouped: HashMap<ChangesOf, Vec<AuditEntry>> = HashMap::new();
        for entry in store::of_contacts(&mut conn, &self.viewer, &ids).await? {
            if let Some(contact) = entry.contact_id {
                grouped.entry(ChangesOf(contact)).or_default().push(entry);
            }
        }
        Ok(grouped)
    }
}
