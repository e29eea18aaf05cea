//! Pure decisions about contact details, unit-tested without a database.

/// Which of a new list of details becomes primary: the one flagged, else the first.
/// Returns the primary's index and the indices of any further flags (at most one may be set).
pub fn choose_primary(flags: &[bool]) -> (Option<usize>, Vec<usize>) {
    let flagged: Vec<usize> = flags
        .iter()
        .enumerate()
        .filter_map(|(i, flag)| flag.then_some(i))
        .collect();
    match flagged.split_first() {
        Some((first, extra)) => (Some(*first), extra.to_vec()),
        None => (if flags.is_empty() { None } else { Some(0) }, Vec::new()),
    }
}

/// Whether a detail added to a contact that already has `existing` of its kind is primary:
/// the first one always is; later ones only when asked.
pub fn added_is_primary(existing: usize, requested: Option<bool>) -> bool {
    existing == 0 || requested == Some(true)
}

/// Which detail becomes primary when the primary goes (removed or unmarked): the oldest of
/// the others, i.e. the lowest id.
pub fn successor<T: Ord + Copy>(others: &[T]) -> Option<T> {
    others.iter().min().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_is_primary_unless_another_is_flagged() {
        assert_eq!(choose_primary(&[]), (None, vec![]));
        assert_eq!(choose_primary(&[false, false]), (Some(0), vec![]));
        assert_eq!(choose_primary(&[false, true, false]), (Some(1), vec![]));
        assert_eq!(
            choose_primary(&[true, false, true, true]),
            (Some(0), vec![2, 3])
        );
    }

    #[test]
    fn added_details_become_primary_when_first_or_asked() {
        assert!(added_is_primary(0, None));
        assert!(added_is_primary(0, Some(false)));
        assert!(!added_is_primary(2, None));
        assert!(added_is_primary(2, Some(true)));
    }

    #[test]
    fn the_oldest_other_succeeds_the_primary() {
        assert_eq!(successor(&[9, 4, 7]), Some(4));
        assert_eq!(successor::<i64>(&[]), None);
    }
}
