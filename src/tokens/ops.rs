//! The operations on API tokens: create (the secret is returned once), revoke, and the lookup
//! that authenticates a request.

use super::model::{ApiToken, NewApiToken};
use super::{secret, store};
use crate::db::{Conn, Db};
use crate::error::{AppError, AppResult};
use crate::graphql::args::not_found;
use crate::ids::{ApiTokenId, UserId};
use crate::settings::model::User;
use crate::settings::ops::ConfigRecord as _;
use crate::time::Timestamp;
use crate::validation::{Parsed, code};
use crate::viewer::Viewer;

/// `last_used_at` is written at most this often per token, so reads stay reads.
const USE_RECORDED_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// A token to create, as parsed from the input.
#[derive(Debug, Clone)]
pub struct TokenDraft {
    pub name: String,
    pub expires_at: Option<Timestamp>,
    pub read_only: bool,
    /// The user it acts as; `None`: the viewer itself.
    pub user: Option<UserId>,
}

/// Creates a token for the viewer, or (for an administrator) for a user of its companies;
/// returns it with its secret.
pub async fn create(
    c: &mut Conn,
    viewer: &Viewer,
    input: Parsed<TokenDraft>,
) -> AppResult<(ApiToken, String)> {
    let Parsed {
        value: draft,
        mut problems,
    } = input;
    let target = draft.user.or(viewer.user_id);
    match target {
        None => problems.push(
            "userId",
            code::REQUIRED,
            "the local administrator has no user of its own: name the token's user",
        ),
        Some(id) => match User::find(c, viewer, id).await? {
            None => problems.push("userId", code::NOT_FOUND, "no such user"),
            Some(user) => {
                if Some(user.id) != viewer.user_id {
                    viewer.may_configure(user.company_id)?;
                }
                if !user.active {
                    problems.push("userId", code::INVALID, "the user is inactive");
                }
            }
        },
    }
    problems.finish()?;
    let user_id = target.ok_or_else(|| AppError::internal(anyhow::anyhow!("checked above")))?;
    let secret = secret::generate().map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    let now = Timestamp::now();
    let token = store::insert(
        c,
        &NewApiToken {
            user_id,
            name: draft.name,
            prefix: secret.prefix,
            secret_hash: secret.hash,
            read_only: draft.read_only,
            expires_at: draft.expires_at,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    Ok((token, secret.token))
}

pub async fn list(
    c: &mut Conn,
    viewer: &Viewer,
    include_revoked: bool,
) -> AppResult<Vec<ApiToken>> {
    store::list(c, viewer, include_revoked).await
}

/// Revokes a token the viewer manages; it is refused from then on.
pub async fn revoke(c: &mut Conn, viewer: &Viewer, id: ApiTokenId) -> AppResult<ApiToken> {
    find(c, viewer, id).await?;
    store::revoke(c, id, Timestamp::now()).await?;
    find(c, viewer, id).await
}

async fn find(c: &mut Conn, viewer: &Viewer, id: ApiTokenId) -> AppResult<ApiToken> {
    store::by_ids(c, viewer, &[id])
        .await?
        .pop()
        .ok_or_else(|| not_found(id))
}

/// The token with this secret and its user, when the token is unrevoked and unexpired and its
/// user active; notes the use.
pub async fn authenticate(db: &Db, presented: &str) -> AppResult<(ApiToken, User)> {
    let unknown = || AppError::Unauthenticated("unknown or revoked API token".into());
    let found = store::by_secret_hash(&mut db.conn().await?, &secret::hash(presented)).await?;
    let (token, user) = found.ok_or_else(unknown)?;
    let now = Timestamp::now();
    if token.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::Unauthenticated(
            "the API token has expired".into(),
        ));
    }
    if !user.active {
        return Err(AppError::Unauthenticated(
            "the token's user is inactive".into(),
        ));
    }
    if token
        .last_used_at
        .is_none_or(|at| now.0 - at.0 >= USE_RECORDED_EVERY)
    {
        let id = token.id;
        // Through a write transaction: SQLite writers queue instead of failing.
        db.transaction(async move |c| store::mark_used(c, id, now).await)
            .await?;
    }
    Ok((token, user))
}
