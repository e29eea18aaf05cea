//! An audit entry as the API shows it, and its pages.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use diesel::prelude::*;

use super::changes;
use crate::contacts::list::PageInfo;
use crate::db::schema::audit_entries;
use crate::graphql::context::load_opt;
use crate::ids::{CompanyId, ContactId, TypedId as _, UserId};
use crate::settings::model::User;
use crate::text_enum;
use crate::time::Timestamp;

text_enum!(
    /// What a change did to its record.
    AuditAction {
        Create = "CREATE",
        Update = "UPDATE",
        Delete = "DELETE",
        Restore = "RESTORE",
        Merge = "MERGE",
    }
);

/// The kinds of record the trail follows, as `entityType` names them.
pub const ENTITY_TYPES: &[&str] = &[
    "Contact",
    "ContactEmail",
    "ContactPhone",
    "ContactAddress",
    "ContactBankAccount",
    "ContactAccount",
    "Document",
    "StageTransition",
    "Company",
    "User",
    "Segmentation",
    "ReasonCode",
    "DetailType",
    "Account",
    "LifecycleTemplate",
    "LifecycleCategory",
    "LifecycleStep",
];

/// One change to one record: what it did, who did it, when, and the fields before and after.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_entries)]
pub struct AuditEntry {
    pub id: i64,
    pub entity_type: String,
    pub entity_id: i64,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub action: AuditAction,
    pub actor_id: Option<UserId>,
    pub occurred_at: Timestamp,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A field a change touched: its value before and after (null when absent).
#[derive(Debug, Clone, SimpleObject)]
pub struct FieldChange {
    /// The field's name as the API spells it (`fullName`, `isPrimary`, `companyId`); ids of
    /// other records are their numbers.
    pub field: String,
    pub before: Option<Json<serde_json::Value>>,
    pub after: Option<Json<serde_json::Value>>,
}

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(format!("AuditEntry:{}", self.id))
    }

    /// The kind of record changed: `Contact`, `ContactEmail`, `Document`, `StageTransition`,
    /// `ReasonCode`, … (see `auditLog`'s `entityTypes`).
    async fn entity_type(&self) -> &str {
        &self.entity_type
    }

    /// The record changed (a `ContactAccount` is named by its account's id).
    async fn entity_id(&self) -> ID {
        let type_name = match self.entity_type.as_str() {
            "ContactAccount" => "Account",
            other => other,
        };
        ID(format!("{type_name}:{}", self.entity_id))
    }

    /// The contact the record belongs to, for contacts and their details, accounts, documents
    /// and moves.
    async fn contact_id(&self) -> Option<ID> {
        self.contact_id.map(|id| id.to_id())
    }

    async fn action(&self) -> AuditAction {
        self.action
    }

    /// Who made the change; null for the server itself (the trash retention, say) or a user
    /// outside the viewer's scope.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_opt(ctx, self.actor_id).await
    }

    async fn occurred_at(&self) -> Timestamp {
        self.occurred_at
    }

    /// The fields that changed, by name: for a creation those it set, for a deletion those it
    /// removed. Bookkeeping (version, created and updated at and by) is left out.
    async fn changes(&self) -> Vec<FieldChange> {
        let json = |value: serde_json::Value| (!value.is_null()).then_some(Json(value));
        changes::diff(self.before.as_deref(), self.after.as_deref())
            .into_iter()
            .map(|change| FieldChange {
                field: change.field,
                before: json(change.before),
                after: json(change.after),
            })
            .collect()
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct AuditEntryEdge {
    pub cursor: String,
    pub node: AuditEntry,
}

/// A page of audit entries, newest first.
#[derive(Debug, Clone, SimpleObject)]
pub struct AuditEntryConnection {
    pub edges: Vec<AuditEntryEdge>,
    pub page_info: PageInfo,
}

impl AuditEntryConnection {
    /// The page of `rows` (newest first, at most `limit` plus one to tell whether more follow)
    /// after a cursor or from the start.
    pub fn of(mut rows: Vec<AuditEntry>, limit: usize, after_cursor: bool) -> Self {
        let has_next_page = rows.len() > limit;
        rows.truncate(limit);
        let edges: Vec<AuditEntryEdge> = rows
            .into_iter()
            .map(|node| AuditEntryEdge {
                cursor: format!("AuditEntry:{}", node.id),
                node,
            })
            .collect();
        Self {
            page_info: PageInfo {
                has_next_page,
                has_previous_page: after_cursor,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        }
    }
}

/// The entry id an `after` cursor names, if it is one.
pub fn cursor_id(cursor: &str) -> Option<i64> {
    crate::ids::split(cursor)
        .ok()
        .filter(|(type_name, _)| *type_name == "AuditEntry")
        .map(|(_, id)| id)
}

/// `first` (0 to 200) and the entry an `after` cursor names, every problem at once.
pub fn page_args(
    v: &mut crate::validation::Validator,
    first: i32,
    after: Option<&str>,
) -> (usize, Option<i64>) {
    use crate::validation::code;
    let max = crate::contacts::list::MAX_PAGE;
    if !(0..=max).contains(&first) {
        v.push(
            "first",
            code::OUT_OF_RANGE,
            format!("must be between 0 and {max}"),
        );
    }
    let after = after.and_then(|raw| {
        let id = cursor_id(raw);
        if id.is_none() {
            v.push("after", code::INVALID, "is not a cursor of audit entries");
        }
        id
    });
    (usize::try_from(first).unwrap_or(0), after)
}
