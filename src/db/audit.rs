//! Who the audit trail's triggers name for a write transaction. Triggers (migration
//! `2026-12-07-000002_audit`) write the entries; the transaction names its actor first: on
//! PostgreSQL in transaction-local settings, on SQLite (one writer at a time) in the one row of
//! `audit_context`.

use diesel_async::SimpleAsyncConnection as _;

use super::Conn;
use crate::error::AppResult;
use crate::ids::UserId;
use crate::with_conn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The server itself (retention, start-up work): entries without an actor.
    System,
    User(UserId),
    /// No entries at all.
    Unaudited,
}

/// Names `actor` for the rest of the open transaction.
pub async fn name(conn: &mut Conn, actor: Actor) -> AppResult<()> {
    let sql = match (conn.kind(), actor) {
        // Transaction-local settings start empty: nothing to say for the server itself.
        (super::BackendKind::Postgres, Actor::System) => return Ok(()),
        (super::BackendKind::Postgres, Actor::User(user)) => {
            format!("SELECT set_config('rapport.actor_id', '{}', true)", user.0)
        }
        (super::BackendKind::Postgres, Actor::Unaudited) => {
            "SELECT set_config('rapport.audit', 'off', true)".to_owned()
        }
        (super::BackendKind::Sqlite, actor) => {
            let (enabled, user) = match actor {
                Actor::System => (1, "NULL".to_owned()),
                Actor::User(user) => (1, user.0.to_string()),
                Actor::Unaudited => (0, "NULL".to_owned()),
            };
            format!(
                "UPDATE audit_context SET enabled = {enabled}, actor_id = {user}, action = NULL"
            )
        }
    };
    with_conn!(conn, |c| c.batch_execute(&sql).await)?;
    Ok(())
}

/// Marks every entry the open transaction writes from here on as a MERGE.
pub async fn mark_merge(conn: &mut Conn) -> AppResult<()> {
    let sql = match conn.kind() {
        super::BackendKind::Postgres => "SELECT set_config('rapport.action', 'MERGE', true)",
        super::BackendKind::Sqlite => "UPDATE audit_context SET action = 'MERGE'",
    };
    with_conn!(conn, |c| c.batch_execute(sql).await)?;
    Ok(())
}
