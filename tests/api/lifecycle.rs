//! Lifecycle templates, categories and steps through HTTP.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::fixtures::TEMPLATE_TREE;
use crate::support::{ContactBuilder, Step, TemplateBuilder, TestApp, fields, snapshot_settings};

async fn templates(app: &TestApp) -> Vec<Value> {
    let query = format!("{{ lifecycleTemplates {{ {TEMPLATE_TREE} }} }}");
    app.data(&query, json!({})).await["lifecycleTemplates"]
        .as_array()
        .expect("list")
        .clone()
}

fn step_names(category: &Value) -> Vec<&str> {
    category["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect()
}

fn category_names(template: &Value) -> Vec<&str> {
    template["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect()
}

/// Open: New, Working; Closed: Won, Lost (which requires a reason).
fn two_step_tree(name: &str, is_default: bool) -> TemplateBuilder {
    TemplateBuilder::new(name)
        .default_of_scope(is_default)
        .category("Open", ["New", "Working"])
        .category(
            "Closed",
            [
                Step::new("Won").outcome("WON"),
                Step::new("Lost").outcome("LOST").requires_reason(),
            ],
        )
}

api_test!(
    async fn a_fresh_database_has_the_reference_lifecycle(app) {
        let all = templates(&app).await;
        assert_eq!(all.len(), 1);
        let standard = &all[0];
        assert_eq!(standard["isDefault"], true);
        assert_eq!(standard["company"], Value::Null);
        assert_eq!(
            category_names(standard),
            vec!["Lead Generation", "Lead Qualification", "Proposal Stage", "Negotiation", "Conversion"]
        );
        let conversion = &standard["categories"][4];
        assert_eq!(step_names(conversion), vec!["Client Onboarded", "Closed – Won", "Closed – Lost"]);
        assert_eq!(conversion["steps"][1]["outcome"], "WON");
        assert_eq!(conversion["steps"][2]["outcome"], "LOST");
        assert_eq!(conversion["steps"][2]["requiresReason"], true);
        snapshot_settings().bind(|| insta::assert_json_snapshot!("reference_lifecycle", standard));
    }
);

api_test!(
    async fn create_takes_the_whole_tree_and_moves_the_default(app) {
        let created = two_step_tree("Partner Program", true).create(&app).await;
        assert_eq!(category_names(&created), vec!["Open", "Closed"]);
        assert_eq!(step_names(&created["categories"][1]), vec!["Won", "Lost"]);
        assert_eq!(created["categories"][1]["steps"][1]["position"], 1);
        assert_eq!(created["categories"][0]["steps"][0]["outcome"], "OPEN", "default outcome");

        let defaults: Vec<_> = templates(&app)
            .await
            .into_iter()
            .filter(|t| t["isDefault"] == true)
            .map(|t| t["name"].clone())
            .collect();
        assert_eq!(defaults, vec![json!("Partner Program")], "one default per scope");
    }
);

api_test!(
    async fn invalid_trees_report_every_path_and_write_nothing(app) {
        let query = "mutation($input: CreateLifecycleTemplateInput!) { createLifecycleTemplate(input: $input) { id } }";
        let response = app
            .graphql(
                query,
                json!({ "input": {
                    "name": "",
                    "companyId": "Company:77",
                    "categories": [
                        { "name": "Stage", "steps": [{ "name": "A" }, { "name": "a" }] },
                        { "name": "stage", "steps": [{ "name": " " }] }
                    ]
                } }),
            )
            .await;
        assert_eq!(
            response.fields(),
            fields(&[
                ("categories[0].steps[1].name", "DUPLICATE"),
                ("categories[1].name", "DUPLICATE"),
                ("categories[1].steps[0].name", "REQUIRED"),
                ("companyId", "NOT_FOUND"),
                ("name", "REQUIRED"),
            ])
        );
        let empty = app
            .graphql(query, json!({ "input": { "name": "Empty", "categories": [] } }))
            .await;
        assert_eq!(empty.fields(), fields(&[("categories", "REQUIRED")]));
        assert_eq!(templates(&app).await.len(), 1, "nothing was written");
    }
);

api_test!(
    async fn a_failed_update_leaves_the_old_default_in_place(app) {
        // Making "Partner" the default first unmarks the standard template; the rename then
        // collides, and the whole mutation must roll back.
        let partner = two_step_tree("Partner", false).create(&app).await;
        let response = app
            .graphql(
                "mutation($id: ID!) { updateLifecycleTemplate(id: $id, input: { name: \"standard sales lifecycle\", isDefault: true }) { id } }",
                json!({ "id": partner["id"] }),
            )
            .await;
        assert_eq!(response.code(), "CONFLICT");
        let all = templates(&app).await;
        let standard = all.iter().find(|t| t["name"] == "Standard Sales Lifecycle").expect("standard");
        assert_eq!(standard["isDefault"], true);

        let ok = app
            .data(
                "mutation($id: ID!) { updateLifecycleTemplate(id: $id, input: { isDefault: true, description: \"For partners\" }) { isDefault description } }",
                json!({ "id": partner["id"] }),
            )
            .await;
        assert_eq!(ok["updateLifecycleTemplate"], json!({ "isDefault": true, "description": "For partners" }));
        let defaults = templates(&app).await.into_iter().filter(|t| t["isDefault"] == true).count();
        assert_eq!(defaults, 1);
    }
);

api_test!(
    async fn categories_and_steps_are_inserted_reordered_and_renumbered(app) {
        let template = two_step_tree("Partner", false).create(&app).await;
        let inserted = app
            .data(
                "mutation($t: ID!) { createLifecycleCategory(input: { templateId: $t, name: \"Qualify\", position: 1 }) { id position } }",
                json!({ "t": template["id"] }),
            )
            .await;
        assert_eq!(inserted["createLifecycleCategory"]["position"], 1);
        let after = &templates(&app).await.into_iter().find(|t| t["id"] == template["id"]).expect("template");
        assert_eq!(category_names(after), vec!["Open", "Qualify", "Closed"]);

        let ids: Vec<Value> = after["categories"].as_array().expect("c").iter().map(|c| c["id"].clone()).collect();
        let reordered = app
            .data(
                &format!("mutation($t: ID!, $ids: [ID!]!) {{ reorderLifecycleCategories(templateId: $t, ids: $ids) {{ {TEMPLATE_TREE} }} }}"),
                json!({ "t": template["id"], "ids": [ids[2], ids[0], ids[1]] }),
            )
            .await;
        assert_eq!(category_names(&reordered["reorderLifecycleCategories"]), vec!["Closed", "Open", "Qualify"]);

        let bad = app
            .graphql(
                "mutation($t: ID!, $ids: [ID!]!) { reorderLifecycleCategories(templateId: $t, ids: $ids) { id } }",
                json!({ "t": template["id"], "ids": [ids[2], ids[0]] }),
            )
            .await;
        assert_eq!(bad.fields(), fields(&[("ids", "INVALID")]));

        // Steps: add one at the front, reorder, rename.
        let open = &after["categories"][0];
        let step = app
            .data(
                "mutation($c: ID!) { createLifecycleStep(input: { categoryId: $c, name: \"Inbound\", position: 0 }) { id position category { name } } }",
                json!({ "c": open["id"] }),
            )
            .await["createLifecycleStep"]
            .clone();
        assert_eq!(step["position"], 0);
        assert_eq!(step["category"]["name"], "Open");
        let steps = app
            .data(
                "mutation($c: ID!, $ids: [ID!]!) { reorderLifecycleSteps(categoryId: $c, ids: $ids) { steps { name position } } }",
                json!({ "c": open["id"], "ids": [open["steps"][1]["id"], step["id"], open["steps"][0]["id"]] }),
            )
            .await;
        assert_eq!(
            steps["reorderLifecycleSteps"]["steps"],
            json!([{ "name": "Working", "position": 0 }, { "name": "Inbound", "position": 1 }, { "name": "New", "position": 2 }])
        );

        // Deleting closes the gap.
        app.data("mutation($id: ID!) { deleteLifecycleCategory(id: $id) }", json!({ "id": ids[1] }))
            .await;
        let after = templates(&app).await.into_iter().find(|t| t["id"] == template["id"]).expect("template");
        let positions: Vec<_> = after["categories"].as_array().expect("c").iter().map(|c| c["position"].clone()).collect();
        assert_eq!(positions, vec![json!(0), json!(1)]);
    }
);

api_test!(
    async fn structure_in_use_cannot_be_deleted(app) {
        // A contact standing on "New Lead" of the standard template, with its history.
        ContactBuilder::new("Ada").create(&app).await;
        let all = templates(&app).await;
        let standard = &all[0];
        let lead_generation = &standard["categories"][0];
        let new_lead = &lead_generation["steps"][0];

        let step = app
            .graphql("mutation($id: ID!) { deleteLifecycleStep(id: $id) }", json!({ "id": new_lead["id"] }))
            .await;
        assert_eq!(step.code(), "CONFLICT");
        assert_eq!(
            step.error()["extensions"]["usage"],
            json!([{ "kind": "contacts", "count": 1 }, { "kind": "stage transitions", "count": 1 }])
        );
        let category = app
            .graphql("mutation($id: ID!) { deleteLifecycleCategory(id: $id) }", json!({ "id": lead_generation["id"] }))
            .await;
        assert_eq!(category.code(), "CONFLICT");
        let template = app
            .graphql("mutation($id: ID!) { deleteLifecycleTemplate(id: $id) }", json!({ "id": standard["id"] }))
            .await;
        assert_eq!(template.code(), "CONFLICT");
        let outcome = app
            .graphql(
                "mutation($id: ID!) { updateLifecycleStep(id: $id, input: { outcome: WON }) { id } }",
                json!({ "id": new_lead["id"] }),
            )
            .await;
        assert_eq!(outcome.code(), "CONFLICT");

        // Renaming is fine.
        let renamed = app
            .data(
                "mutation($id: ID!) { updateLifecycleStep(id: $id, input: { name: \"Fresh Lead\" }) { name } }",
                json!({ "id": new_lead["id"] }),
            )
            .await;
        assert_eq!(renamed["updateLifecycleStep"]["name"], "Fresh Lead");
        assert_eq!(templates(&app).await[0]["categories"].as_array().map(Vec::len), Some(5));

        // An unused template goes, with its categories and steps.
        let partner = two_step_tree("Partner", false).create(&app).await;
        app.data("mutation($id: ID!) { deleteLifecycleTemplate(id: $id) }", json!({ "id": partner["id"] }))
            .await;
        let gone = app
            .data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": partner["categories"][0]["id"] }))
            .await;
        assert_eq!(gone["node"], Value::Null);
    }
);

api_test!(
    async fn nested_lifecycle_fields_are_batched(app) {
        // The statements for a list of templates with their company, categories, steps and the
        // steps' categories do not grow with the number of templates.
        let query = "{ lifecycleTemplates { name company { name } categories { name template { name } steps { name category { name } } } } }";
        let count = |app: &TestApp| app.statements.get();
        let company = app.create_company("Arch", "ARCH").await;
        two_step_tree("T0", false).company(&company).create(&app).await;

        let before = count(&app);
        let small = app.data(query, json!({})).await;
        let small_statements = count(&app) - before;
        assert_eq!(small["lifecycleTemplates"].as_array().map(Vec::len), Some(2));

        for i in 1..6 {
            two_step_tree(&format!("T{i}"), false).create(&app).await;
        }
        let before = count(&app);
        let large = app.data(query, json!({})).await;
        let large_statements = count(&app) - before;
        assert_eq!(large["lifecycleTemplates"].as_array().map(Vec::len), Some(7));
        assert_eq!(small_statements, large_statements);
        assert!(large_statements <= 6, "{large_statements} statements");
    }
);
