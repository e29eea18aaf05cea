//! Response keys in the order the query selected them, as the GraphQL specification asks
//! ("Ordered result keys"). async-graphql resolves the fields of an object at once and keeps
//! them in the order they finish, so without this the keys of one query change order from one
//! request to the next. It also leaves out a field whose resolver failed; the specification
//! wants it present as `null` beside its error, so a selected field missing where an error
//! points is put back as `null`.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, PathSegment, ServerError, Value};

/// Deepest fragment nesting followed (validation has already refused cycles).
const MAX_FRAGMENT_DEPTH: usize = 64;

/// Puts the keys of `data` in the order of `query`'s selections (of `operation`, when the
/// document names several), with `null` for the fields `errors` point at or under. Data the
/// query does not explain is left as it is.
pub fn in_selection_order(
    data: &mut Value,
    query: &str,
    operation: Option<&str>,
    errors: &[ServerError],
) {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return;
    };
    let Some(operation) = chosen(&document, operation) else {
        return;
    };
    let failed: Vec<Vec<String>> = errors
        .iter()
        .filter(|e| !e.path.is_empty())
        .map(|e| e.path.iter().map(segment).collect())
        .collect();
    let walk = Walk {
        document: &document,
        failed: &failed,
    };
    walk.order(data, &[&operation.selection_set.node], &mut Vec::new());
}

fn segment(segment: &PathSegment) -> String {
    match segment {
        PathSegment::Field(name) => name.clone(),
        PathSegment::Index(index) => index.to_string(),
    }
}

struct Walk<'d> {
    document: &'d ExecutableDocument,
    /// The paths of the errors, as strings.
    failed: &'d [Vec<String>],
}

fn chosen<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match &document.operations {
        DocumentOperations::Single(operation) => Some(&operation.node),
        DocumentOperations::Multiple(operations) => match name {
            Some(name) => operations.get(name).map(|op| &op.node),
            None if operations.len() == 1 => operations.values().next().map(|op| &op.node),
            None => None,
        },
    }
}

impl<'d> Walk<'d> {
    /// Orders `value` (at `path`) by the selection sets that produced it (several when a field
    /// is selected more than once, and fragments merge into their parent).
    fn order(&self, value: &mut Value, sets: &[&'d SelectionSet], path: &mut Vec<String>) {
        match value {
            Value::List(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    path.push(index.to_string());
                    self.order(item, sets, path);
                    path.pop();
                }
            }
            Value::Object(fields) => {
                let mut keys: IndexMap<Name, Vec<&SelectionSet>> = IndexMap::new();
                for set in sets {
                    collect(set, self.document, &mut keys, 0);
                }
                let mut ordered = IndexMap::with_capacity(fields.len());
                for (key, child_sets) in keys {
                    path.push(key.to_string());
                    if let Some(mut child) = fields.shift_remove(&key) {
                        self.order(&mut child, &child_sets, path);
                        ordered.insert(key, child);
                    } else if self.failed.iter().any(|failed| failed.starts_with(path)) {
                        ordered.insert(key, Value::Null);
                    }
                    path.pop();
                }
                ordered.extend(fields.drain(..));
                *fields = ordered;
            }
            _ => {}
        }
    }
}

/// The response keys `set` selects, in order, each with the selection sets of its value.
fn collect<'d>(
    set: &'d SelectionSet,
    document: &'d ExecutableDocument,
    keys: &mut IndexMap<Name, Vec<&'d SelectionSet>>,
    depth: usize,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => keys
                .entry(field.node.response_key().node.clone())
                .or_default()
                .push(&field.node.selection_set.node),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(&fragment.node.selection_set.node, document, keys, depth + 1);
                }
            }
            Selection::InlineFragment(inline) => {
                collect(&inline.node.selection_set.node, document, keys, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: &Value) -> Vec<String> {
        match value {
            Value::Object(fields) => fields.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn keys_follow_the_selections_through_aliases_lists_and_fragments() {
        let json = serde_json::json!({
            "b": { "y": 1, "x": 2 },
            "a": [{ "n": 1, "m": 2 }, { "m": 3, "n": 4 }],
            "extra": true
        });
        let mut data = Value::from_json(json).expect("value");
        in_selection_order(
            &mut data,
            "query Q { a: list { m ...F } b { ... on T { x } y } } fragment F on Item { n }",
            None,
            &[],
        );
        assert_eq!(keys(&data), ["a", "b", "extra"]);
        let Value::Object(fields) = &data else {
            panic!("an object")
        };
        assert_eq!(keys(&fields["b"]), ["x", "y"]);
        let Value::List(items) = &fields["a"] else {
            panic!("a list")
        };
        assert!(items.iter().all(|item| keys(item) == ["m", "n"]));
    }

    #[test]
    fn a_field_that_failed_is_null_beside_its_error_and_a_skipped_one_stays_out() {
        let mut data = Value::from_json(serde_json::json!({ "c": 1 })).expect("value");
        let mut error = ServerError::new("gone", None);
        error.path = vec![PathSegment::Field("b".into())];
        in_selection_order(&mut data, "{ a @skip(if: true) b c }", None, &[error]);
        assert_eq!(keys(&data), ["b", "c"]);
        let Value::Object(fields) = &data else {
            panic!("an object")
        };
        assert_eq!(fields["b"], Value::Null);
    }

    #[test]
    fn the_named_operation_is_the_one_that_orders() {
        let mut data = Value::from_json(serde_json::json!({ "b": 1, "a": 2 })).expect("value");
        in_selection_order(
            &mut data,
            "query One { b a } query Two { a b }",
            Some("Two"),
            &[],
        );
        assert_eq!(keys(&data), ["a", "b"]);
        in_selection_order(
            &mut data,
            "query One { b a } query Two { a b }",
            Some("One"),
            &[],
        );
        assert_eq!(keys(&data), ["b", "a"]);
    }
}
