//! The changed fields of an entry, from the row before and after as the triggers stored it
//! (JSON objects keyed by column).

use serde_json::{Map, Value};

/// One field of a change: its name in the API's case, and its value before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDiff {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// Columns that say nothing a change is about (the row's own id, where bytes are kept).
const SKIPPED: &[&str] = &["id", "storage_key"];

/// The fields whose value differs between `before` and `after` (a missing side counts as all
/// null: a creation lists what was set, a deletion what was there), by field name.
pub fn diff(before: Option<&str>, after: Option<&str>) -> Vec<FieldDiff> {
    let before = object(before);
    let after = object(after);
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| !SKIPPED.contains(&key.as_str()))
        .filter_map(|key| {
            let old = normalised(key, before.get(key));
            let new = normalised(key, after.get(key));
            (old != new).then(|| FieldDiff {
                field: camel_case(key),
                before: old,
                after: new,
            })
        })
        .collect()
}

fn object(json: Option<&str>) -> Map<String, Value> {
    match json.map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(map))) => map,
        _ => Map::new(),
    }
}

/// Timestamps as RFC 3339 UTC with milliseconds, whichever backend wrote them (PostgreSQL's
/// JSON has microseconds and no zone, SQLite's milliseconds).
fn normalised(key: &str, value: Option<&Value>) -> Value {
    let value = value.cloned().unwrap_or(Value::Null);
    if !key.ends_with("_at") {
        return value;
    }
    let Value::String(text) = &value else {
        return value;
    };
    match chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        Ok(at) => Value::String(
            at.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
        Err(_) => value,
    }
}

/// `full_name` → `fullName`.
fn camel_case(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut upper = false;
    for ch in column.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_update_lists_only_the_fields_that_differ() {
        let changes = diff(
            Some(r#"{"id": 4, "name": "Ada", "full_name": null, "scoring": 1.5}"#),
            Some(r#"{"id": 4, "name": "Ada L.", "full_name": "Ada Lovelace", "scoring": 1.5}"#),
        );
        assert_eq!(
            changes,
            vec![
                FieldDiff {
                    field: "fullName".into(),
                    before: Value::Null,
                    after: json!("Ada Lovelace"),
                },
                FieldDiff {
                    field: "name".into(),
                    before: json!("Ada"),
                    after: json!("Ada L."),
                },
            ]
        );
    }

    #[test]
    fn a_creation_lists_what_was_set_and_a_deletion_what_was_there() {
        let row = r#"{"id": 1, "email": "a@x.io", "type_id": null, "is_primary": true}"#;
        let created: Vec<String> = diff(None, Some(row)).into_iter().map(|c| c.field).collect();
        assert_eq!(created, ["email", "isPrimary"]);
        let deleted = diff(Some(row), None);
        assert_eq!(deleted.len(), 2);
        assert!(deleted.iter().all(|c| c.after == Value::Null));
    }

    #[test]
    fn timestamps_of_either_backend_read_alike() {
        let postgres = diff(
            None,
            Some(r#"{"deleted_at": "2026-12-07T10:00:00.123456"}"#),
        );
        let sqlite = diff(None, Some(r#"{"deleted_at": "2026-12-07T10:00:00.123"}"#));
        assert_eq!(postgres, sqlite);
        assert_eq!(postgres[0].after, json!("2026-12-07T10:00:00.123Z"));
        assert_eq!(postgres[0].field, "deletedAt");
    }
}
