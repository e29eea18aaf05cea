//! The operations on document rows, inside the caller's transaction. The bytes are handled
//! around them by the resolvers: stored before `attach`, deleted after `remove` commits.

use super::model::{Document, NewDocument};
use super::store;
use crate::contacts;
use crate::db::Conn;
use crate::error::AppResult;
use crate::graphql::args::not_found;
use crate::ids::DocumentId;
use crate::viewer::Viewer;

/// Records a document whose bytes are stored, on a contact the viewer can see.
pub async fn attach(c: &mut Conn, viewer: &Viewer, new: &NewDocument) -> AppResult<Document> {
    // The contact may have been deleted while the bytes were on their way; locking it also
    // orders the upload with a concurrent delete of the contact.
    contacts::ops::lock(c, viewer, new.contact_id, None).await?;
    store::insert_document(c, new).await
}

/// Deletes a document's row; returns the storage key of its bytes.
pub async fn remove(c: &mut Conn, viewer: &Viewer, id: DocumentId) -> AppResult<String> {
    let document = store::find_document(c, viewer, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    store::delete_document(c, id).await?;
    contacts::ops::lock(c, viewer, document.contact_id, None).await?;
    Ok(document.storage_key)
}
