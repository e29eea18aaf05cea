//! GraphQL queries and mutations of API tokens.

use async_graphql::{Context, ID, InputObject, Object};

use super::model::{ApiToken, CreatedApiToken};
use super::ops::{self, TokenDraft};
use crate::error::AppResult;
use crate::graphql::args::record_id;
use crate::graphql::context::{db, viewer};
use crate::ids::{ApiTokenId, UserId};
use crate::time::Timestamp;
use crate::validation::{Parsed, code};

#[derive(Debug, InputObject)]
pub struct CreateApiTokenInput {
    /// What the token is for, e.g. `Dashboard refresh`.
    pub name: String,
    /// When it stops working; null: never (revoke it instead).
    pub expires_at: Option<Timestamp>,
    /// A read-only token cannot change anything.
    #[graphql(default = false)]
    pub read_only: bool,
    /// The user it acts as; default: you. An administrator may name a user of its companies.
    pub user_id: Option<ID>,
}

impl CreateApiTokenInput {
    fn parse(&self) -> Parsed<TokenDraft> {
        Parsed::new(|v| {
            if let Some(at) = self.expires_at
                && at <= Timestamp::now()
            {
                v.push("expiresAt", code::OUT_OF_RANGE, "must be in the future");
            }
            TokenDraft {
                name: v.name("name", &self.name),
                expires_at: self.expires_at,
                read_only: self.read_only,
                user: v.optional_id::<UserId>("userId", self.user_id.as_ref()),
            }
        })
    }
}

#[derive(Default)]
pub struct TokensQuery;

#[Object]
impl TokensQuery {
    /// Your API tokens, newest first; an administrator also sees those of the users of its
    /// companies. Revoked ones only with `includeRevoked`.
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] include_revoked: bool,
    ) -> AppResult<Vec<ApiToken>> {
        let mut conn = db(ctx).conn().await?;
        ops::list(&mut conn, viewer(ctx), include_revoked).await
    }
}

#[derive(Default)]
pub struct TokensMutation;

#[Object]
impl TokensMutation {
    /// Creates an API token and returns its secret, which is shown only this once.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> AppResult<CreatedApiToken> {
        let parsed = input.parse();
        let viewer = viewer(ctx);
        let (token, secret) = db(ctx)
            .transaction(async move |c| ops::create(c, viewer, parsed).await)
            .await?;
        Ok(CreatedApiToken { token, secret })
    }

    /// Revokes an API token: requests with it are refused from now on.
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> AppResult<ApiToken> {
        let id = record_id::<ApiTokenId>(&id)?;
        let viewer = viewer(ctx);
        db(ctx)
            .transaction(async move |c| ops::revoke(c, viewer, id).await)
            .await
    }
}
