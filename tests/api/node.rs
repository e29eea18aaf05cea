//! Global ids: `node(id)`, `nodes(ids)` and id type checking.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::{fields, id_number};

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id ... on Company { name } ... on LifecycleStep { name outcome } } }";

api_test!(
    async fn node_resolves_any_object_by_id(app) {
        let company = app.create_company("Arch", "ARCH").await;
        let found = app.data(NODE, json!({ "id": company })).await;
        assert_eq!(found["node"], json!({ "__typename": "Company", "id": company, "name": "Arch" }));

        let step = app.data(NODE, json!({ "id": app.step_id("Closed – Won").await })).await;
        assert_eq!(step["node"]["__typename"], "LifecycleStep");
        assert_eq!(step["node"]["outcome"], "WON");

        let missing = app.data(NODE, json!({ "id": "Company:999" })).await;
        assert_eq!(missing["node"], Value::Null);

        let individual = app.segmentation_id("Individual Clients").await;
        let many = app
            .data(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": [individual, "Company:999", company] }),
            )
            .await;
        assert_eq!(many["nodes"], json!([{ "id": individual }, null, { "id": company }]));
    }
);

api_test!(
    async fn ids_of_unknown_types_or_bad_shape_are_bad_input(app) {
        let unknown = app.graphql(NODE, json!({ "id": "Invoice:1" })).await;
        assert_eq!(unknown.fields(), fields(&[("id", "WRONG_ID_TYPE")]));
        let malformed = app.graphql(NODE, json!({ "id": "42" })).await;
        assert_eq!(malformed.fields(), fields(&[("id", "INVALID_ID")]));
        let many = app
            .graphql(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": ["Company:1", "nope", "Thing:2"] }),
            )
            .await;
        assert_eq!(many.fields(), fields(&[("ids[1]", "INVALID_ID"), ("ids[2]", "WRONG_ID_TYPE")]));
        // An id of the wrong type for a mutation argument is BAD_USER_INPUT, not NOT_FOUND.
        let wrong = app
            .graphql("mutation { deleteCompany(id: \"Segmentation:1\") }", json!({}))
            .await;
        assert_eq!(wrong.fields(), fields(&[("id", "WRONG_ID_TYPE")]));
    }
);

api_test!(
    async fn records_outside_the_viewers_scope_behave_as_absent(app) {
        let a = app.create_company("A", "A").await;
        let b = app.create_company("B", "B").await;
        let b_segment = app.create_segmentation("B only", Some(&b)).await;
        let viewer = rapport::viewer::Viewer {
            scope: rapport::viewer::CompanyScope::Only(vec![rapport::ids::CompanyId(id_number(&a))]),
            ..rapport::viewer::Viewer::local_admin()
        };

        let seen = app
            .graphql_as(viewer.clone(), "{ companies { id } segmentations { name } }", json!({}))
            .await;
        assert_eq!(seen["data"]["companies"], json!([{ "id": a }]));
        let names: Vec<&str> = seen["data"]["segmentations"]
            .as_array()
            .expect("list")
            .iter()
            .map(|s| s["name"].as_str().expect("name"))
            .collect();
        assert!(!names.contains(&"B only"), "{names:?}");
        assert!(names.contains(&"Corporate Clients"), "tenant-wide records stay visible");

        let node = app.graphql_as(viewer.clone(), NODE, json!({ "id": b_segment })).await;
        assert_eq!(node["data"]["node"], Value::Null);

        let create = app
            .graphql_as(
                viewer,
                "mutation($c: ID) { createAccount(input: { name: \"X\", companyId: $c }) { id } }",
                json!({ "c": b }),
            )
            .await;
        assert_eq!(create["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(create["errors"][0]["extensions"]["fields"][0]["path"], "companyId");
        assert_eq!(create["errors"][0]["extensions"]["fields"][0]["code"], "NOT_FOUND");
    }
);
