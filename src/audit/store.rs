//! Reading the audit trail, in the viewer's scope (entries of records of its companies and
//! tenant-wide ones).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::model::AuditEntry;
use crate::db::Conn;
use crate::db::schema::audit_entries;
use crate::error::AppResult;
use crate::ids::ContactId;
use crate::time::Timestamp;
use crate::viewer::Viewer;
use crate::{visible, with_conn};

/// The entries of these contacts and their details, newest first.
pub async fn of_contacts(
    conn: &mut Conn,
    viewer: &Viewer,
    contacts: &[ContactId],
) -> AppResult<Vec<AuditEntry>> {
    Ok(with_conn!(conn, |c| audit_entries::table
        .filter(audit_entries::contact_id.eq_any(contacts))
        .filter(visible!(audit_entries::company_id, viewer))
        .order(audit_entries::id.desc())
        .select(AuditEntry::as_select())
        .load(c)
        .await)?)
}

/// What `auditLog` asks for.
#[derive(Debug, Default)]
pub struct LogQuery {
    pub entity_types: Option<Vec<String>>,
    pub actor_ids: Option<Vec<i64>>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Entries older than this one (its id).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// A page of the log, newest first.
pub async fn log(conn: &mut Conn, viewer: &Viewer, q: &LogQuery) -> AppResult<Vec<AuditEntry>> {
    Ok(with_conn!(conn, |c| {
        let mut query = audit_entries::table
            .filter(visible!(audit_entries::company_id, viewer))
            .into_boxed();
        if let Some(types) = &q.entity_types {
            query = query.filter(audit_entries::entity_type.eq_any(types.clone()));
        }
        if let Some(actors) = &q.actor_ids {
            query = query.filter(audit_entries::actor_id.eq_any(actors.clone()));
        }
        if let Some(from) = q.from {
            query = query.filter(audit_entries::occurred_at.ge(from));
        }
        if let Some(to) = q.to {
            query = query.filter(audit_entries::occurred_at.lt(to));
        }
        if let Some(before) = q.before_id {
            query = query.filter(audit_entries::id.lt(before));
        }
        query
            .order(audit_entries::id.desc())
            .limit(q.limit)
            .select(AuditEntry::as_select())
            .load(c)
            .await
    })?)
}
