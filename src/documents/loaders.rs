//! Batch loads of documents: a contact's list, and documents by id (for `node`).

use super::model::Document;
use super::store;
use crate::ids::{ContactId, DocumentId};
use crate::{by_id_loader, children_loader};

/// The documents of a contact, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentsOf(pub ContactId);

by_id_loader!(DocumentId => Document, store::documents_by_ids);
children_loader!(DocumentsOf(ContactId) => Document, store::documents_of, contact_id);
