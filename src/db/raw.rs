//! Hand-written SQL for aggregates the query builder cannot express on both backends: ids and
//! fixed words are written into the text, times are bound.

use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel_async::RunQueryDsl;

use super::{BackendKind, Conn};
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::viewer::Viewer;
use crate::with_conn;

/// `a, b, c` for an `IN (…)` list of typed ids; `NULL` (matching nothing) when empty.
pub fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    let list: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    if list.is_empty() {
        "NULL".to_owned()
    } else {
        list.join(", ")
    }
}

/// Conditions on `contacts c` for the viewer's scope (tenant-wide and its companies) and an
/// optional company filter (which leaves tenant-wide contacts out).
pub fn contact_company_conditions(viewer: &Viewer, filter: Option<&[i64]>) -> Vec<String> {
    let mut conditions = Vec::new();
    if let Some(ids) = viewer.company_ids() {
        conditions.push(format!(
            "(c.company_id IS NULL OR c.company_id IN ({}))",
            id_list(ids.iter().map(|c| c.0))
        ));
    }
    if let Some(ids) = filter {
        conditions.push(format!(
            "c.company_id IN ({})",
            id_list(ids.iter().copied())
        ));
    }
    conditions
}

/// `?` bind markers as the backend wants them: positional `$1, $2, …` on PostgreSQL.
pub fn bind_markers(kind: BackendKind, sql: &str) -> String {
    match kind {
        BackendKind::Sqlite => sql.to_owned(),
        BackendKind::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            for (i, part) in sql.split('?').enumerate() {
                if i > 0 {
                    out.push_str(&format!("${i}"));
                }
                out.push_str(part);
            }
            out
        }
    }
}

/// Runs `sql` with its `?` markers bound to `times`, in order.
pub async fn load<R>(conn: &mut Conn, sql: &str, times: &[Timestamp]) -> AppResult<Vec<R>>
where
    R: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static,
{
    let sql = bind_markers(conn.kind(), sql);
    Ok(with_conn!(conn, |c| {
        let mut query = diesel::sql_query(sql.as_str()).into_boxed();
        for at in times {
            query = query.bind::<diesel::sql_types::Timestamp, _>(*at);
        }
        query.load::<R>(c).await
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_numbered_for_postgres_only() {
        let sql = "a >= ? AND b < ?";
        assert_eq!(bind_markers(BackendKind::Sqlite, sql), sql);
        assert_eq!(
            bind_markers(BackendKind::Postgres, sql),
            "a >= $1 AND b < $2"
        );
    }

    #[test]
    fn an_empty_id_list_matches_nothing() {
        assert_eq!(id_list([]), "NULL");
        assert_eq!(id_list([3, 1]), "3, 1");
    }
}
