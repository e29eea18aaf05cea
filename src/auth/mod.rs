//! Authentication: the bearer credentials of a request (an identity provider's JWT or a Rapport
//! API token) turned into its [`Viewer`]. Without any authentication configured, requests
//! without credentials run as the built-in local administrator (the server then refuses to
//! listen beyond loopback).

pub mod bootstrap;
pub mod jwt;
mod users;

use std::sync::Arc;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::ids::UserId;
use crate::time::Timestamp;
use crate::tokens;
use crate::viewer::Viewer;

#[derive(Clone, Default)]
pub struct Authenticator {
    jwt: Option<Arc<jwt::JwtVerifier>>,
    required: bool,
}

impl Authenticator {
    /// No authentication configured: requests without credentials run as the local
    /// administrator; API tokens still name their user.
    pub fn local() -> Self {
        Self::default()
    }

    /// Every request must carry an API token or (with `jwt`) a JWT.
    pub fn required(jwt: Option<jwt::JwtVerifier>) -> Self {
        Self {
            jwt: jwt.map(Arc::new),
            required: true,
        }
    }

    pub fn is_required(&self) -> bool {
        self.required
    }

    pub fn jwt(&self) -> Option<&jwt::JwtVerifier> {
        self.jwt.as_deref()
    }

    /// The viewer of a request carrying `authorization` (the header's value, if any).
    pub async fn authenticate(&self, db: &Db, authorization: Option<&str>) -> AppResult<Viewer> {
        let Some(header) = authorization else {
            if self.required {
                return Err(AppError::Unauthenticated(
                    "sign in: send `Authorization: Bearer <token>`".into(),
                ));
            }
            return Ok(Viewer::local_admin());
        };
        let token = bearer(header)?;
        self.authenticate_token(db, token).await
    }

    /// The viewer of a bare token (as sent in a WebSocket's `connection_init`).
    pub async fn authenticate_token(&self, db: &Db, token: &str) -> AppResult<Viewer> {
        if token.starts_with(tokens::PREFIX) {
            let (token, user) = tokens::ops::authenticate(db, token).await?;
            let viewer = users::viewer_of(db, &user, token.read_only).await?;
            return Ok(Viewer {
                expires_at: token.expires_at,
                ..viewer
            });
        }
        let Some(verifier) = &self.jwt else {
            return Err(AppError::Unauthenticated(
                "this server accepts only Rapport API tokens (rpt_…)".into(),
            ));
        };
        let verified = verifier.verify(token).await?;
        let user = users::active_by_email(db, &verified.user)
            .await?
            .ok_or_else(|| {
                AppError::Unauthenticated(format!(
                    "no active user has the email {:?} the JWT's {} claim names",
                    verified.user,
                    verifier.user_claim()
                ))
            })?;
        let viewer = users::viewer_of(db, &user, false).await?;
        Ok(Viewer {
            expires_at: chrono::DateTime::from_timestamp(verified.expires_at, 0)
                .map(Timestamp::from_utc),
            ..viewer
        })
    }
}

impl Authenticator {
    /// The viewer a signed link acts for: its user as it is now (read-only), or without a user
    /// the local administrator, which exists only while no credentials are required.
    pub async fn viewer_of_user(&self, db: &Db, user: Option<UserId>) -> AppResult<Viewer> {
        let gone = || AppError::Unauthenticated("the user of this link is no longer active".into());
        match user {
            None if self.required => Err(gone()),
            None => Ok(Viewer::local_admin()),
            Some(id) => {
                let user = users::active_by_id(db, id).await?.ok_or_else(gone)?;
                users::viewer_of(db, &user, true).await
            }
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(header: &str) -> AppResult<&str> {
    let (scheme, token) = header.trim().split_once(' ').unwrap_or((header, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AppError::Unauthenticated(
            "the Authorization header must be `Bearer <token>`".into(),
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bearer_credentials_are_read() {
        assert_eq!(bearer("Bearer abc").ok(), Some("abc"));
        assert_eq!(bearer("bearer  abc ").ok(), Some("abc"));
        assert!(bearer("Basic dXNlcjpwYXNz").is_err());
        assert!(bearer("Bearer").is_err());
        assert!(bearer("Bearer ").is_err());
    }
}
