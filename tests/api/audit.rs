//! The audit trail: every change, with its actor and the fields before and after, in the same
//! transaction as the change; `Contact.changes` and `auditLog`.

use rapport::auth::Authenticator;
use serde_json::{Value, json};

use crate::api_test;
use crate::support::uploads::PDF;
use crate::support::{ContactBuilder, TestApp};

const CHANGES: &str = "query($id: ID!, $first: Int, $after: String) { contact(id: $id) {
    changes(first: $first, after: $after) {
        edges { cursor node { entityType entityId action actor { email } occurredAt
            changes { field before after } } }
        pageInfo { hasNextPage endCursor } } } }";

/// An app whose requests need a token, and a token of a tenant-wide administrator.
async fn signed_in(app: TestApp) -> (TestApp, String) {
    let app = app.with_access(rapport::http::Access {
        auth: Authenticator::required(None),
        ..crate::support::test_access()
    });
    let token = app.cli_token("auditor@tenant.test").await;
    (app, token)
}

async fn data(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql_with(token, query, variables).await.json();
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"].clone()
}

/// `(entityType, action, {field: [before, after]})` of a contact's changes, oldest first.
async fn trail(app: &TestApp, token: &str, contact: &str) -> Vec<(String, String, Value)> {
    let data = data(app, token, CHANGES, json!({ "id": contact, "first": 200 })).await;
    let mut entries: Vec<(String, String, Value)> = data["contact"]["changes"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            assert_eq!(node["actor"]["email"], "auditor@tenant.test", "{node}");
            let fields: serde_json::Map<String, Value> = node["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .map(|c| {
                    (
                        c["field"].as_str().expect("field").to_owned(),
                        json!([c["before"], c["after"]]),
                    )
                })
                .collect();
            (
                node["entityType"].as_str().expect("type").to_owned(),
                node["action"].as_str().expect("action").to_owned(),
                Value::Object(fields),
            )
        })
        .collect();
    entries.reverse();
    entries
}

fn kinds(entries: &[(String, String, Value)]) -> Vec<(&str, &str)> {
    entries
        .iter()
        .map(|(t, a, _)| (t.as_str(), a.as_str()))
        .collect()
}

api_test!(
    async fn each_kind_of_change_is_recorded_with_its_actor_and_values(app) {
        let account = app.create_account("Acme", None).await;
        let step = app.step_id("Contacted").await;
        let (app, token) = signed_in(app).await;
        let created = data(
            &app,
            &token,
            "mutation { createContact(input: { name: \"Ada\", emails: [{ email: \"ada@x.io\" }] }) { id emails { id } } }",
            json!({}),
        )
        .await;
        let ada = created["createContact"]["id"].as_str().expect("id").to_owned();
        let email = created["createContact"]["emails"][0]["id"].clone();
        let entries = trail(&app, &token, &ada).await;
        assert_eq!(
            kinds(&entries),
            [("Contact", "CREATE"), ("ContactEmail", "CREATE"), ("StageTransition", "CREATE")]
        );
        assert_eq!(entries[0].2["name"], json!([null, "Ada"]));
        assert_eq!(entries[1].2["email"], json!([null, "ada@x.io"]));
        assert_eq!(entries[1].2["isPrimary"], json!([null, true]));
        assert!(entries[0].2.get("version").is_none(), "bookkeeping is left out");

        for (query, variables) in [
            ("mutation($id: ID!) { updateContact(id: $id, input: { name: \"Ada L.\", fullName: \"Ada Lovelace\" }) { id } }", json!({ "id": ada })),
            ("mutation($id: ID!) { updateContactEmail(id: $id, input: { email: \"ada@lovelace.io\" }) { id } }", json!({ "id": email })),
            ("mutation($id: ID!) { addContactPhone(contactId: $id, input: { number: \"+351912345678\" }) { id } }", json!({ "id": ada })),
            ("mutation($id: ID!, $a: ID!) { setContactAccounts(contactId: $id, accountIds: [$a]) { id } }", json!({ "id": ada, "a": account })),
            ("mutation($id: ID!, $s: ID!) { moveContactToStep(input: { contactId: $id, stepId: $s }) { id } }", json!({ "id": ada, "s": step })),
        ] {
            data(&app, &token, query, variables).await;
        }
        let phone = data(&app, &token, "query($id: ID!) { contact(id: $id) { phones { id } } }", json!({ "id": ada }))
            .await["contact"]["phones"][0]["id"]
            .clone();
        data(&app, &token, "mutation($id: ID!) { removeContactPhone(id: $id) }", json!({ "id": phone })).await;
        let upload = app.uploaded_with(&token, &ada, "offer.pdf", PDF).await;
        data(&app, &token, "mutation($id: ID!) { deleteContactDocument(id: $id) }", json!({ "id": upload["id"] })).await;
        data(&app, &token, "mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": ada })).await;
        data(&app, &token, "mutation($id: ID!) { restoreContact(id: $id) { id } }", json!({ "id": ada })).await;

        let entries = trail(&app, &token, &ada).await;
        assert_eq!(
            kinds(&entries[3..]),
            [
                ("Contact", "UPDATE"),
                ("ContactEmail", "UPDATE"),
                ("ContactPhone", "CREATE"),
                ("ContactAccount", "CREATE"),
                ("Contact", "UPDATE"),
                ("StageTransition", "CREATE"),
                ("ContactPhone", "DELETE"),
                ("Document", "CREATE"),
                ("Document", "DELETE"),
                ("Contact", "DELETE"),
                ("Contact", "RESTORE"),
            ]
        );
        let fields = |i: usize| &entries[3 + i].2;
        assert_eq!(fields(0)["name"], json!(["Ada", "Ada L."]));
        assert_eq!(fields(0)["fullName"], json!([null, "Ada Lovelace"]));
        assert_eq!(fields(0).as_object().expect("fields").len(), 2, "only what changed");
        assert_eq!(fields(1)["email"], json!(["ada@x.io", "ada@lovelace.io"]));
        assert_eq!(fields(2)["number"], json!([null, "+351912345678"]));
        let step_number: i64 = step.trim_start_matches("LifecycleStep:").parse().expect("id");
        assert_eq!(fields(4)["currentStepId"][1], step_number);
        assert_eq!(fields(5)["toStepId"][1], step_number);
        assert_eq!(fields(6)["number"], json!(["+351912345678", null]));
        assert_eq!(fields(7)["fileName"], json!([null, "offer.pdf"]));
        assert!(fields(7).get("storageKey").is_none());
        assert!(fields(9)["deletedAt"][1].is_string());
        assert_eq!(fields(10)["deletedAt"][1], Value::Null);

        // Configuration records, through the log.
        let reason = data(
            &app,
            &token,
            "mutation { createReasonCode(input: { code: \"Budget cut\", outcome: LOST }) { id } }",
            json!({}),
        )
        .await["createReasonCode"]["id"]
            .clone();
        data(&app, &token, "mutation($id: ID!) { updateReasonCode(id: $id, input: { description: \"No money\" }) { id } }", json!({ "id": reason })).await;
        data(&app, &token, "mutation($id: ID!) { deleteReasonCode(id: $id) }", json!({ "id": reason })).await;
        let log = data(
            &app,
            &token,
            "{ auditLog(filter: { entityTypes: [\"ReasonCode\"] }) { edges { node { entityId action changes { field before after } } } } }",
            json!({}),
        )
        .await;
        let edges = log["auditLog"]["edges"].as_array().expect("edges");
        let actions: Vec<&str> = edges.iter().map(|e| e["node"]["action"].as_str().expect("action")).collect();
        assert_eq!(actions, ["DELETE", "UPDATE", "CREATE"]);
        assert!(edges.iter().all(|e| e["node"]["entityId"] == reason));
        assert_eq!(
            edges[1]["node"]["changes"],
            json!([{ "field": "description", "before": null, "after": "No money" }])
        );
    }
);

api_test!(
    async fn a_failed_mutation_leaves_no_entry(app) {
        let arch = app.create_company("Archway", "ARCH").await;
        let other = app.create_company("Beacon", "BEAC").await;
        let account = app.create_account("Arch account", Some(&arch)).await;
        let ada = ContactBuilder::new("Ada").company(&arch).create_id(&app).await;
        let lost = app.step_id("Closed – Lost").await;
        let (app, token) = signed_in(app).await;
        data(&app, &token, "mutation($id: ID!, $a: ID!) { setContactAccounts(contactId: $id, accountIds: [$a]) { id } }", json!({ "id": ada, "a": account })).await;
        let before = app.count("audit_entries").await;
        for (query, variables, code) in [
            // Written, then refused: the contact keeps an account of its old company.
            ("mutation($id: ID!, $c: ID) { updateContact(id: $id, input: { name: \"Moved\", companyId: $c }) { id } }", json!({ "id": ada, "c": other }), "BAD_USER_INPUT"),
            ("mutation($id: ID!) { updateContact(id: $id, input: { name: \"Stale\" }, expectedVersion: 1) { id } }", json!({ "id": ada }), "VERSION_CONFLICT"),
            ("mutation { createContact(input: { name: \"Bad\", emails: [{ email: \"not an email\" }] }) { id } }", json!({}), "BAD_USER_INPUT"),
            ("mutation($id: ID!, $s: ID!) { moveContactToStep(input: { contactId: $id, stepId: $s }) { id } }", json!({ "id": ada, "s": lost }), "REASON_REQUIRED"),
        ] {
            let response = app.graphql_with(&token, query, variables).await.json();
            assert_eq!(response["errors"][0]["extensions"]["code"], code, "{query}: {response}");
        }
        assert_eq!(app.count("audit_entries").await, before, "nothing was recorded");
    }
);

api_test!(
    async fn the_log_filters_pages_and_is_for_administrators(app) {
        let (app, token) = signed_in(app).await;
        for name in ["One", "Two", "Three"] {
            data(&app, &token, "mutation($n: String!) { createSegmentation(input: { name: $n }) { id } }", json!({ "n": name })).await;
        }
        let page = "query($after: String) { auditLog(filter: { entityTypes: [\"Segmentation\"] }, first: 2, after: $after) {
            edges { node { changes { field after } } } pageInfo { hasNextPage endCursor } } }";
        let first = data(&app, &token, page, json!({})).await;
        let names = |page: &Value| -> Vec<String> {
            page["auditLog"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["changes"][0]["after"].as_str().expect("name").to_owned())
                .collect()
        };
        assert_eq!(names(&first), ["Three", "Two"]);
        assert_eq!(first["auditLog"]["pageInfo"]["hasNextPage"], true);
        let cursor = first["auditLog"]["pageInfo"]["endCursor"].clone();
        let second = data(&app, &token, page, json!({ "after": cursor })).await;
        assert_eq!(names(&second), ["One"]);
        assert_eq!(second["auditLog"]["pageInfo"]["hasNextPage"], false);

        let me = data(&app, &token, "{ users { id email } }", json!({})).await["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["email"] == "auditor@tenant.test")
            .expect("the administrator")["id"]
            .clone();
        let mine = data(&app, &token, "query($me: ID!) { auditLog(filter: { actorIds: [$me], from: \"2000-01-01T00:00:00Z\", to: \"2100-01-01T00:00:00Z\" }, first: 200) { edges { node { entityType } } } }", json!({ "me": me })).await;
        assert_eq!(mine["auditLog"]["edges"].as_array().expect("edges").len(), 3);
        let none = data(&app, &token, "{ auditLog(filter: { to: \"2000-01-01T00:00:00Z\" }) { edges { node { id } } } }", json!({})).await;
        assert_eq!(none["auditLog"]["edges"], json!([]));

        let bad = app
            .graphql_with(&token, "{ auditLog(filter: { entityTypes: [\"Contact\", \"Nope\"], actorIds: [\"Contact:1\"] }, first: 500, after: \"x\") { edges { cursor } } }", json!({}))
            .await
            .json();
        let mut paths: Vec<&str> = bad["errors"][0]["extensions"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["path"].as_str().expect("path"))
            .collect();
        paths.sort();
        assert_eq!(paths, ["after", "filter.actorIds[0]", "filter.entityTypes[1]", "first"]);

        data(&app, &token, "mutation { createUser(input: { name: \"S\", email: \"sales@tenant.test\", role: SALES }) { id } }", json!({})).await;
        let sales = app.cli_token("sales@tenant.test").await;
        let refused = app.graphql_with(&sales, "{ auditLog { edges { cursor } } }", json!({})).await.json();
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
);
