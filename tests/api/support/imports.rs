//! Contact imports sent as real multipart requests, and waiting for them to end.

use axum::http::header;
use serde_json::{Value, json};

use super::TestApp;
use super::uploads::multipart;

pub const START: &str = "mutation($file: Upload!, $mapping: [ImportMapping!]!, $mode: ImportMode, $dryRun: Boolean, $delimiter: String) {
    startContactImport(file: $file, mapping: $mapping, mode: $mode, dryRun: $dryRun, delimiter: $delimiter) { id status totalRows } }";

pub const IMPORT: &str = "query($id: ID!) { contactImport(id: $id) {
    status dryRun totalRows processedRows created updated failed
    rows(first: 100) { row status contactId errors { path code message } } } }";

/// `[{ column, field }]` from pairs.
pub fn mapping(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(column, field)| json!({ "column": column, "field": field }))
        .collect()
}

/// Sends `startContactImport` with `csv` as the file, as `token`'s user (the local
/// administrator without one).
pub async fn start(app: &TestApp, token: Option<&str>, csv: &str, variables: Value) -> Value {
    let mut variables = variables;
    variables["file"] = Value::Null;
    let mut request = multipart(
        START,
        variables,
        &[("variables.file", "contacts.csv", csv.as_bytes())],
    );
    if let Some(token) = token {
        let bearer = format!("Bearer {token}").parse().expect("header");
        request.headers_mut().insert(header::AUTHORIZATION, bearer);
    }
    app.send(request).await.json()
}

/// The import, as `contactImport` shows it to `token`'s user.
pub async fn find(app: &TestApp, token: Option<&str>, id: &Value) -> Value {
    let variables = json!({ "id": id });
    let body = match token {
        Some(token) => app.graphql_with(token, IMPORT, variables).await.json(),
        None => app.graphql(IMPORT, variables).await.body,
    };
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["contactImport"].clone()
}

/// Starts an import and waits until it has ended.
pub async fn imported(app: &TestApp, token: Option<&str>, csv: &str, variables: Value) -> Value {
    let started = start(app, token, csv, variables).await;
    assert!(started["errors"].is_null(), "{started}");
    let id = started["data"]["startContactImport"]["id"].clone();
    for _ in 0..200 {
        let import = find(app, token, &id).await;
        if import["status"] != "RUNNING" {
            let mut import = import;
            import["id"] = id;
            return import;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not end");
}
