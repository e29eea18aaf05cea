//! SQL filters for the viewer's company scope and for the `companyId`/`includeTenantWide`
//! arguments of configuration lists. They bind booleans instead of branching, so one query
//! shape serves every viewer.

use crate::ids::CompanyId;
use crate::viewer::Viewer;

/// Which records a configuration list asks for.
#[derive(Debug, Clone, Copy)]
pub struct ListScope {
    /// Only this company's records (plus tenant-wide ones if asked); `None`: every company.
    pub company: Option<CompanyId>,
    pub include_tenant_wide: bool,
}

/// `(sees_everything, visible_company_ids)` for `visible!`.
pub fn viewer_params(viewer: &Viewer) -> (bool, Vec<i64>) {
    match viewer.company_ids() {
        None => (true, Vec::new()),
        Some(ids) => (false, ids.iter().map(|c| c.0).collect()),
    }
}

/// A filter on a nullable `company_id` column: tenant-wide rows and the viewer's companies.
#[macro_export]
macro_rules! visible {
    ($column:expr, $viewer:expr) => {{
        let (all, ids) = $crate::db::scope::viewer_params($viewer);
        $column
            .is_null()
            .or($column.eq_any(ids))
            .or(diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(all))
    }};
}

/// A filter on a nullable `company_id` column for a [`ListScope`].
#[macro_export]
macro_rules! listed {
    ($column:expr, $list:expr) => {{
        let list: &$crate::db::scope::ListScope = $list;
        let company = list.company.map_or(0, |c| c.0);
        let has_company = list.company.is_some();
        let tenant_wide = list.include_tenant_wide;
        use diesel::IntoSql as _;
        $column
            .eq(company)
            .and(has_company.into_sql::<diesel::sql_types::Bool>())
            .or($column
                .is_null()
                .and(tenant_wide.into_sql::<diesel::sql_types::Bool>()))
            .or($column
                .is_not_null()
                .and((!has_company).into_sql::<diesel::sql_types::Bool>()))
    }};
}

/// A filter on a contact's nullable `company_id`: with `only_outside`, rows not of `company`
/// (tenant-wide counts as outside); otherwise every row.
#[macro_export]
macro_rules! outside_company {
    ($column:expr, $only_outside:expr, $company:expr) => {{
        use diesel::IntoSql as _;
        (!$only_outside)
            .into_sql::<diesel::sql_types::Bool>()
            .or($column.is_null())
            .or($column.ne($company))
    }};
}
