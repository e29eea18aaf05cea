//! The SQL of duplicate detection: what contacts share, in one statement per question.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double, Text};

use super::rules::{DuplicateReason, Match};
use crate::db::raw::{self, Sql};
use crate::db::{BackendKind, Conn};
use crate::error::AppResult;
use crate::ids::ContactId;
use crate::viewer::Viewer;

/// A name lower-cased without the characters of [`super::rules::IGNORED_IN_NAMES`].
const NORMALISED_NAME: &str = "replace(replace(replace(replace(replace(lower({n}), ' ', ''), \
                               '.', ''), ',', ''), '-', ''), '''', '')";

/// Least trigram similarity of two names called similar.
const NAME_SIMILARITY: f64 = 0.5;

#[derive(QueryableByName)]
struct Shared {
    #[diesel(sql_type = BigInt)]
    left_id: i64,
    #[diesel(sql_type = BigInt)]
    right_id: i64,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = Text)]
    value: String,
    #[diesel(sql_type = Double)]
    strength: f64,
}

/// Whether PostgreSQL has pg_trgm in this database (never on SQLite).
pub async fn has_trigrams(conn: &mut Conn) -> AppResult<bool> {
    if conn.kind() != BackendKind::Postgres {
        return Ok(false);
    }
    let mut sql = Sql::new(BackendKind::Postgres);
    sql.push("SELECT count(*) AS n FROM pg_extension WHERE extname = 'pg_trgm'");
    let rows: Vec<raw::Count> = sql.load(conn).await?;
    Ok(rows.iter().any(|r| r.n > 0))
}

/// What each of `left` shares with another live contact the viewer sees (of `right`, when
/// given): equal emails (case-insensitively), phone numbers (E.164) and IBANs (normalised), and
/// similar names (trigram similarity with pg_trgm, else equal normalised names).
pub async fn shared(
    conn: &mut Conn,
    viewer: &Viewer,
    left: &[ContactId],
    right: Option<&[ContactId]>,
    trigrams: bool,
) -> AppResult<Vec<Match>> {
    let mut sql = Sql::new(conn.kind());
    let details = [
        (
            "contact_emails",
            "lower(a.email)",
            "lower(b.email)",
            "a.email",
            DuplicateReason::SameEmail,
        ),
        (
            "contact_phones",
            "a.number",
            "b.number",
            "a.number",
            DuplicateReason::SamePhone,
        ),
        (
            "contact_bank_accounts",
            "a.iban",
            "b.iban",
            "a.iban",
            DuplicateReason::SameIban,
        ),
    ];
    for (i, (table, left_value, right_value, shown, reason)) in details.into_iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT a.contact_id AS left_id, b.contact_id AS right_id, '{}' AS reason, \
             {shown} AS value, 1.0 AS strength \
             FROM {table} a JOIN {table} b ON {right_value} = {left_value} \
             AND b.contact_id <> a.contact_id \
             JOIN contacts c ON c.id = b.contact_id WHERE ",
            reason.as_str()
        ));
        scope(
            &mut sql,
            viewer,
            "a.contact_id",
            "b.contact_id",
            left,
            right,
        );
    }
    let name = DuplicateReason::SimilarName.as_str();
    if trigrams {
        sql.push(&format!(
            " UNION ALL SELECT a.id AS left_id, c.id AS right_id, '{name}' AS reason, \
             c.name AS value, similarity(lower(a.name), lower(c.name))::float8 AS strength \
             FROM contacts a JOIN contacts c ON lower(c.name) % lower(a.name) AND c.id <> a.id \
             AND similarity(lower(a.name), lower(c.name)) >= {NAME_SIMILARITY} WHERE "
        ));
    } else {
        let (a, c) = (
            NORMALISED_NAME.replace("{n}", "a.name"),
            NORMALISED_NAME.replace("{n}", "c.name"),
        );
        sql.push(&format!(
            " UNION ALL SELECT a.id AS left_id, c.id AS right_id, '{name}' AS reason, \
             c.name AS value, 1.0 AS strength \
             FROM contacts a JOIN contacts c ON {c} = {a} AND c.id <> a.id WHERE "
        ));
    }
    scope(&mut sql, viewer, "a.id", "c.id", left, right);
    let rows: Vec<Shared> = sql.load(conn).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Match {
                left: ContactId(row.left_id),
                right: ContactId(row.right_id),
                reason: row.reason.parse().ok()?,
                value: row.value,
                strength: row.strength,
            })
        })
        .collect())
}

/// `left_column IN (left)`, `right_column IN (right)` when given, and the viewer's scope on
/// `contacts c` (the right side's contact).
fn scope(
    sql: &mut Sql,
    viewer: &Viewer,
    left_column: &str,
    right_column: &str,
    left: &[ContactId],
    right: Option<&[ContactId]>,
) {
    sql.push_in(left_column, left.iter().map(|id| id.0));
    if let Some(right) = right {
        sql.push(" AND ")
            .push_in(right_column, right.iter().map(|id| id.0));
    }
    raw::push_contact_company_conditions(sql, " AND ", viewer, None);
}
