//! The `api_tokens` row, which is also the GraphQL object, and what creating one returns.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use diesel::prelude::*;

use crate::db::schema::api_tokens;
use crate::graphql::context::load_opt;
use crate::ids::{ApiTokenId, TypedId, UserId};
use crate::settings::model::User;
use crate::time::Timestamp;

/// A secret a BI tool or script authenticates with (`Authorization: Bearer rpt_…`); it acts as
/// its user, and a read-only one only reads.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, SimpleObject)]
#[diesel(table_name = api_tokens)]
#[graphql(complex)]
pub struct ApiToken {
    #[graphql(skip)]
    pub id: ApiTokenId,
    #[graphql(skip)]
    pub user_id: UserId,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    #[graphql(skip)]
    pub secret_hash: String,
    pub read_only: bool,
    /// After this instant the token is refused; null: it does not expire.
    pub expires_at: Option<Timestamp>,
    /// When the token last authenticated a request (kept to the minute).
    pub last_used_at: Option<Timestamp>,
    /// When the token was revoked; a revoked token is refused.
    pub revoked_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[ComplexObject]
impl ApiToken {
    pub async fn id(&self, _ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(self.id.to_id())
    }

    /// The user the token acts as.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_opt(ctx, Some(self.user_id)).await
    }
}

/// A new token with its secret, which is shown only this once.
#[derive(Debug, Clone, SimpleObject)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// Send it as `Authorization: Bearer <secret>`. It cannot be shown again.
    pub secret: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken {
    pub user_id: UserId,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub read_only: bool,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
