//! How alike two contacts are: the reasons they match and the score those give.

use std::collections::BTreeMap;

use crate::ids::ContactId;
use crate::text_enum;

text_enum!(
    /// Why two contacts look like one person.
    DuplicateReason {
        SameEmail = "SAME_EMAIL",
        SamePhone = "SAME_PHONE",
        SameIban = "SAME_IBAN",
        SimilarName = "SIMILAR_NAME",
    }
);

impl DuplicateReason {
    /// How sure the reason alone makes us that the two are one person.
    fn weight(self) -> f64 {
        match self {
            Self::SameIban => 0.9,
            Self::SameEmail => 0.8,
            Self::SamePhone => 0.7,
            Self::SimilarName => 0.6,
        }
    }
}

/// One thing two contacts share; `strength` is 1 for equal values and the names' similarity
/// (0 to 1) for similar names.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub left: ContactId,
    pub right: ContactId,
    pub reason: DuplicateReason,
    pub value: String,
    pub strength: f64,
}

/// A candidate pair with what it shares and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The lower id, or the contact asked about.
    pub contact: ContactId,
    pub duplicate: ContactId,
    pub score: f64,
    pub matches: Vec<(DuplicateReason, String)>,
}

/// Groups matches into pairs (`first` stays first; other pairs take the lower id first), scores
/// each (independent reasons combine: 1 − Π(1 − weight × strength), the strongest match of a
/// reason counting once), best first.
pub fn candidates(matches: Vec<Match>, first: Option<ContactId>) -> Vec<Candidate> {
    let mut pairs: BTreeMap<(ContactId, ContactId), Vec<Match>> = BTreeMap::new();
    for m in matches {
        if m.left == m.right {
            continue;
        }
        let key = match first {
            Some(first) if m.right == first => (m.right, m.left),
            Some(first) if m.left == first => (m.left, m.right),
            _ => (m.left.min(m.right), m.left.max(m.right)),
        };
        pairs.entry(key).or_default().push(m);
    }
    let mut out: Vec<Candidate> = pairs
        .into_iter()
        .map(|((contact, duplicate), mut found)| {
            found.sort_by(|a, b| {
                a.reason
                    .as_str()
                    .cmp(b.reason.as_str())
                    .then(b.strength.total_cmp(&a.strength))
                    .then(a.value.cmp(&b.value))
            });
            found.dedup_by(|a, b| a.reason == b.reason && a.value == b.value);
            let mut strongest: BTreeMap<&str, f64> = BTreeMap::new();
            for m in &found {
                let slot = strongest.entry(m.reason.as_str()).or_insert(0.0);
                *slot = slot.max(m.reason.weight() * m.strength.clamp(0.0, 1.0));
            }
            let missing: f64 = strongest.values().map(|w| 1.0 - w).product();
            Candidate {
                contact,
                duplicate,
                score: ((1.0 - missing) * 1000.0).round() / 1000.0,
                matches: found.into_iter().map(|m| (m.reason, m.value)).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then((a.contact, a.duplicate).cmp(&(b.contact, b.duplicate)))
    });
    out
}

/// The characters a name's normalised form leaves out (besides case): the comparison SQL
/// strips the same ones (`store::NORMALISED_NAME`).
pub const IGNORED_IN_NAMES: &[char] = &[' ', '.', ',', '-', '\''];

/// A name in the form similar names share without pg_trgm: lower case, without spaces and
/// punctuation.
pub fn normalised_name(name: &str) -> String {
    name.chars()
        .filter(|c| !IGNORED_IN_NAMES.contains(c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(left: i64, right: i64, reason: DuplicateReason, value: &str, strength: f64) -> Match {
        Match {
            left: ContactId(left),
            right: ContactId(right),
            reason,
            value: value.into(),
            strength,
        }
    }

    #[test]
    fn reasons_of_a_pair_combine_and_the_best_pairs_come_first() {
        let found = candidates(
            vec![
                m(2, 1, DuplicateReason::SameEmail, "a@x.io", 1.0),
                m(1, 2, DuplicateReason::SameEmail, "a@x.io", 1.0),
                m(1, 2, DuplicateReason::SimilarName, "Ada", 0.5),
                m(3, 4, DuplicateReason::SameIban, "PT50", 1.0),
            ],
            None,
        );
        assert_eq!(found.len(), 2);
        // 1 − (1 − 0.8)(1 − 0.3) = 0.86; the IBAN alone 0.9.
        assert_eq!(
            (found[0].contact, found[0].duplicate, found[0].score),
            (ContactId(3), ContactId(4), 0.9)
        );
        assert_eq!(
            (found[1].contact, found[1].duplicate, found[1].score),
            (ContactId(1), ContactId(2), 0.86)
        );
        assert_eq!(found[1].matches.len(), 2, "the same email counts once");
    }

    #[test]
    fn the_contact_asked_about_stays_first_in_its_pairs() {
        let found = candidates(
            vec![m(1, 7, DuplicateReason::SamePhone, "+1", 1.0)],
            Some(ContactId(7)),
        );
        assert_eq!(
            (found[0].contact, found[0].duplicate),
            (ContactId(7), ContactId(1))
        );
    }

    #[test]
    fn names_normalise_case_spaces_and_punctuation() {
        assert_eq!(normalised_name("Ada  Love-Lace."), "adalovelace");
        assert_eq!(
            normalised_name("O'Brien, Ann"),
            normalised_name("obrien ann")
        );
    }
}
