//! SQL of contact documents. A document is visible when its contact is.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::model::{Document, NewDocument};
use crate::db::Conn;
use crate::db::schema::{contact_documents, contacts};
use crate::error::AppResult;
use crate::ids::{ContactId, DocumentId};
use crate::viewer::Viewer;
use crate::{visible, with_conn};

/// The documents of these contacts, newest first.
pub async fn documents_of(
    conn: &mut Conn,
    viewer: &Viewer,
    contact_ids: &[ContactId],
) -> AppResult<Vec<Document>> {
    Ok(with_conn!(conn, |c| contact_documents::table
        .inner_join(contacts::table)
        .filter(contact_documents::contact_id.eq_any(contact_ids))
        .filter(visible!(contacts::company_id, viewer))
        .order((
            contact_documents::uploaded_at.desc(),
            contact_documents::id.desc()
        ))
        .select(Document::as_select())
        .load(c)
        .await)?)
}

pub async fn documents_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[DocumentId],
) -> AppResult<Vec<Document>> {
    Ok(with_conn!(conn, |c| contact_documents::table
        .inner_join(contacts::table)
        .filter(contact_documents::id.eq_any(ids))
        .filter(visible!(contacts::company_id, viewer))
        .select(Document::as_select())
        .load(c)
        .await)?)
}

pub async fn find_document(
    conn: &mut Conn,
    viewer: &Viewer,
    id: DocumentId,
) -> AppResult<Option<Document>> {
    Ok(documents_by_ids(conn, viewer, &[id]).await?.pop())
}

pub async fn insert_document(conn: &mut Conn, new: &NewDocument) -> AppResult<Document> {
    Ok(with_conn!(conn, |c| diesel::insert_into(
        contact_documents::table
    )
    .values(new)
    .returning(Document::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn delete_document(conn: &mut Conn, id: DocumentId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(contact_documents::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// The storage keys of a contact's documents (their rows go with the contact).
/// Which of `keys` a document row holds.
pub async fn known_storage_keys(conn: &mut Conn, keys: &[String]) -> AppResult<Vec<String>> {
    Ok(with_conn!(conn, |c| contact_documents::table
        .filter(contact_documents::storage_key.eq_any(keys))
        .select(contact_documents::storage_key)
        .load(c)
        .await)?)
}

pub async fn storage_keys_of_contact(
    conn: &mut Conn,
    contact_id: ContactId,
) -> AppResult<Vec<String>> {
    Ok(with_conn!(conn, |c| contact_documents::table
        .filter(contact_documents::contact_id.eq(contact_id))
        .select(contact_documents::storage_key)
        .load(c)
        .await)?)
}
