//! The trash: `deleteContact` hides a contact from every read until `restoreContact`;
//! `purgeContact` and the retention delete it for good.

use std::time::Duration;

use serde_json::{Value, json};

use crate::api_test;
use axum::body::Body;
use axum::http::Request;

use crate::support::{ContactBuilder, TestApp, TestResponse};

use crate::support::uploads::PDF;

async fn get(app: &TestApp, url: &str) -> TestResponse {
    let request = Request::get(url).body(Body::empty()).expect("request");
    app.send(request).await
}

/// What every read path says about the contacts, as one value to compare before and after.
async fn reads(app: &TestApp, id: &str, template: &str) -> Value {
    let data = app
        .data(
            "query($id: ID!, $t: ID!) {
                contact(id: $id) { name }
                node(id: $id) { id }
                nodes(ids: [$id]) { id }
                contacts { totalCount nodes { name } }
                found: contacts(filter: { search: \"ada@trash.test\" }) { totalCount }
                contactCounts { total open }
                contactStats(groupBy: [STATUS]) { count }
                lifecycleFunnel(templateId: $t) { reached current }
            }",
            json!({ "id": id, "t": template }),
        )
        .await;
    let exported = app
        .data(
            "{ exportContacts(columns: [NAME]) { downloadUrl } }",
            json!({}),
        )
        .await;
    let url = exported["exportContacts"]["downloadUrl"]
        .as_str()
        .expect("url");
    let file = get(app, url).await;
    let mut all = data;
    all["export"] = json!(String::from_utf8_lossy(&file.bytes).lines().count());
    all
}

fn trash_query() -> &'static str {
    "{ contacts(filter: { deleted: true }) { totalCount nodes { id name deletedAt } } }"
}

api_test!(
    async fn a_deleted_contact_is_left_out_of_every_read_until_restored(app) {
        let template = app.standard_template_id().await;
        let ada = ContactBuilder::new("Ada")
            .email("ada@trash.test")
            .phone("+351912345678")
            .create_id(&app)
            .await;
        ContactBuilder::new("Bo").create_id(&app).await;
        let document = app.uploaded(&ada, "a.pdf", PDF).await;
        let before = reads(&app, &ada, &template).await;
        assert_eq!(before["contacts"]["totalCount"], 2);
        assert_eq!(before["found"]["totalCount"], 1);
        assert_eq!(before["export"], 3, "a header and two contacts");

        let deleted = app
            .data("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": ada }))
            .await;
        assert_eq!(deleted["deleteContact"], ada);

        let hidden = reads(&app, &ada, &template).await;
        assert_eq!(hidden["contact"], Value::Null);
        assert_eq!(hidden["node"], Value::Null);
        assert_eq!(hidden["nodes"], json!([null]));
        assert_eq!(hidden["contacts"], json!({ "totalCount": 1, "nodes": [{ "name": "Bo" }] }));
        assert_eq!(hidden["found"]["totalCount"], 0, "search leaves the trash out");
        assert_eq!(hidden["contactCounts"]["total"], 1);
        assert_eq!(hidden["contactStats"], json!([{ "count": 1 }]));
        let reached: i64 = hidden["lifecycleFunnel"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| s["reached"].as_i64().expect("reached"))
            .max()
            .expect("a step");
        assert_eq!(reached, 1, "the funnel counts the live contact only");
        assert_eq!(hidden["export"], 2, "a header and the live contact");
        let download = get(&app, document["downloadUrl"].as_str().expect("url")).await;
        assert_eq!(download.status, axum::http::StatusCode::NOT_FOUND);

        // Changes to a trashed contact are refused as for a missing one.
        for (query, vars) in [
            ("mutation($id: ID!) { updateContact(id: $id, input: { name: \"X\" }) { id } }", json!({ "id": ada })),
            ("mutation($id: ID!) { addContactEmail(contactId: $id, input: { email: \"x@y.io\" }) { id } }", json!({ "id": ada })),
            ("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": ada })),
        ] {
            assert_eq!(app.graphql(query, vars).await.code(), "NOT_FOUND", "{query}");
        }

        let trash = app.data(trash_query(), json!({})).await;
        assert_eq!(trash["contacts"]["totalCount"], 1);
        assert_eq!(trash["contacts"]["nodes"][0]["id"], ada);
        assert_eq!(trash["contacts"]["nodes"][0]["name"], "Ada");
        assert!(trash["contacts"]["nodes"][0]["deletedAt"].is_string());

        let restored = app
            .data(
                "mutation($id: ID!) { restoreContact(id: $id) { name deletedAt primaryEmail { email }
                    phones { number } documents { fileName } stageHistory { edges { node { toStep { name } } } } } }",
                json!({ "id": ada }),
            )
            .await;
        assert_eq!(
            restored["restoreContact"],
            json!({
                "name": "Ada",
                "deletedAt": null,
                "primaryEmail": { "email": "ada@trash.test" },
                "phones": [{ "number": "+351912345678" }],
                "documents": [{ "fileName": "a.pdf" }],
                "stageHistory": { "edges": [{ "node": { "toStep": { "name": "New Lead" } } }] },
            })
        );
        assert_eq!(reads(&app, &ada, &template).await, before, "everything reads as before");
        assert_eq!(app.data(trash_query(), json!({})).await["contacts"]["totalCount"], 0);
        let again = app
            .graphql("mutation($id: ID!) { restoreContact(id: $id) { id } }", json!({ "id": ada }))
            .await;
        assert_eq!(again.code(), "NOT_FOUND", "a live contact is not in the trash");
    }
);

api_test!(
    async fn purging_needs_the_trash_and_a_manager_and_takes_everything(app) {
        let ada = ContactBuilder::new("Ada").email("a@x.io").create_id(&app).await;
        app.uploaded(&ada, "a.pdf", PDF).await;
        let purge = "mutation($id: ID!) { purgeContact(id: $id) }";
        let live = app.graphql(purge, json!({ "id": ada })).await;
        assert_eq!(live.code(), "CONFLICT", "a live contact goes to the trash first");
        assert_eq!(app.count("contact_records").await, 1);

        app.data("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": ada })).await;
        let user = app.create_user("Sam", "sam@x.io", None).await;
        let user_id: i64 = user.trim_start_matches("User:").parse().expect("user id");
        let sales = rapport::viewer::Viewer::user(
            rapport::ids::UserId(user_id),
            rapport::viewer::Role::Sales,
            rapport::viewer::CompanyScope::All,
        );
        let refused = app.graphql_as(sales, purge, json!({ "id": ada })).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(app.count("contact_records").await, 1);

        let purged = app.data(purge, json!({ "id": ada })).await;
        assert_eq!(purged["purgeContact"], ada);
        for table in ["contact_records", "contact_emails", "contact_documents", "stage_transitions"] {
            assert_eq!(app.count(table).await, 0, "{table}");
        }
        assert!(app.stored_files().is_empty(), "the document's bytes went with it");
        let restore = app
            .graphql("mutation($id: ID!) { restoreContact(id: $id) { id } }", json!({ "id": ada }))
            .await;
        assert_eq!(restore.code(), "NOT_FOUND");
    }
);

api_test!(
    async fn the_retention_purges_contacts_deleted_longer_ago(app) {
        let old = ContactBuilder::new("Old").create_id(&app).await;
        let recent = ContactBuilder::new("Recent").create_id(&app).await;
        app.uploaded(&old, "old.pdf", PDF).await;
        for id in [&old, &recent] {
            app.data("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": id })).await;
        }
        let old_id: i64 = old.trim_start_matches("Contact:").parse().expect("id");
        app.exec_sql(&format!(
            "UPDATE contact_records SET deleted_at = '2020-01-01 00:00:00' WHERE id = {old_id}"
        ))
        .await;
        let month = Duration::from_secs(30 * 24 * 60 * 60);
        let purged = rapport::contacts::trash::purge_expired(&app.db, &app.documents, month)
            .await
            .expect("purged");
        assert_eq!(purged, 1);
        assert!(app.stored_files().is_empty());
        let trash = app.data(trash_query(), json!({})).await;
        assert_eq!(trash["contacts"]["nodes"], json!([{ "id": recent, "name": "Recent", "deletedAt": trash["contacts"]["nodes"][0]["deletedAt"] }]));
        let restored = app
            .data("mutation($id: ID!) { restoreContact(id: $id) { name } }", json!({ "id": recent }))
            .await;
        assert_eq!(restored["restoreContact"]["name"], "Recent");
    }
);
