//! The lifecycle funnel: how far contacts got along a template's path, how many stand on each
//! step now, and how long they stayed. SQL gathers small counts (`store::funnel_*`); this file
//! turns them into the per-step rows, so the arithmetic is the same on every backend.

use std::collections::HashMap;

use async_graphql::{ID, InputObject, SimpleObject};
use chrono::Datelike as _;

use super::model::{LifecycleStep, StepOutcome};
use crate::time::Timestamp;

#[derive(Debug, Default, InputObject)]
pub struct LifecycleFunnelFilter {
    /// Only contacts of these companies (tenant-wide contacts are left out when given).
    pub company_ids: Option<Vec<ID>>,
    /// Only moves at or after this time count for `reached` and dwell times.
    pub from: Option<Timestamp>,
    /// Only moves before this time count for `reached` and dwell times.
    pub to: Option<Timestamp>,
}

/// One step of the funnel, in path order.
#[derive(Debug, Clone, SimpleObject)]
pub struct FunnelStep {
    pub step: LifecycleStep,
    /// Contacts that entered this step or a later one of the path (in the window). A lost step
    /// is not "later" than the open steps: it counts the contacts that entered it.
    pub reached: i64,
    /// Contacts standing on this step now.
    pub current: i64,
    /// `reached` of the next step of the path divided by this step's `reached`; null for the
    /// last step, for lost steps and when nobody reached this one.
    pub conversion_rate: Option<f64>,
    /// Completed stays on this step (the contact moved on), the base of the dwell times.
    pub completed_stays: i64,
    /// Mean seconds of a completed stay; null without any.
    pub average_dwell_seconds: Option<f64>,
    /// Median seconds of a completed stay (the mean of the two middle ones for an even count).
    pub median_dwell_seconds: Option<f64>,
}

/// What the SQL of the funnel counted, keyed by step id.
#[derive(Debug, Default)]
pub struct FunnelCounts {
    /// Contacts by the furthest path position (1-based, lost steps excluded) they entered.
    pub furthest: HashMap<i32, i64>,
    /// Contacts that entered each lost step.
    pub lost_entered: HashMap<i64, i64>,
    /// Contacts standing on each step now.
    pub current: HashMap<i64, i64>,
    /// Completed stays per step: how many, and their total seconds.
    pub stays: HashMap<i64, (i64, i64)>,
    /// The middle dwell times per step (one or two values).
    pub middles: HashMap<i64, Vec<i64>>,
}

/// The funnel position of each step: 1, 2, … along the path, 0 for lost steps (they are exits,
/// not stages further along).
pub fn positions(path: &[LifecycleStep]) -> Vec<(i64, i32)> {
    let mut next = 0;
    path.iter()
        .map(|step| {
            if step.outcome == StepOutcome::Lost {
                (step.id.0, 0)
            } else {
                next += 1;
                (step.id.0, next)
            }
        })
        .collect()
}

/// Which completed stay (0-based, in dwell order) starts the middle of `count` stays, and how
/// many middle values there are.
pub fn middle_of(count: i64) -> Option<(i64, i64)> {
    (count > 0).then(|| ((count - 1) / 2, if count % 2 == 0 { 2 } else { 1 }))
}

/// The funnel rows of `path` (steps in path order).
pub fn assemble(path: &[LifecycleStep], counts: &FunnelCounts) -> Vec<FunnelStep> {
    let positions = positions(path);
    let reached_from = |position: i32| -> i64 {
        counts
            .furthest
            .iter()
            .filter(|(furthest, _)| **furthest >= position)
            .map(|(_, contacts)| contacts)
            .sum()
    };
    let reached: Vec<i64> = path
        .iter()
        .zip(&positions)
        .map(|(step, (_, position))| match *position {
            0 => counts.lost_entered.get(&step.id.0).copied().unwrap_or(0),
            position => reached_from(position),
        })
        .collect();
    path.iter()
        .zip(&positions)
        .enumerate()
        .map(|(i, (step, (_, position)))| {
            let next = (*position > 0)
                .then(|| positions[i + 1..].iter().position(|(_, p)| *p > 0))
                .flatten()
                .map(|offset| reached[i + 1 + offset]);
            let (stays, total) = counts.stays.get(&step.id.0).copied().unwrap_or((0, 0));
            let middles = counts.middles.get(&step.id.0);
            FunnelStep {
                step: step.clone(),
                reached: reached[i],
                current: counts.current.get(&step.id.0).copied().unwrap_or(0),
                conversion_rate: next
                    .filter(|_| reached[i] > 0)
                    .map(|next| next as f64 / reached[i] as f64),
                completed_stays: stays,
                average_dwell_seconds: (stays > 0).then(|| total as f64 / stays as f64),
                median_dwell_seconds: middles
                    .filter(|m| !m.is_empty())
                    .map(|m| m.iter().sum::<i64>() as f64 / m.len() as f64),
            }
        })
        .collect()
}

/// The first instant of the calendar month (UTC) of `at`: the key of monthly progress.
pub fn month_of(at: Timestamp) -> Timestamp {
    let date = at.0.date();
    let first = date.with_day(1).unwrap_or(date);
    Timestamp(first.and_time(chrono::NaiveTime::MIN))
}

/// The first instant of the month after `at`'s.
fn next_month(at: Timestamp) -> Timestamp {
    let month = month_of(at).0;
    Timestamp(
        month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(month),
    )
}

/// A funnel window cut into the whole calendar months it covers (read from monthly progress)
/// and the partial months at its ends (read from the moves themselves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowParts {
    /// Whole months `[from, to)` by their first instants; an open end is unbounded.
    pub months: Option<(Option<Timestamp>, Option<Timestamp>)>,
    /// Stretches `[from, to)` of moves outside those months.
    pub edges: Vec<(Option<Timestamp>, Option<Timestamp>)>,
}

/// Cuts the window `[from, to)` into whole months and edges; the parts cover exactly the same
/// moves as the window.
pub fn window_parts(from: Option<Timestamp>, to: Option<Timestamp>) -> WindowParts {
    let first = from.map(|f| if month_of(f) == f { f } else { next_month(f) });
    let end = to.map(month_of);
    if let (Some(first), Some(end)) = (first, end)
        && first >= end
    {
        return WindowParts {
            months: None,
            edges: vec![(from, to)],
        };
    }
    let mut edges = Vec::new();
    if let (Some(from), Some(first)) = (from, first)
        && from < first
    {
        edges.push((Some(from), Some(first)));
    }
    if let (Some(end), Some(to)) = (end, to)
        && end < to
    {
        edges.push((Some(end), Some(to)));
    }
    WindowParts {
        months: Some((first, end)),
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp(
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("timestamp"),
        )
    }

    #[test]
    fn a_window_is_cut_into_whole_months_and_its_partial_ends() {
        let parts = window_parts(
            Some(at("2025-12-05 10:00:00")),
            Some(at("2026-12-05 10:00:00")),
        );
        assert_eq!(
            parts,
            WindowParts {
                months: Some((
                    Some(at("2026-01-01 00:00:00")),
                    Some(at("2026-12-01 00:00:00"))
                )),
                edges: vec![
                    (
                        Some(at("2025-12-05 10:00:00")),
                        Some(at("2026-01-01 00:00:00"))
                    ),
                    (
                        Some(at("2026-12-01 00:00:00")),
                        Some(at("2026-12-05 10:00:00"))
                    ),
                ],
            }
        );
    }

    #[test]
    fn a_window_on_month_boundaries_has_no_edges() {
        let parts = window_parts(
            Some(at("2026-01-01 00:00:00")),
            Some(at("2026-03-01 00:00:00")),
        );
        assert_eq!(
            parts,
            WindowParts {
                months: Some((
                    Some(at("2026-01-01 00:00:00")),
                    Some(at("2026-03-01 00:00:00"))
                )),
                edges: vec![],
            }
        );
    }

    #[test]
    fn a_window_within_one_month_is_all_edge() {
        let (from, to) = (
            Some(at("2026-02-03 00:00:00")),
            Some(at("2026-02-20 00:00:00")),
        );
        let parts = window_parts(from, to);
        assert_eq!(
            parts,
            WindowParts {
                months: None,
                edges: vec![(from, to)]
            }
        );
        let (from, to) = (
            Some(at("2026-02-03 00:00:00")),
            Some(at("2026-03-02 00:00:00")),
        );
        assert_eq!(
            window_parts(from, to).months,
            None,
            "no whole month between them"
        );
    }

    #[test]
    fn an_open_end_reaches_every_month_on_that_side() {
        let parts = window_parts(None, Some(at("2026-02-10 00:00:00")));
        assert_eq!(parts.months, Some((None, Some(at("2026-02-01 00:00:00")))));
        assert_eq!(
            parts.edges,
            vec![(
                Some(at("2026-02-01 00:00:00")),
                Some(at("2026-02-10 00:00:00"))
            )]
        );
        let parts = window_parts(Some(at("2026-12-31 23:59:59")), None);
        assert_eq!(parts.months, Some((Some(at("2027-01-01 00:00:00")), None)));
        assert_eq!(parts.edges.len(), 1);
    }

    fn step(id: i64, outcome: StepOutcome) -> LifecycleStep {
        let at = Timestamp(chrono::DateTime::UNIX_EPOCH.naive_utc());
        LifecycleStep {
            id: crate::ids::StepId(id),
            category_id: crate::ids::CategoryId(1),
            name: format!("Step {id}"),
            position: 0,
            outcome,
            requires_reason: false,
            created_at: at,
            updated_at: at,
        }
    }

    fn path() -> Vec<LifecycleStep> {
        vec![
            step(1, StepOutcome::Open),
            step(2, StepOutcome::Open),
            step(3, StepOutcome::Won),
            step(4, StepOutcome::Lost),
        ]
    }

    #[test]
    fn lost_steps_are_exits_not_later_stages() {
        assert_eq!(positions(&path()), vec![(1, 1), (2, 2), (3, 3), (4, 0)]);
    }

    #[test]
    fn reached_counts_contacts_that_got_this_far_or_further() {
        let counts = FunnelCounts {
            // 5 contacts stopped on step 1, 3 got to step 2 at most, 2 were won.
            furthest: HashMap::from([(1, 5), (2, 3), (3, 2)]),
            lost_entered: HashMap::from([(4, 4)]),
            current: HashMap::from([(1, 1), (4, 4)]),
            stays: HashMap::from([(1, (9, 900))]),
            middles: HashMap::from([(1, vec![60, 90])]),
        };
        let rows = assemble(&path(), &counts);
        let reached: Vec<i64> = rows.iter().map(|r| r.reached).collect();
        assert_eq!(reached, vec![10, 5, 2, 4]);
        let rates: Vec<Option<f64>> = rows.iter().map(|r| r.conversion_rate).collect();
        assert_eq!(rates, vec![Some(0.5), Some(0.4), None, None]);
        assert_eq!(rows[0].current, 1);
        assert_eq!(rows[0].average_dwell_seconds, Some(100.0));
        assert_eq!(rows[0].median_dwell_seconds, Some(75.0));
        assert_eq!(rows[1].average_dwell_seconds, None);
        assert_eq!(rows[1].median_dwell_seconds, None);
    }

    #[test]
    fn nobody_reached_means_no_rate() {
        let rows = assemble(&path(), &FunnelCounts::default());
        assert!(
            rows.iter()
                .all(|r| r.reached == 0 && r.conversion_rate.is_none())
        );
    }

    #[test]
    fn the_middle_of_odd_and_even_counts() {
        assert_eq!(middle_of(0), None);
        assert_eq!(middle_of(1), Some((0, 1)));
        assert_eq!(middle_of(4), Some((1, 2)));
        assert_eq!(middle_of(5), Some((2, 1)));
    }
}
