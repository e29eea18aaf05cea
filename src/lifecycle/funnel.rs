//! The lifecycle funnel: how far contacts got along a template's path, how many stand on each
//! step now, and how long they stayed. SQL gathers small counts (`store::funnel_*`); this file
//! turns them into the per-step rows, so the arithmetic is the same on every backend.

use std::collections::HashMap;

use async_graphql::{ID, InputObject, SimpleObject};

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

#[cfg(test)]
mod tests {
    use super::*;

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
