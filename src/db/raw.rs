//! Hand-written SQL for aggregates the query builder cannot express on both backends. A [`Sql`]
//! is written front to back: fixed words are appended as text, every value (ids included) is
//! bound, and its marker is written as it is bound, so no marker is ever found by reading text.

use diesel::QueryableByName;
use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::{self, BigInt, HasSqlType, Integer, Text};
use diesel::sqlite::Sqlite;
use diesel_async::RunQueryDsl;

use super::{BackendKind, Conn};
use crate::error::{AppError, AppResult};
use crate::time::Timestamp;
use crate::validation::code;
use crate::viewer::Viewer;
use crate::with_conn;

/// The most values one statement may bind: SQLite's limit (PostgreSQL allows 65,535), so a
/// statement that runs on one backend runs on the other.
pub const MAX_BINDS: usize = 32_766;

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bind {
    BigInt(i64),
    Integer(i32),
    Text(String),
    Timestamp(Timestamp),
}

impl From<i64> for Bind {
    fn from(value: i64) -> Self {
        Self::BigInt(value)
    }
}

impl From<i32> for Bind {
    fn from(value: i32) -> Self {
        Self::Integer(value)
    }
}

impl From<&str> for Bind {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<Timestamp> for Bind {
    fn from(value: Timestamp) -> Self {
        Self::Timestamp(value)
    }
}

/// The row of a `SELECT count(…) AS n`.
#[derive(QueryableByName)]
pub struct Count {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// One statement being written: its text and the values its markers stand for, in order.
/// Markers are `$1, $2, …` on PostgreSQL and `?` on SQLite.
#[derive(Debug, Clone)]
pub struct Sql {
    kind: BackendKind,
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub fn new(kind: BackendKind) -> Self {
        Self {
            kind,
            text: String::new(),
            binds: Vec::new(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn binds(&self) -> &[Bind] {
        &self.binds
    }

    /// Appends fixed SQL: keywords, column names, constants. Never a value from a request.
    pub fn push(&mut self, fragment: &str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// Appends a marker for `value` and binds it.
    pub fn bind(&mut self, value: impl Into<Bind>) -> &mut Self {
        self.binds.push(value.into());
        match self.kind {
            BackendKind::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.binds.len().to_string());
            }
            BackendKind::Sqlite => self.text.push('?'),
        }
        self
    }

    /// Appends `column IN (…)` with one bound marker per distinct value; an empty list matches
    /// nothing (`1 = 0`, since `IN ()` is not valid on PostgreSQL).
    pub fn push_in<V: Into<Bind>>(
        &mut self,
        column: &str,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Self {
        let mut values: Vec<Bind> = values.into_iter().map(Into::into).collect();
        values.sort();
        values.dedup();
        if values.is_empty() {
            return self.push("1 = 0");
        }
        self.push(column).push(" IN (");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }

    /// Runs the statement and reads its rows.
    pub async fn load<R>(self, conn: &mut Conn) -> AppResult<Vec<R>>
    where
        R: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static,
    {
        self.check(conn)?;
        Ok(with_conn!(conn, |c| self.into_query().load::<R>(c).await)?)
    }

    /// Runs the statement for its effect; returns the number of rows it changed.
    pub async fn execute(self, conn: &mut Conn) -> AppResult<usize> {
        self.check(conn)?;
        Ok(with_conn!(conn, |c| self.into_query().execute(c).await)?)
    }

    fn into_query<DB>(self) -> BoxedSqlQuery<'static, DB, SqlQuery>
    where
        DB: Backend
            + HasSqlType<BigInt>
            + HasSqlType<Integer>
            + HasSqlType<Text>
            + HasSqlType<sql_types::Timestamp>,
        i64: ToSql<BigInt, DB>,
        i32: ToSql<Integer, DB>,
        String: ToSql<Text, DB>,
        Timestamp: ToSql<sql_types::Timestamp, DB>,
    {
        let mut query = diesel::sql_query(self.text).into_boxed();
        for value in self.binds {
            query = match value {
                Bind::BigInt(v) => query.bind::<BigInt, _>(v),
                Bind::Integer(v) => query.bind::<Integer, _>(v),
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::Timestamp(v) => query.bind::<sql_types::Timestamp, _>(v),
            };
        }
        query
    }

    /// A statement written for the other backend would fail with a confusing error; too many
    /// values (only a filter listing tens of thousands of ids gets there) are the client's to fix.
    fn check(&self, conn: &Conn) -> AppResult<()> {
        if self.kind != conn.kind() {
            return Err(AppError::internal(anyhow::anyhow!(
                "SQL written for {:?} run on {:?}",
                self.kind,
                conn.kind()
            )));
        }
        if self.binds.len() > MAX_BINDS {
            return Err(AppError::field(
                "filter",
                code::TOO_LONG,
                "the filter lists too many records",
            ));
        }
        Ok(())
    }
}

/// Appends the conditions on `contacts c` for the viewer's scope (tenant-wide and its companies)
/// and an optional company filter (which leaves tenant-wide contacts out): `open` before the
/// first, ` AND ` between them. Returns whether it wrote any (then the caller closes `open`).
pub fn push_contact_company_conditions(
    sql: &mut Sql,
    open: &str,
    viewer: &Viewer,
    filter: Option<&[i64]>,
) -> bool {
    let mut wrote = false;
    let mut next = |sql: &mut Sql| {
        sql.push(if wrote { " AND " } else { open });
        wrote = true;
    };
    if let Some(ids) = viewer.company_ids() {
        next(sql);
        sql.push("(c.company_id IS NULL OR ")
            .push_in("c.company_id", ids.iter().map(|c| c.0))
            .push(")");
    }
    if let Some(ids) = filter {
        next(sql);
        sql.push_in("c.company_id", ids.iter().copied());
    }
    wrote
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_numbered_in_order_on_postgres() {
        let mut sql = Sql::new(BackendKind::Postgres);
        sql.push("a >= ")
            .bind(1_i64)
            .push(" AND b < ")
            .bind(2_i64)
            .push(" AND ")
            .push_in("c", [5_i64, 4]);
        assert_eq!(sql.text(), "a >= $1 AND b < $2 AND c IN ($3, $4)");
        assert_eq!(
            sql.binds(),
            [
                Bind::BigInt(1),
                Bind::BigInt(2),
                Bind::BigInt(4),
                Bind::BigInt(5)
            ]
        );
    }

    #[test]
    fn markers_are_question_marks_on_sqlite() {
        let mut sql = Sql::new(BackendKind::Sqlite);
        sql.push("a >= ")
            .bind(1_i64)
            .push(" AND ")
            .push_in("c", [3_i64]);
        assert_eq!(sql.text(), "a >= ? AND c IN (?)");
        assert_eq!(sql.binds().len(), 2);
    }

    #[test]
    fn a_question_mark_in_a_constant_survives() {
        for kind in [BackendKind::Postgres, BackendKind::Sqlite] {
            let mut sql = Sql::new(kind);
            sql.push("SELECT 'why?' AS q WHERE x = ").bind(7_i64);
            assert!(sql.text().starts_with("SELECT 'why?' AS q WHERE x = "));
            assert_eq!(sql.binds(), [Bind::BigInt(7)]);
        }
        let mut sql = Sql::new(BackendKind::Postgres);
        sql.push("'?' || ").bind("a").push(" || '?'");
        assert_eq!(sql.text(), "'?' || $1 || '?'");
    }

    #[test]
    fn an_empty_list_matches_nothing() {
        let mut sql = Sql::new(BackendKind::Postgres);
        sql.push_in("c.id", Vec::<i64>::new());
        assert_eq!(sql.text(), "1 = 0");
        assert!(sql.binds().is_empty());
    }

    #[test]
    fn a_list_binds_each_value_once() {
        let mut sql = Sql::new(BackendKind::Sqlite);
        sql.push_in("s.outcome", ["WON", "LOST", "WON"]);
        assert_eq!(sql.text(), "s.outcome IN (?, ?)");
        assert_eq!(sql.binds(), [Bind::from("LOST"), Bind::from("WON")]);
    }

    #[test]
    fn company_conditions_open_once_and_join_with_and() {
        let viewer = Viewer {
            scope: crate::viewer::CompanyScope::Only(vec![
                crate::ids::CompanyId(2),
                crate::ids::CompanyId(1),
            ]),
            ..Viewer::local_admin()
        };
        let mut sql = Sql::new(BackendKind::Postgres);
        let wrote = push_contact_company_conditions(&mut sql, " WHERE ", &viewer, Some(&[3]));
        assert!(wrote);
        assert_eq!(
            sql.text(),
            " WHERE (c.company_id IS NULL OR c.company_id IN ($1, $2)) AND c.company_id IN ($3)"
        );

        let mut sql = Sql::new(BackendKind::Postgres);
        assert!(!push_contact_company_conditions(
            &mut sql,
            " WHERE ",
            &Viewer::local_admin(),
            None
        ));
        assert_eq!(sql.text(), "");
    }
}
