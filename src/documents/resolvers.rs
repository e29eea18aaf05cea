//! `uploadContactDocument` and `deleteContactDocument`. Bytes are stored before the row is
//! committed and removed again when the row cannot be written; a document row therefore always
//! has its bytes, and failed uploads leave nothing behind.

use async_graphql::{Context, ID, Object, Upload};

use tokio::io::AsyncSeekExt as _;

use super::model::{Document, NewDocument};
use super::storage::DocumentStorage;
use super::{ops, rules};
use crate::error::{AppError, AppResult};
use crate::graphql::args::record_id;
use crate::graphql::context::{db, viewer};
use crate::ids::{ContactId, DocumentId, TypedId};
use crate::time::Timestamp;
use crate::validation::{Validator, code};

/// Stored bytes not yet owned by a committed row; removed when dropped unless kept.
struct PendingBytes {
    storage: DocumentStorage,
    key: Option<String>,
}

impl PendingBytes {
    fn new(storage: DocumentStorage, key: String) -> Self {
        Self {
            storage,
            key: Some(key),
        }
    }

    /// The row owns the bytes now.
    fn keep(mut self) {
        self.key = None;
    }

    /// Removes the bytes before answering (the drop handles only cancellation).
    async fn remove(mut self) {
        if let Some(key) = self.key.take() {
            self.storage.delete_all(&[key]).await;
        }
    }
}

impl Drop for PendingBytes {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let storage = self.storage.clone();
            // Dropping may happen outside the request's task (cancellation): delete on its own.
            tokio::spawn(async move { storage.delete_all(&[key]).await });
        }
    }
}

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
        let storage = ctx.data_unchecked::<DocumentStorage>();
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
        let size = upload
            .as_ref()
            .map(|upload| upload.size())
            .transpose()
            .map_err(AppError::internal)?;
        if let Some(size) = size {
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
        let (contact, upload, expected_size) =
            (v.require(contact)?, v.require(upload)?, v.require(size)?);
        v.finish()?;
        let viewer = viewer(ctx);
        {
            let mut conn = db(ctx).conn().await?;
            crate::contacts::find_contact(&mut conn, viewer, contact)
                .await?
                .ok_or_else(|| crate::graphql::args::not_found(contact))?;
        }

        let file_name = rules::sanitize_file_name(Some(&upload.filename));
        let mut content = tokio::fs::File::from_std(upload.content);
        // Clones of one uploaded file share a read position: start from the beginning.
        content
            .seek(std::io::SeekFrom::Start(0))
            .await
            .map_err(AppError::internal)?;
        let written = storage.write(content).await.map_err(|error| {
            tracing::error!(error = format!("{error:#}"), "storing a document");
            AppError::ServiceUnavailable(
                "the document store is not available; retry shortly".into(),
            )
        })?;
        // Until the row is committed the bytes belong to nobody: if this request fails or is
        // cancelled (timeout, client gone) before then, the guard removes them.
        let pending = PendingBytes::new(storage.clone(), written.key.clone());
        if written.size != expected_size {
            pending.remove().await;
            return Err(AppError::internal(anyhow::anyhow!(
                "read {} of {expected_size} uploaded bytes",
                written.size
            )));
        }
        let now = Timestamp::now();
        let new = NewDocument {
            contact_id: contact,
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
            .transaction(async move |c| ops::attach(c, viewer, &new).await)
            .await;
        match &saved {
            Ok(_) => pending.keep(),
            Err(_) => pending.remove().await,
        }
        saved
    }

    /// Removes a document: its row, then its bytes.
    async fn delete_contact_document(&self, ctx: &Context<'_>, id: ID) -> AppResult<ID> {
        let id = record_id::<DocumentId>(&id)?;
        let viewer = viewer(ctx);
        let key = db(ctx)
            .transaction(async move |c| ops::remove(c, viewer, id).await)
            .await?;
        ctx.data_unchecked::<DocumentStorage>()
            .delete_all(&[key])
            .await;
        Ok(id.to_id())
    }
}
