//! What generated contacts may refer to, read from the database once before seeding: each
//! scope's users, accounts and segments, the tenant-wide default lifecycle, reason codes and
//! detail types.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::companies::{COMPANIES, TENANT_DOMAINS, TENANT_LOCALES, lower};
use super::locales::Locale;
use crate::db::Conn;
use crate::db::schema::{
    accounts, companies, detail_types, lifecycle_categories, lifecycle_steps, lifecycle_templates,
    reason_codes, segmentations, users,
};
use crate::error::AppResult;
use crate::lifecycle::model::StepOutcome;
use crate::settings::model::{DetailKind, ReasonOutcome};
use crate::with_conn;

/// Who and what a contact of one scope (a demo company, or tenant-wide) may refer to.
pub(super) struct Scope {
    pub(super) company_id: Option<i64>,
    /// Active users of the scope: owners and actors.
    pub(super) users: Vec<i64>,
    pub(super) accounts: Vec<i64>,
    /// Tenant-wide segments, plus the company's own.
    pub(super) segmentations: Vec<i64>,
    pub(super) locales: &'static [&'static Locale],
    pub(super) domains: &'static [&'static str],
}

/// The tenant-wide default lifecycle, its steps in path order.
pub(super) struct Lifecycle {
    pub(super) template_id: i64,
    pub(super) first: (i64, StepOutcome),
    /// The open steps, in path order.
    pub(super) open: Vec<i64>,
    pub(super) won: Option<i64>,
    pub(super) lost: Option<i64>,
}

impl Lifecycle {
    pub(super) fn from_path(template_id: i64, path: &[(i64, StepOutcome)]) -> Option<Self> {
        // `<[_]>::first`: diesel's `RunQueryDsl::first` would shadow the slice method.
        let first = *<[_]>::first(path)?;
        let with = |outcome: StepOutcome| {
            path.iter()
                .filter(move |(_, o)| *o == outcome)
                .map(|(id, _)| *id)
        };
        Some(Self {
            template_id,
            first,
            open: with(StepOutcome::Open).collect(),
            won: with(StepOutcome::Won).next(),
            lost: with(StepOutcome::Lost).next(),
        })
    }
}

/// Everything generated contacts refer to, read once before seeding.
pub(super) struct Catalog {
    /// The two demo companies, then tenant-wide.
    pub(super) scopes: Vec<Scope>,
    pub(super) lifecycle: Option<Lifecycle>,
    pub(super) won_reasons: Vec<i64>,
    pub(super) lost_reasons: Vec<i64>,
    pub(super) types: DetailTypes,
}

/// Tenant-wide detail types by the name they go with (valid for every contact).
#[derive(Default)]
pub(super) struct DetailTypes {
    pub(super) business_email: Option<i64>,
    pub(super) personal_email: Option<i64>,
    pub(super) mobile: Option<i64>,
    pub(super) office: Option<i64>,
    pub(super) addresses: Vec<i64>,
}

impl Catalog {
    pub(super) async fn load(c: &mut Conn) -> AppResult<Self> {
        let tenant_segments: Vec<i64> = with_conn!(c, |conn| segmentations::table
            .filter(segmentations::company_id.is_null())
            .order(segmentations::id)
            .select(segmentations::id)
            .load(conn)
            .await)?;
        let mut scopes = Vec::new();
        for demo in COMPANIES {
            let company_id: i64 = with_conn!(c, |conn| companies::table
                .filter(lower(companies::code).eq(demo.code.to_lowercase()))
                .select(companies::id)
                .first(conn)
                .await)?;
            let mut scope = Scope::load(c, Some(company_id), demo.locales, demo.domains).await?;
            scope
                .segmentations
                .splice(0..0, tenant_segments.iter().copied());
            scopes.push(scope);
        }
        scopes.push(Scope::load(c, None, TENANT_LOCALES, TENANT_DOMAINS).await?);

        let path: Vec<(i64, i64, StepOutcome)> = with_conn!(c, |conn| lifecycle_steps::table
            .inner_join(lifecycle_categories::table.inner_join(lifecycle_templates::table))
            .filter(lifecycle_templates::is_default.eq(true))
            .filter(lifecycle_templates::company_id.is_null())
            .order((
                lifecycle_categories::position,
                lifecycle_categories::id,
                lifecycle_steps::position,
                lifecycle_steps::id,
            ))
            .select((
                lifecycle_templates::id,
                lifecycle_steps::id,
                lifecycle_steps::outcome,
            ))
            .load(conn)
            .await)?;
        let lifecycle = <[_]>::first(&path).and_then(|(template_id, _, _)| {
            let steps: Vec<(i64, StepOutcome)> = path.iter().map(|(_, s, o)| (*s, *o)).collect();
            Lifecycle::from_path(*template_id, &steps)
        });

        let reasons: Vec<(i64, ReasonOutcome)> = with_conn!(c, |conn| reason_codes::table
            .filter(reason_codes::company_id.is_null())
            .filter(reason_codes::archived.eq(false))
            .order(reason_codes::id)
            .select((reason_codes::id, reason_codes::outcome))
            .load(conn)
            .await)?;
        let with = |outcome| {
            reasons
                .iter()
                .filter(|(_, o)| *o == outcome)
                .map(|(id, _)| *id)
                .collect()
        };

        let rows: Vec<(i64, DetailKind, String)> = with_conn!(c, |conn| detail_types::table
            .filter(detail_types::company_id.is_null())
            .order(detail_types::id)
            .select((detail_types::id, detail_types::kind, detail_types::name))
            .load(conn)
            .await)?;
        let named = |kind: DetailKind, name: &str| {
            rows.iter()
                .find(|(_, k, n)| *k == kind && n.eq_ignore_ascii_case(name))
                .map(|(id, _, _)| *id)
        };
        let types = DetailTypes {
            business_email: named(DetailKind::Email, "Business"),
            personal_email: named(DetailKind::Email, "Personal"),
            mobile: named(DetailKind::Phone, "Mobile"),
            office: named(DetailKind::Phone, "Office"),
            addresses: rows
                .iter()
                .filter(|(_, k, _)| *k == DetailKind::Address)
                .map(|(id, _, _)| *id)
                .collect(),
        };

        Ok(Self {
            scopes,
            lifecycle,
            won_reasons: with(ReasonOutcome::Won),
            lost_reasons: with(ReasonOutcome::Lost),
            types,
        })
    }
}

impl Scope {
    /// The users, accounts and segments of a company, or the tenant-wide ones (`None`).
    async fn load(
        c: &mut Conn,
        company_id: Option<i64>,
        locales: &'static [&'static Locale],
        domains: &'static [&'static str],
    ) -> AppResult<Self> {
        let (tenant_wide, company) = (company_id.is_none(), company_id.unwrap_or(0));
        // The company's rows, or the tenant-wide ones: one query shape for both.
        macro_rules! in_scope {
            ($column:expr) => {
                $column
                    .eq(company)
                    .or($column.is_null().and(
                        diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(tenant_wide),
                    ))
            };
        }
        let users = with_conn!(c, |conn| users::table
            .filter(in_scope!(users::company_id))
            .filter(users::active.eq(true))
            .order(users::id)
            .select(users::id)
            .load::<i64>(conn)
            .await)?;
        let accounts = with_conn!(c, |conn| accounts::table
            .filter(in_scope!(accounts::company_id))
            .order(accounts::id)
            .select(accounts::id)
            .load::<i64>(conn)
            .await)?;
        let segmentations = with_conn!(c, |conn| segmentations::table
            .filter(in_scope!(segmentations::company_id))
            .order(segmentations::id)
            .select(segmentations::id)
            .load::<i64>(conn)
            .await)?;
        Ok(Self {
            company_id,
            users,
            accounts,
            segmentations,
            locales,
            domains,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_splits_into_open_steps_and_the_first_closed_ones() {
        let path = [
            (1, StepOutcome::Open),
            (2, StepOutcome::Open),
            (3, StepOutcome::Won),
            (4, StepOutcome::Lost),
            (5, StepOutcome::Open),
            (6, StepOutcome::Lost),
        ];
        let lifecycle = Lifecycle::from_path(9, &path).expect("a path with steps");
        assert_eq!(lifecycle.template_id, 9);
        assert_eq!(lifecycle.first, (1, StepOutcome::Open));
        assert_eq!(lifecycle.open, [1, 2, 5]);
        assert_eq!((lifecycle.won, lifecycle.lost), (Some(3), Some(4)));
    }

    #[test]
    fn a_path_without_steps_is_no_lifecycle() {
        assert!(Lifecycle::from_path(9, &[]).is_none());
        let only_open = Lifecycle::from_path(9, &[(1, StepOutcome::Open)]).expect("one step");
        assert_eq!((only_open.won, only_open.lost), (None, None));
    }
}
