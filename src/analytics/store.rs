//! SQL of the aggregates.

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::RunQueryDsl;

use crate::contacts::list::FilterSql;
use crate::contacts::model::ContactStatus;
use crate::db::raw::{self, Sql};
use crate::db::schema::contacts;
use crate::db::{BackendKind, Conn};
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::viewer::Viewer;
use crate::{filtered_contacts, with_conn};

/// Contacts counted by every dimension of their current state; callers roll up.
pub type StateRow = (
    ContactStatus,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
);

pub async fn contact_state_counts(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &FilterSql,
) -> AppResult<Vec<StateRow>> {
    Ok(with_conn!(conn, |c| {
        let grouped = contacts::table
            .group_by((
                contacts::status,
                contacts::company_id,
                contacts::segmentation_id,
                contacts::reason_code_id,
                contacts::owner_id,
                contacts::current_step_id,
            ))
            .select((
                contacts::status,
                contacts::company_id,
                contacts::segmentation_id,
                contacts::reason_code_id,
                contacts::owner_id,
                contacts::current_step_id,
                count_star(),
            ))
            .into_boxed();
        filtered_contacts!(grouped, viewer, filter)
            .load::<StateRow>(c)
            .await
    })?)
}

/// Length of the calendar periods of `reasonCodeStats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Period {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// Which columns a closing-reason query groups by.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReasonGrouping {
    pub reason_code: bool,
    pub company: bool,
    pub segmentation: bool,
    pub owner: bool,
    pub outcome: bool,
    pub period: Option<Period>,
}

/// The filter of `reasonCodeStats`, validated.
#[derive(Debug, Clone, Default)]
pub struct ReasonFilter {
    pub company_ids: Option<Vec<i64>>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// `WON` and/or `LOST`.
    pub outcomes: Option<Vec<String>>,
    pub segmentation_ids: Option<Vec<i64>>,
    pub owner_ids: Option<Vec<i64>>,
    pub template_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ReasonRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub reason_code_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub company_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub segmentation_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub owner_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub period: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// The first day (`YYYY-MM-DD`, UTC) of the period holding `column`, per backend.
fn period_start(kind: BackendKind, period: Period, column: &str) -> String {
    match (kind, period) {
        (BackendKind::Postgres, Period::Day) => format!("to_char({column}, 'YYYY-MM-DD')"),
        (BackendKind::Postgres, Period::Week) => {
            format!("to_char(date_trunc('week', {column}), 'YYYY-MM-DD')")
        }
        (BackendKind::Postgres, Period::Month) => {
            format!("to_char(date_trunc('month', {column}), 'YYYY-MM-DD')")
        }
        (BackendKind::Postgres, Period::Quarter) => {
            format!("to_char(date_trunc('quarter', {column}), 'YYYY-MM-DD')")
        }
        (BackendKind::Postgres, Period::Year) => {
            format!("to_char(date_trunc('year', {column}), 'YYYY-MM-DD')")
        }
        (BackendKind::Sqlite, Period::Day) => format!("date({column})"),
        // 'weekday 0' moves to the next Sunday (or stays on one); six days back is Monday.
        (BackendKind::Sqlite, Period::Week) => format!("date({column}, 'weekday 0', '-6 days')"),
        (BackendKind::Sqlite, Period::Month) => format!("date({column}, 'start of month')"),
        (BackendKind::Sqlite, Period::Quarter) => format!(
            "date({column}, 'start of month', printf('-%d months', (cast(strftime('%m', {column}) as integer) - 1) % 3))"
        ),
        (BackendKind::Sqlite, Period::Year) => format!("date({column}, 'start of year')"),
    }
}

/// Closing transitions (into WON or LOST steps) in `[from, to)`, counted by `grouping`.
pub async fn closing_reason_counts(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &ReasonFilter,
    grouping: ReasonGrouping,
) -> AppResult<Vec<ReasonRow>> {
    let kind = conn.kind();
    let null_id = "CAST(NULL AS BIGINT)";
    let null_text = "CAST(NULL AS TEXT)";
    let pick = |on: bool, column: &str, null: &str| {
        if on {
            column.to_owned()
        } else {
            null.to_owned()
        }
    };
    let columns = [
        pick(grouping.reason_code, "t.reason_code_id", null_id),
        pick(grouping.company, "c.company_id", null_id),
        pick(grouping.segmentation, "c.segmentation_id", null_id),
        pick(grouping.owner, "c.owner_id", null_id),
        pick(grouping.outcome, "s.outcome", null_text),
        grouping.period.map_or(null_text.to_owned(), |p| {
            period_start(kind, p, "t.occurred_at")
        }),
    ];
    let grouped: Vec<String> = (1..=6)
        .filter(|i| match i {
            1 => grouping.reason_code,
            2 => grouping.company,
            3 => grouping.segmentation,
            4 => grouping.owner,
            5 => grouping.outcome,
            _ => grouping.period.is_some(),
        })
        .map(|i| i.to_string())
        .collect();
    let mut sql = Sql::new(kind);
    sql.push(&format!(
        "SELECT {} AS reason_code_id, {} AS company_id, {} AS segmentation_id, {} AS owner_id, \
         {} AS outcome, {} AS period, COUNT(*) AS count \
         FROM stage_transitions t \
         JOIN lifecycle_steps s ON s.id = t.to_step_id \
         JOIN lifecycle_categories g ON g.id = s.category_id \
         JOIN contacts c ON c.id = t.contact_id \
         WHERE s.outcome IN ('WON', 'LOST')",
        columns[0], columns[1], columns[2], columns[3], columns[4], columns[5],
    ));
    raw::push_contact_company_conditions(&mut sql, " AND ", viewer, filter.company_ids.as_deref());
    if let Some(outcomes) = &filter.outcomes {
        let closing = outcomes
            .iter()
            .map(String::as_str)
            .filter(|o| *o == "WON" || *o == "LOST");
        sql.push(" AND ").push_in("s.outcome", closing);
    }
    if let Some(ids) = &filter.segmentation_ids {
        sql.push(" AND ")
            .push_in("c.segmentation_id", ids.iter().copied());
    }
    if let Some(ids) = &filter.owner_ids {
        sql.push(" AND ").push_in("c.owner_id", ids.iter().copied());
    }
    if let Some(ids) = &filter.template_ids {
        sql.push(" AND ")
            .push_in("g.template_id", ids.iter().copied());
    }
    if let Some(from) = filter.from {
        sql.push(" AND t.occurred_at >= ").bind(from);
    }
    if let Some(to) = filter.to {
        sql.push(" AND t.occurred_at < ").bind(to);
    }
    if !grouped.is_empty() {
        sql.push(" GROUP BY ").push(&grouped.join(", "));
    }
    sql.load(conn).await
}
