//! Response keys in the order the query selected them, as the GraphQL specification asks
//! ("Ordered result keys"). async-graphql resolves the fields of an object at once and keeps
//! them in the order they finish, so without this the keys of one query change order from one
//! request to the next. It also leaves out a field whose resolver failed; the specification
//! wants it present as `null` beside its error, so a selected field missing where an error
//! points is put back as `null`.

use std::cell::OnceCell;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, PathSegment, ServerError, Value};

/// Deepest fragment nesting followed (validation has already refused cycles).
const MAX_FRAGMENT_DEPTH: usize = 64;

/// Puts the keys of `data` in the order of `document`'s selections (of `operation`, when the
/// document names several), with `null` for the fields `errors` point at or under. Data the
/// query does not explain is left as it is, after the rest. An object already in order is left
/// untouched, and the selections under each field are collected once, not once per list item.
pub fn in_selection_order(
    data: &mut Value,
    document: &ExecutableDocument,
    operation: Option<&str>,
    errors: &[ServerError],
) {
    let Some(operation) = chosen(document, operation) else {
        return;
    };
    let walk = Walk {
        document,
        failed: errors
            .iter()
            .map(|e| e.path.as_slice())
            .filter(|path| !path.is_empty())
            .collect(),
    };
    let root = Shape::of(&[&operation.selection_set.node], document);
    walk.order(data, &root, &mut Vec::new());
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

/// The response keys that one or more selection sets select, in order (several sets when a
/// field is selected more than once, and fragments merge into their parent).
struct Shape<'d> {
    keys: Vec<Key<'d>>,
}

struct Key<'d> {
    name: &'d Name,
    /// The selection sets of the key's value.
    sets: Vec<&'d SelectionSet>,
    /// Their shape, collected when a value first needs it.
    shape: OnceCell<Shape<'d>>,
}

impl<'d> Shape<'d> {
    fn of(sets: &[&'d SelectionSet], document: &'d ExecutableDocument) -> Self {
        let mut keys: IndexMap<&'d Name, Vec<&'d SelectionSet>> = IndexMap::new();
        for set in sets {
            collect(set, document, &mut keys, 0);
        }
        Shape {
            keys: keys
                .into_iter()
                .map(|(name, sets)| Key {
                    name,
                    sets,
                    shape: OnceCell::new(),
                })
                .collect(),
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.keys.iter().position(|k| k.name.as_str() == key)
    }
}

struct Walk<'d> {
    document: &'d ExecutableDocument,
    /// The paths of the errors; while there are none, no path is kept.
    failed: Vec<&'d [PathSegment]>,
}

impl<'d> Walk<'d> {
    /// Orders `value` (at `path`) by the shape of the selections that produced it.
    fn order(&self, value: &mut Value, shape: &Shape<'d>, path: &mut Vec<PathSegment>) {
        match value {
            Value::List(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    self.within(
                        path,
                        || PathSegment::Index(index),
                        |path| self.order(item, shape, path),
                    );
                }
            }
            Value::Object(fields) => {
                if !self.failed.is_empty() {
                    self.put_back_failed(fields, shape, path);
                }
                // Keys the query does not explain go last, in the order they came.
                let place = |name: &Name| shape.position(name).unwrap_or(usize::MAX);
                if !fields.keys().map(place).is_sorted() {
                    fields.sort_by_cached_key(|name, _| place(name));
                }
                for (name, child) in fields.iter_mut() {
                    let Some(key) = shape.keys.get(place(name)) else {
                        continue;
                    };
                    let child_shape = key
                        .shape
                        .get_or_init(|| Shape::of(&key.sets, self.document));
                    self.within(
                        path,
                        || PathSegment::Field(name.to_string()),
                        |path| self.order(child, child_shape, path),
                    );
                }
            }
            _ => {}
        }
    }

    /// Runs `f` one step below `path`; the step is made only while errors need paths.
    fn within(
        &self,
        path: &mut Vec<PathSegment>,
        step: impl FnOnce() -> PathSegment,
        f: impl FnOnce(&mut Vec<PathSegment>),
    ) {
        if self.failed.is_empty() {
            return f(path);
        }
        path.push(step());
        f(path);
        path.pop();
    }

    /// A selected field missing where an error points at or under it comes back as `null`.
    fn put_back_failed(
        &self,
        fields: &mut IndexMap<Name, Value>,
        shape: &Shape<'d>,
        path: &mut Vec<PathSegment>,
    ) {
        for key in &shape.keys {
            if fields.contains_key(key.name) {
                continue;
            }
            path.push(PathSegment::Field(key.name.to_string()));
            if self.failed.iter().any(|failed| failed.starts_with(path)) {
                fields.insert(key.name.clone(), Value::Null);
            }
            path.pop();
        }
    }
}

/// The response keys `set` selects, in order, each with the selection sets of its value.
fn collect<'d>(
    set: &'d SelectionSet,
    document: &'d ExecutableDocument,
    keys: &mut IndexMap<&'d Name, Vec<&'d SelectionSet>>,
    depth: usize,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => keys
                .entry(&field.node.response_key().node)
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

    fn in_selection_order(
        data: &mut Value,
        query: &str,
        operation: Option<&str>,
        errors: &[ServerError],
    ) {
        let document = async_graphql::parser::parse_query(query).expect("a query");
        super::in_selection_order(data, &document, operation, errors);
    }

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
    fn a_failure_inside_a_list_item_puts_null_back_in_that_item_only() {
        let json = serde_json::json!({ "a": [{ "y": 1, "x": 2 }, { "y": 3 }] });
        let mut data = Value::from_json(json).expect("value");
        let mut error = ServerError::new("gone", None);
        error.path = vec![
            PathSegment::Field("a".into()),
            PathSegment::Index(1),
            PathSegment::Field("x".into()),
        ];
        in_selection_order(&mut data, "{ a { x y } }", None, &[error]);
        let Value::Object(fields) = &data else {
            panic!("an object")
        };
        let Value::List(items) = &fields["a"] else {
            panic!("a list")
        };
        assert!(items.iter().all(|item| keys(item) == ["x", "y"]));
        let Value::Object(second) = &items[1] else {
            panic!("an object")
        };
        assert_eq!(second["x"], Value::Null);
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
