//! The error model: every error a client sees carries one of a fixed set of codes.
//!
//! `AppError` is deliberately not `Display`: resolvers return `Result<T, AppError>` and the
//! conversion below is the only way into `async_graphql::Error`, so no code path can fall back
//! to async-graphql's blanket conversion and leak internal text to a client.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::{ErrorExtensions, Value};
use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
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
    /// An automatic persisted query sent by its hash alone, before its text was registered.
    PersistedQueryNotFound,
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
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
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
    /// No valid credentials (answered with HTTP 401).
    Unauthenticated(String),
    /// The viewer may not do this; the message names what is missing.
    Forbidden(String),
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

    /// The database cannot be reached: retrying later may work.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::ServiceUnavailable(_))
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
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
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
            | Self::ServiceUnavailable(message)
            | Self::Unauthenticated(message)
            | Self::Forbidden(message) => message.clone(),
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

/// Whether the connection itself failed (closed, reset, the server shutting down or
/// terminating it), not the statement: retrying on another connection may work.
fn is_connection_lost(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message().to_ascii_lowercase();
            [
                "terminating connection",
                "connection closed",
                "server closed the connection",
                "connection reset",
                "broken pipe",
                "the database system is shutting down",
                "the database system is starting up",
            ]
            .iter()
            .any(|sign| message.contains(sign))
        }
        _ => false,
    }
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => AppError::NotFound {
                entity: "record",
                id: String::new(),
            },
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                match violated_index(info.as_ref()).and_then(|index| duplicate_of(&index)) {
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
            other if is_connection_lost(&other) => {
                tracing::warn!(error = %other, "the database connection was lost");
                AppError::ServiceUnavailable(
                    "the database connection was lost; retry shortly".into(),
                )
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

/// The unique index a violation names. PostgreSQL reports it in the error's constraint field;
/// SQLite has no such field and names it only in its message, in one of two fixed formats.
fn violated_index(info: &dyn DatabaseErrorInformation) -> Option<Cow<'_, str>> {
    match info.constraint_name() {
        Some(name) => Some(Cow::Borrowed(name)),
        None => sqlite_unique_index(info.message()),
    }
}

/// Reads the index out of SQLite's message: `UNIQUE constraint failed: index 'NAME'` for an
/// index on expressions (quotes in NAME doubled), `UNIQUE constraint failed: t.a, t.b` for one
/// on plain columns, which is then looked up by its table and columns.
fn sqlite_unique_index(message: &str) -> Option<Cow<'_, str>> {
    let failed = message.strip_prefix("UNIQUE constraint failed: ")?;
    if let Some(quoted) = failed.strip_prefix("index '") {
        let name = quoted.strip_suffix('\'')?;
        return Some(if name.contains('\'') {
            Cow::Owned(name.replace("''", "'"))
        } else {
            Cow::Borrowed(name)
        });
    }
    let mut table = None;
    let mut columns = Vec::new();
    for qualified in failed.split(", ") {
        let (of, column) = qualified.split_once('.')?;
        if table.is_some_and(|t| t != of) || of.is_empty() || column.is_empty() {
            return None;
        }
        table = Some(of);
        columns.push(column);
    }
    SQLITE_COLUMN_INDEXES
        .iter()
        .find(|(t, cols, _)| Some(*t) == table && *cols == columns.as_slice())
        .map(|(_, _, index)| Cow::Borrowed(*index))
}

/// The unique indexes on plain columns, which SQLite reports by table and columns, with the
/// names PostgreSQL reports for them (the migrations' list of unique indexes).
const SQLITE_COLUMN_INDEXES: &[(&str, &[&str], &str)] = &[
    (
        "contact_emails",
        &["contact_id"],
        "contact_emails_contact_primary_key",
    ),
    (
        "contact_phones",
        &["contact_id"],
        "contact_phones_contact_primary_key",
    ),
    (
        "contact_addresses",
        &["contact_id"],
        "contact_addresses_contact_primary_key",
    ),
    (
        "contact_documents",
        &["storage_key"],
        "contact_documents_storage_key_key",
    ),
    (
        "contact_accounts",
        &["contact_id", "account_id"],
        "contact_accounts_pkey",
    ),
];

/// The entity and input field a unique index guards, by its exact name. Index names follow
/// `<table>_<scope>_<field>_key` in the migrations; the others answer a plain `CONFLICT`.
fn duplicate_of(index: &str) -> Option<(&'static str, &'static str)> {
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
        .find(|(name, _, _)| *name == index)
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

    /// A database error as diesel reports it: PostgreSQL fills the constraint field, SQLite
    /// gives only its message.
    struct Reported {
        message: &'static str,
        constraint: Option<&'static str>,
    }

    impl DatabaseErrorInformation for Reported {
        fn message(&self) -> &str {
            self.message
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            self.constraint
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn unique_violation(message: &'static str, constraint: Option<&'static str>) -> AppError {
        DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new(Reported {
                message,
                constraint,
            }),
        )
        .into()
    }

    fn duplicate(error: AppError) -> Option<(&'static str, &'static str)> {
        match error {
            AppError::Duplicate { entity, field } => Some((entity, field)),
            AppError::Conflict(_) => None,
            other => panic!("not a conflict: {other:?}"),
        }
    }

    #[test]
    fn postgres_violations_are_read_from_the_constraint_field() {
        let error = unique_violation(
            "duplicate key value violates unique constraint \"reason_codes_scope_code_key\"",
            Some("reason_codes_scope_code_key"),
        );
        assert_eq!(duplicate(error), Some(("reason code", "code")));
    }

    #[test]
    fn the_constraint_name_must_match_exactly() {
        let error = unique_violation("", Some("reason_codes_scope_code_key_old"));
        assert_eq!(duplicate(error), None);
        let error = unique_violation("", Some("x_users_email_key"));
        assert_eq!(duplicate(error), None);
    }

    #[test]
    fn sqlite_expression_indexes_are_read_from_the_message() {
        let error = unique_violation(
            "UNIQUE constraint failed: index 'segmentations_scope_name_key'",
            None,
        );
        assert_eq!(duplicate(error), Some(("segmentation", "name")));
        assert_eq!(
            sqlite_unique_index("UNIQUE constraint failed: index 'it''s'").as_deref(),
            Some("it's")
        );
    }

    #[test]
    fn sqlite_messages_are_parsed_not_searched() {
        for message in [
            "UNIQUE constraint failed: index 'users_email_key_v2'",
            "UNIQUE constraint failed: index 'users_email_key",
            "CHECK constraint failed: index 'users_email_key'",
            "users_email_key",
            "UNIQUE constraint failed: users.email, users_email_key",
        ] {
            assert_eq!(
                duplicate(unique_violation(message, None)),
                None,
                "{message}"
            );
        }
    }

    #[test]
    fn sqlite_column_indexes_are_found_by_table_and_columns() {
        assert_eq!(
            sqlite_unique_index("UNIQUE constraint failed: contact_emails.contact_id").as_deref(),
            Some("contact_emails_contact_primary_key")
        );
        assert_eq!(
            sqlite_unique_index(
                "UNIQUE constraint failed: contact_accounts.contact_id, contact_accounts.account_id"
            )
            .as_deref(),
            Some("contact_accounts_pkey")
        );
        assert_eq!(
            sqlite_unique_index(
                "UNIQUE constraint failed: contact_accounts.account_id, contact_accounts.contact_id"
            ),
            None
        );
        assert_eq!(
            sqlite_unique_index("UNIQUE constraint failed: contact_emails.id"),
            None
        );
        // Guards no input field: a plain conflict.
        let error = unique_violation("UNIQUE constraint failed: contact_emails.contact_id", None);
        assert_eq!(duplicate(error), None);
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
