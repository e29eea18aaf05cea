//! Duplicate detection: pairs sharing an email, phone or IBAN, or with similar names.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::ContactBuilder;

const PAIRS: &str = "contact { name } duplicate { name } score reasons matches { reason value }";

fn names(pairs: &Value) -> Vec<(String, String)> {
    pairs
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            (
                p["contact"]["name"].as_str().expect("name").to_owned(),
                p["duplicate"]["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect()
}

api_test!(
    async fn pairs_that_share_details_or_names_are_found_and_scored(app) {
        let ada = ContactBuilder::new("Ada Lovelace")
            .email("ada@lovelace.io")
            .phone("+351912345678")
            .create_id(&app)
            .await;
        ContactBuilder::new("A. King").email("ADA@Lovelace.io").create_id(&app).await;
        ContactBuilder::new("Bo").phone("+351 912 345 678").create_id(&app).await;
        ContactBuilder::new("ada lovelace").create_id(&app).await;
        ContactBuilder::new("Carl").bank_account("Main", "PT50000201231234567890154").create_id(&app).await;
        ContactBuilder::new("Carla Jones").bank_account("Other", "PT50 0002 0123 1234 5678 9015 4").create_id(&app).await;
        let trashed = ContactBuilder::new("Ada Lovelace").email("ada@lovelace.io").create_id(&app).await;
        ContactBuilder::new("Zed").email("zed@x.io").create_id(&app).await;
        app.data("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": trashed })).await;

        let of_ada = app
            .data(
                &format!("query($id: ID!) {{ contactDuplicates(contactId: $id) {{ {PAIRS} }} }}"),
                json!({ "id": ada }),
            )
            .await["contactDuplicates"]
            .clone();
        assert_eq!(
            of_ada,
            json!([
                { "contact": { "name": "Ada Lovelace" }, "duplicate": { "name": "A. King" }, "score": 0.8,
                  "reasons": ["SAME_EMAIL"], "matches": [{ "reason": "SAME_EMAIL", "value": "ada@lovelace.io" }] },
                { "contact": { "name": "Ada Lovelace" }, "duplicate": { "name": "Bo" }, "score": 0.7,
                  "reasons": ["SAME_PHONE"], "matches": [{ "reason": "SAME_PHONE", "value": "+351912345678" }] },
                { "contact": { "name": "Ada Lovelace" }, "duplicate": { "name": "ada lovelace" }, "score": 0.6,
                  "reasons": ["SIMILAR_NAME"], "matches": [{ "reason": "SIMILAR_NAME", "value": "ada lovelace" }] },
            ]),
            "the trashed copy and Zed are no candidates"
        );

        let all = app
            .data(&format!("{{ duplicateContacts(first: 10) {{ {PAIRS} }} }}"), json!({}))
            .await["duplicateContacts"]
            .clone();
        let found = names(&all);
        assert_eq!(found[0], ("Carl".to_owned(), "Carla Jones".to_owned()), "the same IBAN scores highest");
        assert_eq!(all[0]["score"], 0.9);
        for pair in [("Ada Lovelace", "A. King"), ("Ada Lovelace", "Bo"), ("Ada Lovelace", "ada lovelace")] {
            assert!(found.contains(&(pair.0.to_owned(), pair.1.to_owned())), "{pair:?} in {found:?}");
        }
        assert_eq!(found.len(), 4, "{found:?}");
        let one = app
            .data(&format!("{{ duplicateContacts(first: 1) {{ {PAIRS} }} }}"), json!({}))
            .await;
        assert_eq!(names(&one["duplicateContacts"]).len(), 1);
        let narrowed = app
            .data(
                &format!("{{ duplicateContacts(filter: {{ search: \"ada lovelace\" }}) {{ {PAIRS} }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(
            names(&narrowed["duplicateContacts"]),
            [("Ada Lovelace".to_owned(), "ada lovelace".to_owned())],
            "pairs within the filtered contacts only"
        );

        let bad = app
            .graphql("{ duplicateContacts(first: -1, filter: { scoringMin: 1, companyIds: [\"Contact:1\"] }) { score } }", json!({}))
            .await;
        let mut paths: Vec<String> = bad.fields().into_iter().map(|(path, _)| path).collect();
        paths.sort();
        assert_eq!(paths, ["filter.companyIds[0]", "first"]);
    }
);

api_test!(
    async fn near_names_are_similar_with_trigrams_only(app) {
        let ada = ContactBuilder::new("Ada Lovelace").create_id(&app).await;
        ContactBuilder::new("Ada Lovelac").create_id(&app).await;
        ContactBuilder::new("Bob Smith").create_id(&app).await;
        let found = app
            .data(
                &format!("query($id: ID!) {{ contactDuplicates(contactId: $id) {{ {PAIRS} }} }}"),
                json!({ "id": ada }),
            )
            .await["contactDuplicates"]
            .clone();
        match app.db.kind() {
            rapport::db::BackendKind::Postgres => {
                assert_eq!(names(&found), [("Ada Lovelace".to_owned(), "Ada Lovelac".to_owned())]);
                let score = found[0]["score"].as_f64().expect("score");
                assert!(score > 0.3 && score < 0.6, "a name 0.6 times its similarity: {score}");
            }
            rapport::db::BackendKind::Sqlite => {
                assert_eq!(found, json!([]), "normalised names differ");
            }
        }
    }
);
