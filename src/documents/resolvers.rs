//! `uploadContactDocument` and `deleteContactDocument`. Bytes are stored before the row is
//! committed and removed again when the row cannot be written; a document row therefore always
//! has its bytes, and failed uploads leave nothing behind.

use async_graphql::{Context, ID, Object, Upload};

use super::model::{Document, NewDocument};
use super::{rules, store};
use crate::contacts::store::{find_contact, touch_contact};
use crate::error::{AppError, AppResult};
use crate::graphql::context::{db, settings, viewer};
use crate::ids::{ContactId, DocumentId, TypedId};
use crate::settings::resolvers::{not_found, record_id};
use crate::time::Timestamp;
use crate::validation::{Validator, code};

#[derive(Default)]
pub struct DocumentsMutation;

#[Object]
impl DocumentsMutation {
    /// Attaches a file to a contact; send it as a GraphQL multipart request. The type is
    /// recognised from the bytes; the name is cleaned of paths and control characters.
    async fn upload_contact_document(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        file: Upload,
    ) -> AppResult<Document> {
        let storage = &settings(ctx).documents;
        let mut v = Validator::new();
        let contact = v.id::<ContactId>("contactId", &contact_id);
        let upload = match file.value(ctx) {
            Ok(upload) => Some(upload),
            Err(error) => {
                v.push(
                    "file",
                    code::INVALID,
                    format!("the upload cannot be read: {error}"),
                );
                None
            }
        };
        if let Some(upload) = &upload {
            let size = upload.size().map_err(AppError::internal)?;
            if size == 0 {
                v.push("file", code::REQUIRED, "the file is empty");
            }
            if size > storage.max_bytes as u64 {
                return Err(AppError::PayloadTooLarge(format!(
                    "a document may have at most {} bytes",
                    storage.max_bytes
                )));
            }
        }
        let (contact, upload) = (v.require(contact)?, v.require(upload)?);
        v.finish()?;
        let viewer = viewer(ctx);
        {
            let mut conn = db(ctx).conn().await?;
            find_contact(&mut conn, viewer, contact.get())
                .await?
                .ok_or_else(|| not_found(contact))?;
        }

        let file_name = rules::sanitize_file_name(Some(&upload.filename));
        let written = storage
            .write(tokio::fs::File::from_std(upload.content))
            .await
            .map_err(|error| {
                tracing::error!(error = format!("{error:#}"), "storing a document");
                AppError::ServiceUnavailable(
                    "the document store is not available; retry shortly".into(),
                )
            })?;
        let now = Timestamp::now();
        let new = NewDocument {
            contact_id: contact.get(),
            file_name,
            content_type: rules::content_type_of(&written.head),
            size_bytes: i64::try_from(written.size).map_err(AppError::internal)?,
            sha256: written.sha256.clone(),
            storage_key: written.key.clone(),
            uploaded_by: viewer.user_id,
            uploaded_at: now,
            created_at: now,
            updated_at: now,
        };
        let saved = db(ctx)
            .transaction(async move |c| {
                // The contact may have been deleted while the bytes were on their way.
                find_contact(c, viewer, contact.get())
                    .await?
                    .ok_or_else(|| not_found(contact))?;
                touch_contact(c, contact.get(), None).await?;
                store::insert_document(c, &new).await
            })
            .await;
        if saved.is_err() {
            storage.delete_all(&[written.key]).await;
        }
        saved
    }

    /// Removes a document: its row, then its bytes.
    async fn delete_contact_document(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<DocumentId>(&id)?;
        let viewer = viewer(ctx);
        let key = db(ctx)
            .transaction(async move |c| {
                let document = store::find_document(c, viewer, id.get())
                    .await?
                    .ok_or_else(|| not_found(id))?;
                store::delete_document(c, id.get()).await?;
                touch_contact(c, document.contact_id, None).await?;
                Ok(document.storage_key)
            })
            .await?;
        settings(ctx).documents.delete_all(&[key]).await;
        Ok(id.to_id())
    }
}
