//! The contact list: `ContactFilter`, `ContactOrder`, keyset cursors and the Relay connection.
//!
//! Pages are keyset pages over `(sort value, id)`: a cursor names the last row seen, so rows
//! inserted between requests never shift a page. Empty values (a missing full name, scoring or
//! stage date) sort last in both directions.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value as Json;

use super::model::{Contact, ContactStatus};
use crate::error::AppResult;
use crate::graphql::context::{db, viewer};
use crate::ids::{
    AccountId, CategoryId, CompanyId, ReasonCodeId, SegmentationId, StepId, TemplateId, UserId,
};
use crate::time::Timestamp;
use crate::validation::{Validator, code};

/// Largest page.
pub const MAX_PAGE: i32 = 200;
/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: i32 = 50;

#[derive(Debug, Default, InputObject)]
pub struct ContactFilter {
    /// Case-insensitive text in the name, full name, an email or a phone number.
    pub search: Option<String>,
    /// Only contacts of these companies (plus tenant-wide ones when `includeTenantWide`).
    pub company_ids: Option<Vec<ID>>,
    #[graphql(default = true)]
    pub include_tenant_wide: bool,
    pub status: Option<Vec<ContactStatus>>,
    pub segmentation_ids: Option<Vec<ID>>,
    pub reason_code_ids: Option<Vec<ID>>,
    pub owner_ids: Option<Vec<ID>>,
    pub account_ids: Option<Vec<ID>>,
    pub lifecycle_template_ids: Option<Vec<ID>>,
    pub step_ids: Option<Vec<ID>>,
    pub category_ids: Option<Vec<ID>>,
    pub scoring_min: Option<f64>,
    pub scoring_max: Option<f64>,
    /// Created at or after.
    pub created_from: Option<Timestamp>,
    /// Created before.
    pub created_to: Option<Timestamp>,
    pub updated_from: Option<Timestamp>,
    pub updated_to: Option<Timestamp>,
    pub has_email: Option<bool>,
    pub has_phone: Option<bool>,
    /// `true`: the contacts in the trash (deleted, not yet purged) instead of the live ones.
    /// Aggregates and exports leave the trash out whatever this says.
    pub deleted: Option<bool>,
}

/// A validated filter, in the form the SQL needs.
#[derive(Debug, Clone, Default)]
pub struct FilterSql {
    /// `%text%`, lower-cased, with LIKE wildcards escaped.
    pub search: Option<String>,
    /// `%digits%` of the search, for phone numbers; `None` when it has no digits.
    pub search_digits: Option<String>,
    pub company_ids: Option<Vec<i64>>,
    pub include_tenant_wide: bool,
    pub status: Option<Vec<ContactStatus>>,
    pub segmentation_ids: Option<Vec<i64>>,
    pub reason_code_ids: Option<Vec<i64>>,
    pub owner_ids: Option<Vec<i64>>,
    pub account_ids: Option<Vec<i64>>,
    pub template_ids: Option<Vec<i64>>,
    pub step_ids: Option<Vec<i64>>,
    pub category_ids: Option<Vec<i64>>,
    pub scoring_min: Option<f64>,
    pub scoring_max: Option<f64>,
    pub created_from: Option<Timestamp>,
    pub created_to: Option<Timestamp>,
    pub updated_from: Option<Timestamp>,
    pub updated_to: Option<Timestamp>,
    pub has_email: Option<bool>,
    pub has_phone: Option<bool>,
    /// The trash instead of the live contacts (lists and counts only).
    pub deleted: bool,
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn id_list<T: crate::ids::TypedId + Ord>(
    v: &mut Validator,
    path: &str,
    ids: &Option<Vec<ID>>,
) -> Option<Vec<i64>> {
    ids.as_ref()
        .map(|ids| v.ids::<T>(path, ids).into_iter().map(T::get).collect())
}

impl ContactFilter {
    pub fn validate(&self, v: &mut Validator, prefix: &str) -> FilterSql {
        let at = |field: &str| format!("{prefix}{field}");
        let search = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let digits: Option<String> = search
            .map(|s| s.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|d| d.len() >= 3);
        for (field, value) in [
            ("scoringMin", self.scoring_min),
            ("scoringMax", self.scoring_max),
        ] {
            if value.is_some_and(|s| !s.is_finite()) {
                v.push(at(field), code::INVALID, "must be a finite number");
            }
        }
        FilterSql {
            search: search.map(|s| format!("%{}%", like_escape(&s.to_lowercase()))),
            search_digits: digits.map(|d| format!("%{d}%")),
            company_ids: id_list::<CompanyId>(v, &at("companyIds"), &self.company_ids),
            include_tenant_wide: self.include_tenant_wide,
            status: self.status.clone(),
            segmentation_ids: id_list::<SegmentationId>(
                v,
                &at("segmentationIds"),
                &self.segmentation_ids,
            ),
            reason_code_ids: id_list::<ReasonCodeId>(
                v,
                &at("reasonCodeIds"),
                &self.reason_code_ids,
            ),
            owner_ids: id_list::<UserId>(v, &at("ownerIds"), &self.owner_ids),
            account_ids: id_list::<AccountId>(v, &at("accountIds"), &self.account_ids),
            template_ids: id_list::<TemplateId>(
                v,
                &at("lifecycleTemplateIds"),
                &self.lifecycle_template_ids,
            ),
            step_ids: id_list::<StepId>(v, &at("stepIds"), &self.step_ids),
            category_ids: id_list::<CategoryId>(v, &at("categoryIds"), &self.category_ids),
            scoring_min: self.scoring_min,
            scoring_max: self.scoring_max,
            created_from: self.created_from,
            created_to: self.created_to,
            updated_from: self.updated_from,
            updated_to: self.updated_to,
            has_email: self.has_email,
            has_phone: self.has_phone,
            deleted: self.deleted == Some(true),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ContactOrderField {
    Name,
    FullName,
    Scoring,
    Status,
    CreatedAt,
    UpdatedAt,
    StageChangedAt,
}

impl ContactOrderField {
    fn key(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::FullName => "fullName",
            Self::Scoring => "scoring",
            Self::Status => "status",
            Self::CreatedAt => "createdAt",
            Self::UpdatedAt => "updatedAt",
            Self::StageChangedAt => "stageChangedAt",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// How the list is sorted; ties are broken by id in the same direction.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct ContactOrder {
    pub field: ContactOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl Default for ContactOrder {
    fn default() -> Self {
        Self {
            field: ContactOrderField::Name,
            direction: OrderDirection::Asc,
        }
    }
}

/// The sort value of the row a cursor points at.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Text(Option<String>),
    Number(Option<f64>),
    Time(Option<Timestamp>),
}

/// A position in the list: the sort value and id of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub value: SortValue,
    pub id: i64,
}

impl Cursor {
    pub fn of(contact: &Contact, field: ContactOrderField) -> Self {
        let value = match field {
            ContactOrderField::Name => SortValue::Text(Some(contact.name.clone())),
            ContactOrderField::FullName => SortValue::Text(contact.full_name.clone()),
            ContactOrderField::Status => SortValue::Text(Some(contact.status.as_str().to_owned())),
            ContactOrderField::Scoring => SortValue::Number(contact.scoring),
            ContactOrderField::CreatedAt => SortValue::Time(Some(contact.created_at)),
            ContactOrderField::UpdatedAt => SortValue::Time(Some(contact.updated_at)),
            ContactOrderField::StageChangedAt => SortValue::Time(contact.stage_changed_at),
        };
        Self {
            value,
            id: contact.id.0,
        }
    }

    pub fn encode(&self, field: ContactOrderField) -> String {
        let value = match &self.value {
            SortValue::Text(t) => t.clone().map_or(Json::Null, Json::String),
            SortValue::Number(n) => n.map_or(Json::Null, Json::from),
            SortValue::Time(t) => t.map_or(Json::Null, |t| Json::String(t.to_rfc3339())),
        };
        let json = serde_json::json!([field.key(), value, self.id]);
        URL_SAFE_NO_PAD.encode(json.to_string())
    }

    /// Reads a cursor made for the same sort field; anything else is `None`.
    pub fn decode(text: &str, field: ContactOrderField) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let json: Json = serde_json::from_slice(&bytes).ok()?;
        let [key, value, id] = json.as_array()?.as_slice() else {
            return None;
        };
        if key.as_str()? != field.key() {
            return None;
        }
        let id = id.as_i64()?;
        let value = match field {
            ContactOrderField::Name | ContactOrderField::FullName | ContactOrderField::Status => {
                SortValue::Text(match value {
                    Json::Null => None,
                    other => Some(other.as_str()?.to_owned()),
                })
            }
            ContactOrderField::Scoring => SortValue::Number(match value {
                Json::Null => None,
                other => Some(other.as_f64()?),
            }),
            _ => SortValue::Time(match value {
                Json::Null => None,
                other => Some(
                    chrono::DateTime::parse_from_rfc3339(other.as_str()?)
                        .ok()
                        .map(|t| Timestamp::from_utc(t.with_timezone(&chrono::Utc)))?,
                ),
            }),
        };
        Some(Self { value, id })
    }
}

/// One page request, validated.
#[derive(Debug, Clone)]
pub struct PageQuery {
    pub filter: FilterSql,
    pub order: ContactOrder,
    /// Rows to return.
    pub limit: i64,
    /// Walking backwards (`last`/`before`): query in reverse order, then flip the rows.
    pub backwards: bool,
    pub cursor: Option<Cursor>,
}

pub struct PageArgs<'a> {
    pub filter: Option<&'a ContactFilter>,
    pub order: Option<ContactOrder>,
    pub first: Option<i32>,
    pub after: Option<&'a str>,
    pub last: Option<i32>,
    pub before: Option<&'a str>,
}

impl<'a> PageArgs<'a> {
    /// Only a filter, for counts and aggregates over the whole filtered list.
    pub fn filter_only(filter: Option<&'a ContactFilter>) -> Self {
        Self {
            filter,
            order: None,
            first: None,
            after: None,
            last: None,
            before: None,
        }
    }

    pub fn validate(&self) -> AppResult<PageQuery> {
        let mut v = Validator::new();
        let filter = self
            .filter
            .map(|f| f.validate(&mut v, "filter."))
            .unwrap_or_else(|| FilterSql {
                include_tenant_wide: true,
                ..FilterSql::default()
            });
        let order = self.order.unwrap_or_default();
        if self.first.is_some() && self.last.is_some() {
            v.push("last", code::INVALID, "use either first or last, not both");
        }
        if self.after.is_some() && self.before.is_some() {
            v.push(
                "before",
                code::INVALID,
                "use either after or before, not both",
            );
        }
        for (name, size) in [("first", self.first), ("last", self.last)] {
            if let Some(size) = size
                && !(0..=MAX_PAGE).contains(&size)
            {
                v.push(
                    name,
                    code::OUT_OF_RANGE,
                    format!("must be between 0 and {MAX_PAGE}"),
                );
            }
        }
        let backwards = self.last.is_some() || (self.before.is_some() && self.first.is_none());
        let (name, raw) = match (self.after, self.before) {
            (Some(after), _) => ("after", Some(after)),
            (None, Some(before)) => ("before", Some(before)),
            (None, None) => ("after", None),
        };
        let cursor = raw.and_then(|raw| {
            let cursor = Cursor::decode(raw, order.field);
            if cursor.is_none() {
                v.push(
                    name,
                    code::INVALID,
                    "is not a cursor of this list and order",
                );
            }
            cursor
        });
        v.finish()?;
        Ok(PageQuery {
            filter,
            order,
            limit: i64::from(self.first.or(self.last).unwrap_or(DEFAULT_PAGE)),
            backwards,
            cursor,
        })
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ContactEdge {
    pub node: Contact,
    /// The order the page is in, which the cursor encodes.
    pub order: ContactOrderField,
}

impl ContactEdge {
    fn encoded_cursor(&self) -> String {
        Cursor::of(&self.node, self.order).encode(self.order)
    }
}

#[Object]
impl ContactEdge {
    // Encoded when asked for: a page that shows no cursors does not pay for fifty.
    async fn cursor(&self) -> String {
        self.encoded_cursor()
    }

    async fn node(&self) -> &Contact {
        &self.node
    }
}

/// A page of contacts.
#[derive(Clone, SimpleObject)]
#[graphql(complex)]
pub struct ContactConnection {
    pub edges: Vec<ContactEdge>,
    pub page_info: PageInfo,
    #[graphql(skip)]
    pub filter: Arc<FilterSql>,
}

#[ComplexObject]
impl ContactConnection {
    /// The contacts of this page, without cursors.
    async fn nodes(&self) -> Vec<Contact> {
        self.edges.iter().map(|e| e.node.clone()).collect()
    }

    /// How many contacts match the filter, on all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> AppResult<i64> {
        let mut conn = db(ctx).conn().await?;
        super::store::count_contacts(&mut conn, viewer(ctx), &self.filter).await
    }
}

impl ContactConnection {
    /// Builds the page from `rows` fetched with one extra row to tell whether more follow.
    pub fn from_rows(mut rows: Vec<Contact>, query: &PageQuery) -> Self {
        let limit = usize::try_from(query.limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        if query.backwards {
            rows.reverse();
        }
        let order = query.order.field;
        let edges: Vec<ContactEdge> = rows
            .into_iter()
            .map(|node| ContactEdge { node, order })
            .collect();
        let page_info = PageInfo {
            has_next_page: if query.backwards {
                query.cursor.is_some()
            } else {
                more
            },
            has_previous_page: if query.backwards {
                more
            } else {
                query.cursor.is_some()
            },
            start_cursor: edges.first().map(ContactEdge::encoded_cursor),
            end_cursor: edges.last().map(ContactEdge::encoded_cursor),
        };
        Self {
            edges,
            page_info,
            filter: Arc::new(query.filter.clone()),
        }
    }
}

/// `{ total open closed won lost }` for the dashboard.
#[derive(Debug, Clone, Default, SimpleObject)]
pub struct ContactCounts {
    pub total: i64,
    pub open: i64,
    /// Won plus lost.
    pub closed: i64,
    pub won: i64,
    pub lost: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_order() {
        let cursor = Cursor {
            value: SortValue::Text(Some("Ada".into())),
            id: 7,
        };
        let text = cursor.encode(ContactOrderField::Name);
        assert_eq!(Cursor::decode(&text, ContactOrderField::Name), Some(cursor));
        assert_eq!(Cursor::decode(&text, ContactOrderField::Scoring), None);
        assert_eq!(Cursor::decode("garbage", ContactOrderField::Name), None);

        let empty = Cursor {
            value: SortValue::Number(None),
            id: 3,
        };
        let text = empty.encode(ContactOrderField::Scoring);
        assert_eq!(
            Cursor::decode(&text, ContactOrderField::Scoring),
            Some(empty)
        );
    }

    #[test]
    fn search_escapes_like_wildcards() {
        let mut v = Validator::new();
        let filter = ContactFilter {
            search: Some(" 50%_off ".into()),
            ..ContactFilter::default()
        }
        .validate(&mut v, "");
        assert_eq!(filter.search.as_deref(), Some("%50\\%\\_off%"));
        assert_eq!(filter.search_digits, None, "fewer than three digits");
    }
}
