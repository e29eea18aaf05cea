//! Pure decisions about lifecycle structure, unit-tested without a database.

/// Where a new category or step goes among `count` siblings: the requested place, clamped,
/// or the end.
pub fn insert_position(requested: Option<i32>, count: usize) -> i32 {
    let end = i32::try_from(count).unwrap_or(i32::MAX);
    requested.map_or(end, |p| p.clamp(0, end))
}

/// A reorder must name every current child exactly once; returns why not otherwise.
pub fn check_reorder<T: Eq + std::hash::Hash>(
    current: &[T],
    requested: &[T],
) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for id in requested {
        if !current.contains(id) {
            return Err("names a record that does not belong here".to_owned());
        }
        if !seen.insert(id) {
            return Err("names a record twice".to_owned());
        }
    }
    if seen.len() != current.len() {
        return Err(format!(
            "must name all {} records, in their new order",
            current.len()
        ));
    }
    Ok(())
}

use super::model::StepOutcome;
use crate::ids::{StepId, TemplateId};
use crate::settings::model::ReasonOutcome;

/// What a move of a contact to a step depends on.
#[derive(Debug, Clone, Copy)]
pub struct MoveFacts {
    pub contact_template: Option<TemplateId>,
    pub current_step: Option<StepId>,
    pub target_template: TemplateId,
    pub target_step: StepId,
    pub target_outcome: StepOutcome,
    pub requires_reason: bool,
    pub reason: Option<ReasonOutcome>,
}

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveRefusal {
    /// The step belongs to another lifecycle than the contact's.
    OtherTemplate,
    /// The contact already stands on the step.
    SameStep,
    /// The step needs a reason code and none was given.
    ReasonRequired,
    /// The reason explains another outcome than the step's (a WON reason for a lost deal).
    ReasonDoesNotFit,
}

/// Any step of the contact's lifecycle may be chosen, forward or backward, as a user clicking
/// the path would; closing steps may need a reason, and the reason must fit the outcome.
pub fn check_move(facts: &MoveFacts) -> Result<(), MoveRefusal> {
    if facts.contact_template != Some(facts.target_template) {
        return Err(MoveRefusal::OtherTemplate);
    }
    if facts.current_step == Some(facts.target_step) {
        return Err(MoveRefusal::SameStep);
    }
    match (facts.reason, facts.target_outcome) {
        (None, _) if facts.requires_reason => Err(MoveRefusal::ReasonRequired),
        (Some(ReasonOutcome::Won), StepOutcome::Lost)
        | (Some(ReasonOutcome::Lost), StepOutcome::Won) => Err(MoveRefusal::ReasonDoesNotFit),
        _ => Ok(()),
    }
}

/// Where each step of a path stands relative to the contact's current step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum StepState {
    Done,
    Current,
    Upcoming,
}

/// The state of each step of a path (steps in path order).
pub fn path_states<T: PartialEq>(steps: &[T], current: Option<T>) -> Vec<StepState> {
    let at = current.and_then(|c| steps.iter().position(|s| *s == c));
    (0..steps.len())
        .map(|i| match at {
            Some(at) if i < at => StepState::Done,
            Some(at) if i == at => StepState::Current,
            _ => StepState::Upcoming,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::contacts::ContactStatus;
    use crate::lifecycle::model::StepOutcome;

    #[test]
    fn a_step_outcome_sets_the_contact_status() {
        assert_eq!(ContactStatus::from(StepOutcome::Open), ContactStatus::Open);
        assert_eq!(ContactStatus::from(StepOutcome::Won), ContactStatus::Won);
        assert_eq!(ContactStatus::from(StepOutcome::Lost), ContactStatus::Lost);
    }

    use super::*;

    fn facts() -> MoveFacts {
        MoveFacts {
            contact_template: Some(TemplateId(1)),
            current_step: Some(StepId(3)),
            target_template: TemplateId(1),
            target_step: StepId(11),
            target_outcome: StepOutcome::Lost,
            requires_reason: true,
            reason: Some(ReasonOutcome::Lost),
        }
    }

    #[test]
    fn moves_along_the_own_lifecycle_in_any_direction() {
        assert_eq!(check_move(&facts()), Ok(()));
        let back = MoveFacts {
            target_step: StepId(1),
            target_outcome: StepOutcome::Open,
            requires_reason: false,
            reason: None,
            ..facts()
        };
        assert_eq!(check_move(&back), Ok(()));
        let other = MoveFacts {
            target_template: TemplateId(2),
            ..facts()
        };
        assert_eq!(check_move(&other), Err(MoveRefusal::OtherTemplate));
        let unassigned = MoveFacts {
            contact_template: None,
            ..facts()
        };
        assert_eq!(check_move(&unassigned), Err(MoveRefusal::OtherTemplate));
        let same = MoveFacts {
            target_step: StepId(3),
            ..facts()
        };
        assert_eq!(check_move(&same), Err(MoveRefusal::SameStep));
    }

    #[test]
    fn reasons_are_required_where_asked_and_must_fit() {
        let missing = MoveFacts {
            reason: None,
            ..facts()
        };
        assert_eq!(check_move(&missing), Err(MoveRefusal::ReasonRequired));
        let won_reason = MoveFacts {
            reason: Some(ReasonOutcome::Won),
            ..facts()
        };
        assert_eq!(check_move(&won_reason), Err(MoveRefusal::ReasonDoesNotFit));
        let other = MoveFacts {
            reason: Some(ReasonOutcome::Other),
            ..facts()
        };
        assert_eq!(check_move(&other), Ok(()));
        let won = MoveFacts {
            target_outcome: StepOutcome::Won,
            requires_reason: false,
            reason: Some(ReasonOutcome::Lost),
            ..facts()
        };
        assert_eq!(check_move(&won), Err(MoveRefusal::ReasonDoesNotFit));
        let optional = MoveFacts {
            target_outcome: StepOutcome::Won,
            requires_reason: false,
            reason: None,
            ..facts()
        };
        assert_eq!(check_move(&optional), Ok(()));
    }

    #[test]
    fn path_states_split_at_the_current_step() {
        use StepState::*;
        assert_eq!(
            path_states(&[1, 2, 3, 4], Some(3)),
            vec![Done, Done, Current, Upcoming]
        );
        assert_eq!(path_states(&[1, 2], None), vec![Upcoming, Upcoming]);
        assert_eq!(path_states(&[1, 2], Some(9)), vec![Upcoming, Upcoming]);
    }

    #[test]
    fn insert_position_clamps_or_appends() {
        assert_eq!(insert_position(None, 3), 3);
        assert_eq!(insert_position(Some(1), 3), 1);
        assert_eq!(insert_position(Some(-4), 3), 0);
        assert_eq!(insert_position(Some(99), 3), 3);
    }

    #[test]
    fn reorder_is_a_permutation() {
        assert!(check_reorder(&[1, 2, 3], &[3, 1, 2]).is_ok());
        assert!(check_reorder(&[1, 2, 3], &[3, 1]).is_err());
        assert!(check_reorder(&[1, 2, 3], &[3, 1, 1]).is_err());
        assert!(check_reorder(&[1, 2, 3], &[3, 1, 2, 4]).is_err());
        assert!(check_reorder::<i64>(&[], &[]).is_ok());
    }
}
