//! A document attached to a contact, as stored and as served.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use diesel::prelude::*;

use super::rules;
use super::signing::{URL_LIFETIME_SECS, UrlSigner};
use crate::db::schema::contact_documents;
use crate::graphql::context::load_opt;
use crate::ids::{ContactId, DocumentId, TypedId, UserId};
use crate::settings::model::User;
use crate::time::Timestamp;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = contact_documents)]
#[graphql(complex)]
pub struct Document {
    #[graphql(skip)]
    pub id: DocumentId,
    #[graphql(skip)]
    pub contact_id: ContactId,
    /// The uploaded file's name, cleaned of paths and control characters.
    pub file_name: String,
    /// Recognised from the bytes, not taken from the upload.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes (also the download's ETag).
    pub sha256: String,
    #[graphql(skip)]
    pub storage_key: String,
    #[graphql(skip)]
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: Timestamp,
    #[graphql(skip)]
    pub created_at: Timestamp,
    #[graphql(skip)]
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl Document {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    async fn uploaded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_opt(ctx, self.uploaded_by).await
    }

    /// Where to download the bytes (as an attachment): a signed URL that works without an
    /// Authorization header for 15 minutes.
    async fn download_url(&self, ctx: &Context<'_>) -> String {
        signed_path(ctx, self.id)
    }

    /// Where to show the bytes inline, signed like `downloadUrl`; null for types a browser must
    /// not render (only PDF and raster images preview).
    async fn preview_url(&self, ctx: &Context<'_>) -> Option<String> {
        rules::previewable(&self.content_type)
            .then(|| format!("{}&inline=1", signed_path(ctx, self.id)))
    }
}

fn signed_path(ctx: &Context<'_>, id: DocumentId) -> String {
    // Inserted into the schema's data by `schema::schema`.
    let signer = ctx.data_unchecked::<UrlSigner>();
    let expires = Timestamp::now().0.and_utc().timestamp() + URL_LIFETIME_SECS;
    format!(
        "/documents/{}?{}",
        id.to_id().as_str(),
        signer.query(id, expires)
    )
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contact_documents)]
pub struct NewDocument {
    pub contact_id: ContactId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
