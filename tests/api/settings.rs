//! Configuration CRUD through HTTP: companies, users, segmentations, reason codes, detail types
//! and accounts, with every error case of the contract.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::{fields, snapshot_settings};

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|item| item["name"].as_str().expect("name"))
        .collect()
}

api_test!(
    async fn a_fresh_database_has_the_reference_configuration(app) {
        let reference = app
            .data(
                "{ segmentations { id name company { id } }
                   reasonCodes(includeArchived: true) { id code description outcome archived company { id } }
                   detailTypes { id kind name company { id } } }",
                json!({}),
            )
            .await;
        snapshot_settings().bind(|| insta::assert_json_snapshot!("reference_configuration", reference));
    }
);

api_test!(
    async fn company_crud(app) {
        let id = app.create_company("  Architecture Company ", "ARCH").await;
        assert!(id.starts_with("Company:"));

        let updated = app
            .data(
                "mutation($id: ID!) { updateCompany(id: $id, input: { name: \"Arch Co\" }) { id name code createdAt updatedAt } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(updated["updateCompany"]["name"], "Arch Co");
        assert_eq!(updated["updateCompany"]["code"], "ARCH", "absent fields keep their value");
        let created_at = updated["updateCompany"]["createdAt"].as_str().expect("createdAt");
        assert!(created_at.ends_with('Z'), "RFC 3339 UTC: {created_at}");

        let list = app.data("{ companies { id name } }", json!({})).await;
        assert_eq!(names(&list["companies"]), vec!["Arch Co"]);

        let deleted = app
            .data("mutation($id: ID!) { deleteCompany(id: $id) }", json!({ "id": id }))
            .await;
        assert_eq!(deleted["deleteCompany"], id.as_str());
        let list = app.data("{ companies { id } }", json!({})).await;
        assert_eq!(list["companies"], json!([]));
    }
);

api_test!(
    async fn every_invalid_field_is_reported_at_once(app) {
        let response = app
            .graphql(
                "mutation { createUser(input: { name: \"  \", email: \"not-an-email\", companyId: \"Segmentation:1\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(
            response.fields(),
            fields(&[
                ("companyId", "WRONG_ID_TYPE"),
                ("email", "INVALID"),
                ("name", "REQUIRED"),
            ])
        );

        let long = "x".repeat(201);
        let response = app
            .graphql(
                "mutation($name: String!) { createCompany(input: { name: $name, code: \"A B\" }) { id } }",
                json!({ "name": long }),
            )
            .await;
        assert_eq!(response.fields(), fields(&[("code", "INVALID"), ("name", "TOO_LONG")]));

        let users = app.data("{ users { id } companies { id } }", json!({})).await;
        assert_eq!(users, json!({ "users": [], "companies": [] }), "nothing was written");
    }
);

api_test!(
    async fn references_to_missing_records_are_field_errors(app) {
        let response = app
            .graphql(
                "mutation { createSegmentation(input: { name: \"Retail\", companyId: \"Company:999\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(response.fields(), fields(&[("companyId", "NOT_FOUND")]));

        let response = app
            .graphql(
                "mutation { updateAccount(id: \"Company:1\", input: { name: \"\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(response.fields(), fields(&[("id", "WRONG_ID_TYPE"), ("name", "REQUIRED")]));

        let response = app
            .graphql("mutation { deleteSegmentation(id: \"Segmentation:999\") }", json!({}))
            .await;
        assert_eq!(response.code(), "NOT_FOUND");
    }
);

api_test!(
    async fn names_are_unique_per_scope_case_insensitively(app) {
        let arch = app.create_company("Architecture Company", "ARCH").await;
        let other = app.create_company("Other Company", "OTH").await;

        // "Corporate Clients" is a tenant-wide reference segment.
        let response = app
            .graphql(
                "mutation { createSegmentation(input: { name: \"corporate CLIENTS\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(response.conflict_field(), "name");

        // The same name in a company scope is another scope.
        app.create_segmentation("Corporate Clients", Some(&arch)).await;
        app.create_segmentation("Corporate Clients", Some(&other)).await;
        let response = app
            .graphql(
                "mutation($c: ID) { createSegmentation(input: { name: \"CORPORATE clients\", companyId: $c }) { id } }",
                json!({ "c": arch }),
            )
            .await;
        assert_eq!(response.code(), "CONFLICT");

        let response = app
            .graphql(
                "mutation { createCompany(input: { name: \"Third\", code: \"arch\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(response.conflict_field(), "code");

        let list = app
            .data(
                "query($c: ID) { segmentations(companyId: $c, includeTenantWide: false) { name company { id } } }",
                json!({ "c": arch }),
            )
            .await;
        assert_eq!(list["segmentations"].as_array().map(Vec::len), Some(1));
        assert_eq!(list["segmentations"][0]["company"]["id"], arch.as_str());
    }
);

api_test!(
    async fn config_lists_filter_by_company_and_tenant_wide(app) {
        let arch = app.create_company("Architecture Company", "ARCH").await;
        let other = app.create_company("Other Company", "OTH").await;
        app.create_account("Arch A", Some(&arch)).await;
        app.create_account("Other A", Some(&other)).await;
        app.create_account("Shared", None).await;

        let query = "query($c: ID, $tw: Boolean!) { accounts(companyId: $c, includeTenantWide: $tw) { name } }";
        let all = app.data(query, json!({ "c": null, "tw": true })).await;
        assert_eq!(names(&all["accounts"]), vec!["Arch A", "Other A", "Shared"]);
        let arch_and_shared = app.data(query, json!({ "c": arch, "tw": true })).await;
        assert_eq!(names(&arch_and_shared["accounts"]), vec!["Arch A", "Shared"]);
        let arch_only = app.data(query, json!({ "c": arch, "tw": false })).await;
        assert_eq!(names(&arch_only["accounts"]), vec!["Arch A"]);
        let companies_only = app.data(query, json!({ "c": null, "tw": false })).await;
        assert_eq!(names(&companies_only["accounts"]), vec!["Arch A", "Other A"]);

        let bad = app.graphql(query, json!({ "c": "Account:1", "tw": true })).await;
        assert_eq!(bad.fields(), fields(&[("companyId", "WRONG_ID_TYPE")]));
    }
);

api_test!(
    async fn deleting_a_record_in_use_is_a_conflict_with_counts(app) {
        let arch = app.create_company("Architecture Company", "ARCH").await;
        app.create_user("Ana", "ana@arch.example", Some(&arch)).await;
        app.create_user("Rui", "rui@arch.example", Some(&arch)).await;
        let response = app
            .graphql("mutation($id: ID!) { deleteCompany(id: $id) }", json!({ "id": arch }))
            .await;
        assert_eq!(response.code(), "CONFLICT");
        let message = response.error()["message"].as_str().unwrap_or_default();
        assert!(message.contains("2 users"), "{message}");
        assert_eq!(
            response.error()["extensions"]["usage"],
            json!([{ "kind": "users", "count": 2 }])
        );
        let still = app.data("{ companies { id } }", json!({})).await;
        assert_eq!(still["companies"].as_array().map(Vec::len), Some(1));
    }
);

api_test!(
    async fn users_validate_email_and_keep_it_unique(app) {
        let data = app
            .data(
                "mutation { createUser(input: { name: \"Ada\", email: \" Ada@Example.COM \" }) { id email role active company { id } } }",
                json!({}),
            )
            .await;
        let user = &data["createUser"];
        assert_eq!(user["email"], "Ada@example.com", "domain is lower-cased");
        assert_eq!(user["role"], "SALES", "default role");
        assert_eq!(user["active"], true);
        assert_eq!(user["company"], Value::Null, "tenant-wide");

        let dup = app
            .graphql(
                "mutation { createUser(input: { name: \"Ada 2\", email: \"ada@example.com\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(dup.conflict_field(), "email");

        let updated = app
            .data(
                "mutation($id: ID!) { updateUser(id: $id, input: { role: MANAGER, active: false }) { role active name } }",
                json!({ "id": user["id"] }),
            )
            .await;
        assert_eq!(
            updated["updateUser"],
            json!({ "role": "MANAGER", "active": false, "name": "Ada" })
        );
    }
);

api_test!(
    async fn reason_codes_archive_and_describe(app) {
        let data = app
            .data(
                "mutation { createReasonCode(input: { code: \"Budget Constraints\", description: \"No budget this year\", outcome: LOST }) { id code outcome archived } }",
                json!({}),
            )
            .await;
        let id = data["createReasonCode"]["id"].clone();
        assert_eq!(data["createReasonCode"]["outcome"], "LOST");

        let archived = app
            .data("mutation($id: ID!) { archiveReasonCode(id: $id) { archived } }", json!({ "id": id }))
            .await;
        assert_eq!(archived["archiveReasonCode"]["archived"], true);

        let codes = |list: &Value| -> Vec<String> {
            list.as_array()
                .expect("list")
                .iter()
                .map(|r| r["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let active = app.data("{ reasonCodes { code } }", json!({})).await;
        assert!(!codes(&active["reasonCodes"]).contains(&"Budget Constraints".to_owned()));
        assert!(codes(&active["reasonCodes"]).contains(&"Competition".to_owned()), "reference data");
        let all = app.data("{ reasonCodes(includeArchived: true) { code } }", json!({})).await;
        assert!(codes(&all["reasonCodes"]).contains(&"Budget Constraints".to_owned()));

        let cleared = app
            .data(
                "mutation($id: ID!) { updateReasonCode(id: $id, input: { description: null }) { description code } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            cleared["updateReasonCode"],
            json!({ "description": null, "code": "Budget Constraints" }),
            "null clears, absent keeps"
        );
        app.data("mutation($id: ID!) { unarchiveReasonCode(id: $id) { archived } }", json!({ "id": id }))
            .await;
        app.data("mutation($id: ID!) { deleteReasonCode(id: $id) }", json!({ "id": id }))
            .await;
    }
);

api_test!(
    async fn detail_types_are_listed_by_kind(app) {
        let created = app
            .data(
                "mutation { createDetailType(input: { kind: PHONE, name: \"Fax\" }) { id kind name } }",
                json!({}),
            )
            .await;
        assert_eq!(created["createDetailType"]["kind"], "PHONE");
        // The same name under another kind is allowed; under the same kind it is not.
        app.data("mutation { createDetailType(input: { kind: EMAIL, name: \"Fax\" }) { id } }", json!({}))
            .await;
        let dup = app
            .graphql("mutation { createDetailType(input: { kind: PHONE, name: \"fax\" }) { id } }", json!({}))
            .await;
        assert_eq!(dup.code(), "CONFLICT");

        let phones = app.data("{ detailTypes(kind: PHONE) { name kind } }", json!({})).await;
        assert_eq!(names(&phones["detailTypes"]), vec!["Fax", "Home", "Mobile", "Office"]);
    }
);

api_test!(
    async fn concurrent_writers_all_succeed(app) {
        // On SQLite, writers queue behind one lock: no client ever sees "database is locked".
        let mut tasks = Vec::new();
        let app = std::sync::Arc::new(app);
        for i in 0..24 {
            let app = std::sync::Arc::clone(&app);
            tasks.push(tokio::spawn(async move {
                app.graphql(
                    "mutation($n: String!) { createAccount(input: { name: $n }) { id } }",
                    json!({ "n": format!("Account {i:02}") }),
                )
                .await
            }));
        }
        for task in tasks {
            let response = task.await.expect("task");
            assert!(response.body.get("errors").is_none(), "{:#}", response.body);
        }
        let list = app.data("{ accounts { id } }", json!({})).await;
        assert_eq!(list["accounts"].as_array().map(Vec::len), Some(24));
    }
);

api_test!(
    async fn a_burst_on_a_fresh_pool_gets_every_answer(app) {
        // The pool opens its connections while the first requests run; a connection opened
        // while another sets up the database must wait for it, never fail the request.
        let mut tasks = Vec::new();
        let app = std::sync::Arc::new(app);
        for _ in 0..16 {
            let app = std::sync::Arc::clone(&app);
            tasks.push(tokio::spawn(async move {
                app.graphql("{ companies { id } users { id } segmentations { id } accounts { id } }", json!({}))
                    .await
            }));
        }
        for task in tasks {
            let response = task.await.expect("task");
            assert!(response.body.get("errors").is_none(), "{:#}", response.body);
            assert_eq!(response.body["data"]["segmentations"].as_array().map(Vec::len), Some(4));
        }
    }
);
