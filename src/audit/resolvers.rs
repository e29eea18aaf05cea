//! `auditLog`: the trail across records, for administrators.

use async_graphql::{Context, ID, InputObject, Object};

use super::model::{AuditEntryConnection, ENTITY_TYPES, page_args};
use super::store::{self, LogQuery};
use crate::error::AppResult;
use crate::graphql::context::{db, viewer};
use crate::ids::{TypedId as _, UserId};
use crate::time::Timestamp;
use crate::validation::{Validator, code};

#[derive(Debug, Default, InputObject)]
pub struct AuditLogFilter {
    /// Only changes to these kinds of record (`Contact`, `ContactEmail`, `ReasonCode`, …).
    pub entity_types: Option<Vec<String>>,
    /// Only changes made by these users.
    pub actor_ids: Option<Vec<ID>>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub to: Option<Timestamp>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every change to contacts, their details and configuration records in the viewer's
    /// scope, newest first (ADMIN).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        #[graphql(default = 50)] first: i32,
        after: Option<String>,
    ) -> AppResult<AuditEntryConnection> {
        let viewer = viewer(ctx);
        viewer.may_read_audit_log()?;
        let filter = filter.unwrap_or_default();
        let mut v = Validator::new();
        let (limit, before_id) = page_args(&mut v, first, after.as_deref());
        if let Some(types) = &filter.entity_types {
            for (i, name) in types.iter().enumerate() {
                if !ENTITY_TYPES.contains(&name.as_str()) {
                    v.push(
                        format!("filter.entityTypes[{i}]"),
                        code::INVALID,
                        format!("is not one of {}", ENTITY_TYPES.join(", ")),
                    );
                }
            }
        }
        let actor_ids = filter
            .actor_ids
            .as_ref()
            .map(|ids| v.ids::<UserId>("filter.actorIds", ids));
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from >= to
        {
            v.push("filter.to", code::INVALID, "must be later than `from`");
        }
        v.finish()?;
        let query = LogQuery {
            entity_types: filter.entity_types,
            actor_ids: actor_ids.map(|ids| ids.into_iter().map(UserId::get).collect()),
            from: filter.from,
            to: filter.to,
            before_id,
            limit: i64::try_from(limit).unwrap_or(0) + 1,
        };
        let mut conn = db(ctx).conn().await?;
        let rows = store::log(&mut conn, viewer, &query).await?;
        Ok(AuditEntryConnection::of(rows, limit, before_id.is_some()))
    }
}
