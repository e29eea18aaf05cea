//! Stage histories: a random walk of one contact along the default lifecycle, with setbacks,
//! wins, losses (with a reason) and the odd reopening, recorded as the moves
//! `moveContactToStep` would have stored.

use chrono::TimeDelta;
use rand::RngExt as _;
use rand::seq::IndexedRandom as _;

use super::catalog::{Catalog, Lifecycle, Scope};
use super::random::{DemoRng, DemoValues as _};
use crate::contacts::model::ContactStatus;
use crate::ids::{ContactId, ReasonCodeId, StepId, UserId};
use crate::lifecycle::NewTransition;
use crate::lifecycle::model::StepOutcome;
use crate::time::Timestamp;

/// Where a walk along the lifecycle left the contact.
pub(super) struct History {
    pub(super) transitions: Vec<NewTransition>,
    pub(super) step: i64,
    pub(super) status: ContactStatus,
    /// The contact's reason code: the last one given on a move, as `moveContactToStep` keeps
    /// it (a reopened contact still says why it was lost).
    pub(super) reason: Option<i64>,
    pub(super) changed_at: Timestamp,
}

impl History {
    /// Records a move to `to`, `dwell` after the previous one; `false` (and nothing recorded)
    /// when that moment is still in the future, so the contact stays where it is.
    fn advance(
        &mut self,
        to: (i64, ContactStatus),
        reason: Option<i64>,
        note: Option<&str>,
        actor: Option<i64>,
        dwell: TimeDelta,
        now: Timestamp,
    ) -> bool {
        let at = Timestamp(self.changed_at.0 + dwell);
        if at > now {
            return false;
        }
        if let Some(stay) = self.transitions.last_mut() {
            stay.dwell_seconds = Some((at.0 - stay.occurred_at.0).num_seconds());
        }
        self.transitions.push(NewTransition {
            contact_id: ContactId(0),
            from_step_id: Some(StepId(self.step)),
            to_step_id: StepId(to.0),
            reason_code_id: reason.map(ReasonCodeId),
            note: note.map(Into::into),
            actor_id: actor.map(UserId),
            occurred_at: at,
            dwell_seconds: None,
            created_at: at,
            updated_at: at,
        });
        (self.step, self.status, self.changed_at) = (to.0, to.1, at);
        self.reason = reason.or(self.reason);
        true
    }
}

/// A random walk forward along the lifecycle, starting on its first step at `created_at`:
/// some contacts stay open somewhere on the path, some are won, some lost (with a reason),
/// and a few closed ones are reopened. Moves never lie in the future.
pub(super) fn walk_lifecycle(
    rng: &mut DemoRng,
    lifecycle: &Lifecycle,
    catalog: &Catalog,
    scope: &Scope,
    owner: Option<i64>,
    created_at: Timestamp,
    now: Timestamp,
) -> History {
    let status_of = |outcome| match outcome {
        StepOutcome::Open => ContactStatus::Open,
        StepOutcome::Won => ContactStatus::Won,
        StepOutcome::Lost => ContactStatus::Lost,
    };
    let actor = |rng: &mut DemoRng| match rng.random_range(0..10) {
        0..=6 => owner.or_else(|| scope.users.choose(rng).copied()),
        7 | 8 => scope.users.choose(rng).copied(),
        _ => None,
    };
    let (first, first_outcome) = lifecycle.first;
    let mut history = History {
        transitions: vec![NewTransition {
            contact_id: ContactId(0),
            from_step_id: None,
            to_step_id: StepId(first),
            reason_code_id: None,
            note: None,
            actor_id: actor(rng).map(UserId),
            occurred_at: created_at,
            dwell_seconds: None,
            created_at,
            updated_at: created_at,
        }],
        step: first,
        status: status_of(first_outcome),
        reason: None,
        changed_at: created_at,
    };
    let Some(start) = lifecycle.open.iter().position(|id| *id == first) else {
        return history;
    };
    let last_open = lifecycle.open.len() - 1;
    // 25 % won, 30 % lost (from any open step), the rest stays open somewhere on the path.
    let roll = rng.random_range(0..100);
    let close_to = match roll {
        0..25 => lifecycle.won.map(|id| (id, ContactStatus::Won)),
        25..55 => lifecycle.lost.map(|id| (id, ContactStatus::Lost)),
        _ => None,
    };
    let target = match close_to {
        Some((_, ContactStatus::Won)) => last_open,
        _ => rng.random_range(start..=last_open),
    };

    let mut at = start;
    while at < target {
        // Setbacks: more often than not a deal slips back a step before moving on again (a
        // proposal reworked, a negotiation restarted); about ten moves a contact in all.
        if at > start && rng.random_bool(0.6) {
            let dwell = rng.dwell(TimeDelta::hours(1), TimeDelta::weeks(2));
            let who = actor(rng);
            let back = (lifecycle.open[at - 1], ContactStatus::Open);
            let again = (lifecycle.open[at], ContactStatus::Open);
            if !history.advance(back, None, None, who, dwell, now)
                || !history.advance(again, None, None, who, dwell, now)
            {
                return history;
            }
        }
        at = (at + if rng.random_bool(0.15) { 2 } else { 1 }).min(target);
        let dwell = rng.dwell(TimeDelta::hours(1), TimeDelta::weeks(3));
        let who = actor(rng);
        let to = (lifecycle.open[at], ContactStatus::Open);
        if !history.advance(to, None, None, who, dwell, now) {
            return history;
        }
    }
    let Some(close_to) = close_to else {
        return history;
    };
    let (reason, note) = match close_to.1 {
        ContactStatus::Lost => match catalog.lost_reasons.choose(rng) {
            Some(reason) => (Some(*reason), None),
            // The closed-lost step requires a reason; without one the contact stays open.
            None => return history,
        },
        _ => {
            let reason = if rng.random_bool(0.5) {
                catalog.won_reasons.choose(rng).copied()
            } else {
                None
            };
            (reason, rng.random_bool(0.3).then_some("Contract signed"))
        }
    };
    let dwell = rng.dwell(TimeDelta::hours(2), TimeDelta::weeks(4));
    let who = actor(rng);
    if !history.advance(close_to, reason, note, who, dwell, now) {
        return history;
    }
    if rng.random_bool(0.08) {
        let back = at.saturating_sub(rng.random_range(0..3));
        let to = (lifecycle.open[back], ContactStatus::Open);
        let note = [
            "Reopened: new budget approved",
            "Reopened: decision maker changed",
            "Reopened: asked for a new proposal",
        ]
        .choose(rng);
        let dwell = rng.dwell(TimeDelta::weeks(1), TimeDelta::weeks(16));
        let who = actor(rng);
        history.advance(to, None, note.copied(), who, dwell, now);
    }
    history
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    use super::*;
    use crate::demo::fixtures::{self, now};
    use crate::demo::random::seeded;

    /// `count` histories of contacts created at random in the 540 days before [`now`].
    fn walks(seed: u64, count: usize) -> Vec<(Timestamp, History)> {
        let catalog = fixtures::catalog();
        let lifecycle = catalog
            .lifecycle
            .as_ref()
            .expect("the sample has a lifecycle");
        let mut rng = seeded(seed);
        (0..count)
            .map(|n| {
                let scope = &catalog.scopes[n % catalog.scopes.len()];
                let owner = scope.users.first().copied();
                let created_at = Timestamp(now().0 - rng.micros(TimeDelta::days(540)));
                let history = walk_lifecycle(
                    &mut rng,
                    lifecycle,
                    &catalog,
                    scope,
                    owner,
                    created_at,
                    now(),
                );
                (created_at, history)
            })
            .collect()
    }

    fn status_of(step: i64) -> ContactStatus {
        match step {
            109 => ContactStatus::Won,
            110 => ContactStatus::Lost,
            _ => ContactStatus::Open,
        }
    }

    #[test]
    fn histories_chain_from_the_first_step_and_end_where_the_contact_stands() {
        for (created_at, history) in walks(1, 5_000) {
            let t = &history.transitions;
            assert_eq!(t[0].from_step_id, None);
            assert_eq!(t[0].to_step_id, StepId(100));
            assert_eq!(t[0].occurred_at, created_at);
            for pair in t.windows(2) {
                assert_eq!(pair[1].from_step_id, Some(pair[0].to_step_id));
                assert!(pair[1].occurred_at > pair[0].occurred_at);
                // Each stay is closed by the move that ends it, as the funnel reads it.
                let stay = (pair[1].occurred_at.0 - pair[0].occurred_at.0).num_seconds();
                assert_eq!(pair[0].dwell_seconds, Some(stay));
            }
            let last = t.last().expect("every history has a first move");
            assert_eq!(last.dwell_seconds, None, "the last stay is still open");
            assert!(last.occurred_at <= now());
            assert_eq!(StepId(history.step), last.to_step_id);
            assert_eq!(history.status, status_of(last.to_step_id.0));
            assert_eq!(history.changed_at, last.occurred_at);
            for move_ in t {
                assert_eq!(move_.occurred_at.0.nanosecond() % 1_000, 0, "microseconds");
                assert_eq!(move_.created_at, move_.occurred_at);
            }
        }
    }

    #[test]
    fn lost_moves_give_a_reason_and_the_contact_keeps_the_last_one() {
        let (mut won, mut lost, mut open, mut reopened) = (0, 0, 0, 0);
        for (_, history) in walks(2, 5_000) {
            let t = &history.transitions;
            for move_ in t {
                if move_.to_step_id == StepId(110) {
                    assert!(matches!(move_.reason_code_id, Some(ReasonCodeId(31..=35))));
                }
            }
            let given = t.iter().rev().find_map(|m| m.reason_code_id);
            assert_eq!(history.reason.map(ReasonCodeId), given);
            match history.status {
                ContactStatus::Won => won += 1,
                ContactStatus::Lost => {
                    lost += 1;
                    assert!(history.reason.is_some());
                }
                ContactStatus::Open => open += 1,
            }
            if t.iter()
                .any(|m| matches!(m.from_step_id, Some(StepId(109 | 110))))
            {
                reopened += 1;
                assert_eq!(history.status, ContactStatus::Open);
            } else if history.status == ContactStatus::Open {
                assert_eq!(history.reason, None);
            }
        }
        assert!(won > 500 && lost > 500 && open > 500, "{won} {lost} {open}");
        assert!(reopened > 20, "{reopened}");
    }

    #[test]
    fn actors_are_users_of_the_scope() {
        let catalog = fixtures::catalog();
        for (n, (_, history)) in walks(3, 600).into_iter().enumerate() {
            let users = &catalog.scopes[n % catalog.scopes.len()].users;
            for move_ in &history.transitions {
                assert!(move_.actor_id.is_none_or(|id| users.contains(&id.0)));
            }
        }
    }

    #[test]
    fn a_contact_created_just_now_stays_on_the_first_step() {
        let catalog = fixtures::catalog();
        let lifecycle = catalog
            .lifecycle
            .as_ref()
            .expect("the sample has a lifecycle");
        let mut rng = seeded(4);
        for _ in 0..200 {
            let history = walk_lifecycle(
                &mut rng,
                lifecycle,
                &catalog,
                &catalog.scopes[0],
                None,
                now(),
                now(),
            );
            assert_eq!(history.transitions.len(), 1);
            assert_eq!((history.step, history.status), (100, ContactStatus::Open));
        }
    }
}
