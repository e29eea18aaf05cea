//! SQL of API tokens. A viewer manages its own tokens; an administrator also those of the users
//! of its companies (a tenant-wide administrator: every token).

use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;

use super::model::{ApiToken, NewApiToken};
use crate::db::Conn;
use crate::db::schema::{api_tokens, users};
use crate::db::scope::viewer_params;
use crate::error::AppResult;
use crate::ids::ApiTokenId;
use crate::settings::model::User;
use crate::time::Timestamp;
use crate::viewer::{Role, Viewer};
use crate::with_conn;

/// The tokens `viewer` may see and revoke.
macro_rules! managed_by {
    ($viewer:expr) => {{
        let viewer: &Viewer = $viewer;
        let own = viewer.user_id.map_or(-1, |id| id.0);
        let admin = viewer.role == Role::Admin;
        let (all, ids) = viewer_params(viewer);
        api_tokens::user_id
            .eq(own)
            .or(diesel::IntoSql::into_sql::<Bool>(admin).and(
                users::company_id
                    .eq_any(ids)
                    .or(diesel::IntoSql::into_sql::<Bool>(all)),
            ))
    }};
}

pub async fn insert(c: &mut Conn, new: &NewApiToken) -> AppResult<ApiToken> {
    Ok(with_conn!(c, |c| diesel::insert_into(api_tokens::table)
        .values(new)
        .returning(ApiToken::as_returning())
        .get_result(c)
        .await)?)
}

pub async fn by_ids(c: &mut Conn, viewer: &Viewer, ids: &[ApiTokenId]) -> AppResult<Vec<ApiToken>> {
    Ok(with_conn!(c, |c| api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::id.eq_any(ids))
        .filter(managed_by!(viewer))
        .select(ApiToken::as_select())
        .load(c)
        .await)?)
}

/// The tokens the viewer manages, newest first; revoked ones only when asked.
pub async fn list(
    c: &mut Conn,
    viewer: &Viewer,
    include_revoked: bool,
) -> AppResult<Vec<ApiToken>> {
    Ok(with_conn!(c, |c| api_tokens::table
        .inner_join(users::table)
        .filter(managed_by!(viewer))
        .filter(
            api_tokens::revoked_at
                .is_null()
                .or(diesel::IntoSql::into_sql::<Bool>(include_revoked))
        )
        .order((api_tokens::created_at.desc(), api_tokens::id.desc()))
        .select(ApiToken::as_select())
        .load(c)
        .await)?)
}

/// The unrevoked token with this secret hash, with its user.
pub async fn by_secret_hash(c: &mut Conn, hash: &str) -> AppResult<Option<(ApiToken, User)>> {
    Ok(with_conn!(c, |c| api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::secret_hash.eq(hash))
        .filter(api_tokens::revoked_at.is_null())
        .select((ApiToken::as_select(), User::as_select()))
        .first(c)
        .await
        .optional())?)
}

pub async fn mark_used(c: &mut Conn, id: ApiTokenId, at: Timestamp) -> AppResult<()> {
    with_conn!(c, |c| diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(at))
        .execute(c)
        .await)?;
    Ok(())
}

/// Revokes a token (a revoked one keeps its first revocation time).
pub async fn revoke(c: &mut Conn, id: ApiTokenId, at: Timestamp) -> AppResult<()> {
    with_conn!(c, |c| diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null())
    )
    .set((api_tokens::revoked_at.eq(at), api_tokens::updated_at.eq(at)))
    .execute(c)
    .await)?;
    Ok(())
}
