//! `rapport token create`: an API token made from the command line, for the first
//! administrator (created, tenant-wide, when no user has the email yet) or any other user.

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::settings::input::NewUser;
use crate::settings::model::User;
use crate::settings::ops as settings_ops;
use crate::time::Timestamp;
use crate::tokens::model::ApiToken;
use crate::tokens::ops::{self as token_ops, TokenDraft};
use crate::validation::{Parsed, Validator};
use crate::viewer::{Role, Viewer};

pub struct Bootstrapped {
    pub token: ApiToken,
    pub secret: String,
    pub user: User,
    /// Whether the user was created for this token.
    pub created_user: bool,
}

/// Creates a token for the user with `email`, creating that user as a tenant-wide ADMIN first
/// when there is none.
pub async fn create_token(
    db: &Db,
    email: &str,
    name: &str,
    read_only: bool,
    expires_at: Option<Timestamp>,
) -> AppResult<Bootstrapped> {
    let mut v = Validator::new();
    let email = v.email("user", email);
    let name = v.name("name", name);
    if expires_at.is_some_and(|at| at <= Timestamp::now()) {
        v.push(
            "expiresAt",
            crate::validation::code::OUT_OF_RANGE,
            "must be in the future",
        );
    }
    v.finish()?;
    let existing = super::users::by_email(db, &email).await?;
    if existing.as_ref().is_some_and(|user| !user.active) {
        return Err(AppError::Conflict(format!("the user {email} is inactive")));
    }
    let admin = Viewer::local_admin();
    db.transaction(async move |c| {
        let (user, created_user) = match existing {
            Some(user) => (user, false),
            None => {
                let now = Timestamp::now();
                let new = NewUser {
                    name: email.split('@').next().unwrap_or(&email).to_owned(),
                    email: email.clone(),
                    role: Role::Admin,
                    company_id: None,
                    active: true,
                    created_at: now,
                    updated_at: now,
                };
                let user = settings_ops::create::<User>(c, &admin, Parsed::new(|_| new)).await?;
                (user, true)
            }
        };
        let draft = TokenDraft {
            name,
            expires_at,
            read_only,
            user: Some(user.id),
        };
        let (token, secret) = token_ops::create(c, &admin, Parsed::new(|_| draft)).await?;
        Ok(Bootstrapped {
            token,
            secret,
            user,
            created_user,
        })
    })
    .await
}
