//! What the unit tests generate from: a catalog shaped like the reference configuration and a
//! fixed "now".

use super::catalog::{Catalog, DetailTypes, Lifecycle, Scope};
use super::companies::{COMPANIES, TENANT_DOMAINS, TENANT_LOCALES};
use crate::lifecycle::model::StepOutcome;
use crate::time::Timestamp;

/// A catalog like the reference configuration, with made-up ids: companies 1 and 2 (users
/// 10–11 and 20–21, accounts 50–51), segments 1–4, the default lifecycle 7 with open steps
/// 100–108, won 109 and lost 110, won reason 30, lost reasons 31–35, detail types 40–46.
pub(super) fn catalog() -> Catalog {
    let scope = |company_id, users: Vec<i64>, locales, domains| Scope {
        company_id,
        accounts: if company_id.is_some() {
            vec![50, 51]
        } else {
            vec![]
        },
        users,
        segmentations: vec![1, 2, 3, 4],
        locales,
        domains,
    };
    let path: Vec<(i64, StepOutcome)> = (100..109)
        .map(|id| (id, StepOutcome::Open))
        .chain([(109, StepOutcome::Won), (110, StepOutcome::Lost)])
        .collect();
    Catalog {
        scopes: vec![
            scope(
                Some(1),
                vec![10, 11],
                COMPANIES[0].locales,
                COMPANIES[0].domains,
            ),
            scope(
                Some(2),
                vec![20, 21],
                COMPANIES[1].locales,
                COMPANIES[1].domains,
            ),
            scope(None, vec![], TENANT_LOCALES, TENANT_DOMAINS),
        ],
        lifecycle: Lifecycle::from_path(7, &path),
        won_reasons: vec![30],
        lost_reasons: vec![31, 32, 33, 34, 35],
        types: DetailTypes {
            business_email: Some(40),
            personal_email: Some(41),
            mobile: Some(42),
            office: Some(43),
            addresses: vec![44, 45, 46],
        },
    }
}

/// The moment the tests generate at.
pub(super) fn now() -> Timestamp {
    Timestamp(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("a valid date"),
    )
}
