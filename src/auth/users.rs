//! The user behind credentials, and the viewer it makes: its role and its companies (its own
//! and those of `user_companies`; a user without a company sees every company).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::Db;
use crate::db::schema::{user_companies, users};
use crate::error::AppResult;
use crate::ids::{CompanyId, UserId};
use crate::settings::model::User;
use crate::viewer::{CompanyScope, Viewer};
use crate::with_conn;

diesel::define_sql_function! {
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The active user with this id.
pub async fn active_by_id(db: &Db, id: UserId) -> AppResult<Option<User>> {
    let mut conn = db.conn().await?;
    let user: Option<User> = with_conn!(conn, |c| users::table
        .find(id)
        .select(User::as_select())
        .first(c)
        .await
        .optional())?;
    Ok(user.filter(|user| user.active))
}

/// The active user with this email.
pub async fn active_by_email(db: &Db, email: &str) -> AppResult<Option<User>> {
    Ok(by_email(db, email).await?.filter(|user| user.active))
}

/// The user with this email (compared case-insensitively, as the unique index does).
pub async fn by_email(db: &Db, email: &str) -> AppResult<Option<User>> {
    let email = email.trim().to_lowercase();
    let mut conn = db.conn().await?;
    Ok(with_conn!(conn, |c| users::table
        .filter(lower(users::email).eq(&email))
        .select(User::as_select())
        .first(c)
        .await
        .optional())?)
}

pub async fn viewer_of(db: &Db, user: &User, read_only: bool) -> AppResult<Viewer> {
    let scope = match user.company_id {
        None => CompanyScope::All,
        Some(home) => {
            let mut conn = db.conn().await?;
            let user_id = user.id;
            let mut others: Vec<CompanyId> = with_conn!(conn, |c| user_companies::table
                .filter(user_companies::user_id.eq(user_id))
                .select(user_companies::company_id)
                .load(c)
                .await)?;
            others.push(home);
            others.sort_unstable();
            others.dedup();
            CompanyScope::Only(others)
        }
    };
    Ok(Viewer {
        read_only,
        ..Viewer::user(user.id, user.role, scope)
    })
}
