//! The error model: every error a client sees carries one of a fixed set of codes.
//!
//! `AppError` is deliberately not `Display`: resolvers return `Result<T, AppError>` and the
//! conversion below is the only way into `async_graphql::Error`, so no code path can fall back
//! to async-graphql's blanket conversion and leak internal text to a client.

use std::sync::Arc;

use async_graphql::{ErrorExtensions, Value};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;

/// The stable codes of `extensions.code`, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadUserInput,
    NotFound,
    Conflict,
    VersionConflict,
    InvalidStageTransition,
    ReasonRequired,
    Unauthenticated,
    Forbidden,
    PayloadTooLarge,
    QueryTooComplex,
    ServiceUnavailable,
    InternalServerError,
    GraphqlParseFailed,
    GraphqlValidationFailed,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::VersionConflict => "VERSION_CONFLICT",
            Self::InvalidStageTransition => "INVALID_STAGE_TRANSITION",
            Self::ReasonRequired => "REASON_REQUIRED",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
        }
    }
}

/// One invalid input field: `path` is the field's path in the mutation input
/// (`name`, `categories[1].steps[0].name`), `code` a stable reason such as `REQUIRED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub path: String,
    pub code: &'static str,
    pub message: String,
}

/// Why a record cannot be deleted: how many records of which kind still use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub kind: &'static str,
    pub count: i64,
}

/// `CONFLICT` naming what still uses a record that is to be deleted.
pub fn ensure_unused(entity: &'static str, usage: Vec<Usage>) -> AppResult<()> {
    if usage.is_empty() {
        Ok(())
    } else {
        Err(AppError::InUse { entity, usage })
    }
}

/// `CONFLICT` when a record moving to a company is still used by contacts of other companies.
pub fn ensure_unused_elsewhere(entity: &'static str, usage: Vec<Usage>) -> AppResult<()> {
    if usage.is_empty() {
        return Ok(());
    }
    let uses: Vec<String> = usage
        .iter()
        .map(|u| format!("{} {}", u.count, u.kind))
        .collect();
    Err(AppError::Conflict(format!(
        "{entity} is used by {} of other companies; it cannot move to that company",
        uses.join(", ")
    )))
}

#[derive(Debug, Clone)]
pub enum AppError {
    /// Input that can never succeed as sent; every invalid field at once.
    BadUserInput(Vec<FieldError>),
    /// The record does not exist or is outside the viewer's scope.
    NotFound {
        entity: &'static str,
        id: String,
    },
    /// A unique name or code is taken in this scope.
    Duplicate {
        entity: &'static str,
        field: &'static str,
    },
    /// The record is still used by others and cannot be deleted.
    InUse {
        entity: &'static str,
        usage: Vec<Usage>,
    },
    /// Any other state conflict, explained in the message.
    Conflict(String),
    VersionConflict {
        current_version: i64,
    },
    InvalidStageTransition(String),
    ReasonRequired(String),
    PayloadTooLarge(String),
    ServiceUnavailable(String),
    /// Something the client cannot fix; logged in full, answered with a generic message.
    Internal(Arc<anyhow::Error>),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self::BadUserInput(vec![FieldError {
            path: path.into(),
            code,
            message: message.into(),
        }])
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(error.into()))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput(_) => ErrorCode::BadUserInput,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Duplicate { .. } | Self::InUse { .. } | Self::Conflict(_) => ErrorCode::Conflict,
            Self::VersionConflict { .. } => ErrorCode::VersionConflict,
            Self::InvalidStageTransition(_) => ErrorCode::InvalidStageTransition,
            Self::ReasonRequired(_) => ErrorCode::ReasonRequired,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::ServiceUnavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// The text a client sees. Internal details never appear here.
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput(fields) => match fields.as_slice() {
                [one] => format!("invalid input: {}: {}", one.path, one.message),
                many => format!("invalid input in {} fields", many.len()),
            },
            Self::NotFound { entity, id } => format!("{entity} {id} not found"),
            Self::Duplicate { entity, field } => {
                format!("a {entity} with this {field} already exists in this scope")
            }
            Self::InUse { entity, usage } => {
                let uses: Vec<String> = usage
                    .iter()
                    .map(|u| format!("{} {}", u.count, u.kind))
                    .collect();
                format!("{entity} is in use by {}", uses.join(", "))
            }
            Self::Conflict(message)
            | Self::InvalidStageTransition(message)
            | Self::ReasonRequired(message)
            | Self::PayloadTooLarge(message)
            | Self::ServiceUnavailable(message) => message.clone(),
            Self::VersionConflict { current_version } => format!(
                "the record was changed by someone else; its current version is {current_version}"
            ),
            Self::Internal(_) => "internal server error".to_owned(),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        if let AppError::Internal(detail) = &error {
            tracing::error!(error = ?detail, "internal error while resolving a request");
        }
        let code = error.code();
        async_graphql::Error::new(error.message()).extend_with(|_, ext| {
            ext.set("code", code.as_str());
            match &error {
                AppError::BadUserInput(fields) => ext.set("fields", to_value(fields)),
                AppError::Duplicate { field, .. } => {
                    ext.set("field", *field);
                    ext.set(
                        "fields",
                        to_value(&[FieldError {
                            path: (*field).to_owned(),
                            code: "DUPLICATE",
                            message: "already exists in this scope".to_owned(),
                        }]),
                    );
                }
                AppError::InUse { usage, .. } => ext.set("usage", to_value(usage)),
                AppError::VersionConflict { current_version } => {
                    ext.set("currentVersion", *current_version)
                }
                _ => {}
            }
        })
    }
}

fn to_value(value: &impl Serialize) -> Value {
    Value::from_json(serde_json::to_value(value).unwrap_or_default()).unwrap_or_default()
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => AppError::NotFound {
                entity: "record",
                id: String::new(),
            },
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let constraint = info.constraint_name().unwrap_or(info.message());
                match duplicate_from_constraint(constraint) {
                    Some((entity, field)) => AppError::Duplicate { entity, field },
                    None => AppError::Conflict("a record with these values already exists".into()),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::Conflict("the record is referenced by other records".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::Conflict("the record was changed concurrently; retry".into())
            }
            other => AppError::internal(other),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        tracing::warn!(%error, "no database connection available");
        AppError::ServiceUnavailable("the database is not available; retry shortly".into())
    }
}

/// Maps a unique index (by its name, or SQLite's message that contains it) to the entity and
/// input field it guards. Index names follow `<table>_<scope>_<field>_key` in the migrations.
fn duplicate_from_constraint(text: &str) -> Option<(&'static str, &'static str)> {
    const INDEXES: &[(&str, &str, &str)] = &[
        ("companies_name_key", "company", "name"),
        ("companies_code_key", "company", "code"),
        ("users_email_key", "user", "email"),
        ("segmentations_scope_name_key", "segmentation", "name"),
        ("reason_codes_scope_code_key", "reason code", "code"),
        ("detail_types_scope_kind_name_key", "detail type", "name"),
        ("accounts_scope_name_key", "account", "name"),
        (
            "lifecycle_templates_scope_name_key",
            "lifecycle template",
            "name",
        ),
        (
            "lifecycle_templates_scope_default_key",
            "lifecycle template",
            "isDefault",
        ),
        (
            "lifecycle_categories_template_name_key",
            "lifecycle category",
            "name",
        ),
        (
            "lifecycle_steps_category_name_key",
            "lifecycle step",
            "name",
        ),
        ("contact_emails_contact_email_key", "contact email", "email"),
    ];
    INDEXES
        .iter()
        .find(|(index, _, _)| text.contains(index))
        .map(|(_, entity, field)| (*entity, *field))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extensions(error: AppError) -> (String, serde_json::Value) {
        let gql: async_graphql::Error = error.into();
        let ext = gql.extensions.expect("extensions are always set");
        let json = serde_json::to_value(&ext).expect("extensions serialise");
        (gql.message, json)
    }

    #[test]
    fn bad_input_lists_every_field() {
        let error = AppError::BadUserInput(vec![
            FieldError {
                path: "name".into(),
                code: "REQUIRED",
                message: "must not be empty".into(),
            },
            FieldError {
                path: "companyId".into(),
                code: "NOT_FOUND",
                message: "no such company".into(),
            },
        ]);
        let (message, ext) = extensions(error);
        assert_eq!(message, "invalid input in 2 fields");
        assert_eq!(ext["code"], "BAD_USER_INPUT");
        assert_eq!(ext["fields"][0]["path"], "name");
        assert_eq!(ext["fields"][1]["code"], "NOT_FOUND");
    }

    #[test]
    fn internal_errors_hide_their_detail() {
        let (message, ext) = extensions(AppError::internal(anyhow::anyhow!("password=hunter2")));
        assert_eq!(message, "internal server error");
        assert_eq!(ext["code"], "INTERNAL_SERVER_ERROR");
        assert!(!ext.to_string().contains("hunter2"));
    }

    #[test]
    fn version_conflict_carries_the_current_version() {
        let (_, ext) = extensions(AppError::VersionConflict { current_version: 7 });
        assert_eq!(ext["code"], "VERSION_CONFLICT");
        assert_eq!(ext["currentVersion"], 7);
    }

    #[test]
    fn in_use_says_how_many_records() {
        let error = AppError::InUse {
            entity: "segmentation",
            usage: vec![Usage {
                kind: "contacts",
                count: 3,
            }],
        };
        let (message, ext) = extensions(error);
        assert_eq!(message, "segmentation is in use by 3 contacts");
        assert_eq!(ext["code"], "CONFLICT");
        assert_eq!(ext["usage"][0]["count"], 3);
    }

    #[test]
    fn unique_violations_name_the_field() {
        assert_eq!(
            duplicate_from_constraint(
                "UNIQUE constraint failed: index 'segmentations_scope_name_key'"
            ),
            Some(("segmentation", "name"))
        );
        assert_eq!(
            duplicate_from_constraint("reason_codes_scope_code_key"),
            Some(("reason code", "code"))
        );
        assert_eq!(duplicate_from_constraint("something_else"), None);
    }

    #[test]
    fn duplicate_sets_field_extension() {
        let (_, ext) = extensions(AppError::Duplicate {
            entity: "company",
            field: "code",
        });
        assert_eq!(ext["code"], "CONFLICT");
        assert_eq!(ext["field"], "code");
        assert_eq!(ext["fields"][0]["code"], "DUPLICATE");
    }
}
