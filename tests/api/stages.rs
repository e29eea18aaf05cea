//! Moving contacts along their lifecycle: rules, reasons, history, the path, races, and live
//! events over graphql-transport-ws.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::{ContactBuilder, Gql, TemplateBuilder, TestApp, fields};

const MOVE: &str = "mutation($input: MoveContactToStepInput!) { moveContactToStep(input: $input) {
    id note occurredAt fromStep { name } toStep { name } reasonCode { code } contact { status isClosed version reasonCode { code } currentStep { name } } } }";

/// Moves `contact` to a step of the standard lifecycle, giving a reason code by its code.
async fn move_to(
    app: &TestApp,
    contact: &str,
    step: &str,
    reason: Option<&str>,
    expected: Option<i64>,
) -> Gql {
    let reason_code = match reason {
        Some(code) => Some(app.reason_code_id(code).await),
        None => None,
    };
    app.graphql(
        MOVE,
        json!({ "input": {
            "contactId": contact,
            "stepId": app.step_id(step).await,
            "reasonCodeId": reason_code,
            "note": "called them",
            "expectedVersion": expected,
        } }),
    )
    .await
}

async fn history(app: &TestApp, contact: &str) -> Vec<(Option<String>, String)> {
    let data = app
        .data(
            "query($id: ID!) { contact(id: $id) { stageHistory(first: 50) { edges { node { fromStep { name } toStep { name } } } } } }",
            json!({ "id": contact }),
        )
        .await;
    data["contact"]["stageHistory"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["node"]["fromStep"]["name"].as_str().map(str::to_owned),
                e["node"]["toStep"]["name"].as_str().expect("to").to_owned(),
            )
        })
        .collect()
}

api_test!(
    async fn a_scripted_journey_records_history_status_and_path(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;

        let qualified = move_to(&app, &contact, "Qualified", None, Some(1)).await.data();
        let t = &qualified["moveContactToStep"];
        assert_eq!(t["fromStep"]["name"], "New Lead");
        assert_eq!(t["toStep"]["name"], "Qualified");
        assert_eq!(t["note"], "called them");
        assert_eq!(t["contact"]["status"], "OPEN");
        assert_eq!(t["contact"]["version"], 2);

        let missing = move_to(&app, &contact, "Closed – Lost", None, None).await;
        assert_eq!(missing.code(), "REASON_REQUIRED");
        let mismatched = move_to(&app, &contact, "Closed – Lost", Some("Clear Value Proposition"), None).await;
        assert_eq!(mismatched.fields(), fields(&[("reasonCodeId", "INVALID")]), "a WON reason for a loss");
        let timing = app.reason_code_id("Timing").await;
        app.data("mutation($id: ID!) { archiveReasonCode(id: $id) { id } }", json!({ "id": timing })).await;
        let archived = move_to(&app, &contact, "Closed – Lost", Some("Timing"), None).await;
        assert_eq!(archived.fields(), fields(&[("reasonCodeId", "ARCHIVED")]));

        let lost = move_to(&app, &contact, "Closed – Lost", Some("Competition"), None).await.data();
        let t = &lost["moveContactToStep"];
        assert_eq!(t["contact"]["status"], "LOST");
        assert_eq!(t["contact"]["isClosed"], true);
        assert_eq!(t["reasonCode"]["code"], "Competition");
        assert_eq!(t["contact"]["reasonCode"]["code"], "Competition", "the reason becomes the contact's");

        let same = move_to(&app, &contact, "Closed – Lost", Some("Competition"), None).await;
        assert_eq!(same.code(), "INVALID_STAGE_TRANSITION");
        let other = TemplateBuilder::new("Other").category("Only", ["One"]).create(&app).await;
        let foreign_step = other["categories"][0]["steps"][0]["id"].clone();
        let foreign = app
            .graphql(MOVE, json!({ "input": { "contactId": contact, "stepId": foreign_step } }))
            .await;
        assert_eq!(foreign.code(), "INVALID_STAGE_TRANSITION");

        // Reopen: back to an open step.
        let reopened = move_to(&app, &contact, "Contacted", None, None).await.data();
        assert_eq!(reopened["moveContactToStep"]["contact"]["status"], "OPEN");
        assert_eq!(reopened["moveContactToStep"]["contact"]["currentStep"]["name"], "Contacted");

        let stale = move_to(&app, &contact, "Interested", None, Some(2)).await;
        assert_eq!(stale.code(), "VERSION_CONFLICT");

        assert_eq!(
            history(&app, &contact).await,
            vec![
                (Some("Closed – Lost".into()), "Contacted".into()),
                (Some("Qualified".into()), "Closed – Lost".into()),
                (Some("New Lead".into()), "Qualified".into()),
                (None, "New Lead".into()),
            ],
            "newest first; refused moves left no trace"
        );

        let path = app
            .data(
                "query($id: ID!) { contact(id: $id) { timeInCurrentStep lifecycle { category { name } steps { step { name } state } } } }",
                json!({ "id": contact }),
            )
            .await;
        let states: Vec<(String, String)> = path["contact"]["lifecycle"]
            .as_array()
            .expect("path")
            .iter()
            .flat_map(|c| c["steps"].as_array().cloned().unwrap_or_default())
            .map(|s| (s["step"]["name"].as_str().unwrap_or_default().to_owned(), s["state"].as_str().unwrap_or_default().to_owned()))
            .collect();
        assert_eq!(states[0], ("New Lead".into(), "DONE".into()));
        assert_eq!(states[1], ("Contacted".into(), "CURRENT".into()));
        assert!(states[2..].iter().all(|(_, state)| state == "UPCOMING"));
        assert_eq!(states.len(), 11);
        assert!(path["contact"]["timeInCurrentStep"].as_i64().is_some_and(|s| s >= 0));

        // Pages of history: first/after.
        let page = app
            .data(
                "query($id: ID!) { contact(id: $id) { stageHistory(first: 3) { edges { cursor } pageInfo { hasNextPage endCursor } } } }",
                json!({ "id": contact }),
            )
            .await;
        let history_page = &page["contact"]["stageHistory"];
        assert_eq!(history_page["pageInfo"]["hasNextPage"], true);
        let rest = app
            .data(
                "query($id: ID!, $after: String) { contact(id: $id) { stageHistory(first: 3, after: $after) { edges { node { toStep { name } } } pageInfo { hasNextPage } } } }",
                json!({ "id": contact, "after": history_page["pageInfo"]["endCursor"] }),
            )
            .await;
        assert_eq!(rest["contact"]["stageHistory"]["edges"], json!([{ "node": { "toStep": { "name": "New Lead" } } }]));

        // Deleting a step that history refers to is a conflict.
        let qualified = app.step_id("Qualified").await;
        let in_use = app.graphql("mutation($id: ID!) { deleteLifecycleStep(id: $id) }", json!({ "id": qualified })).await;
        assert_eq!(in_use.code(), "CONFLICT");
    }
);

api_test!(
    async fn racing_moves_with_one_version_let_exactly_one_win(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for step in ["Contacted", "Interested", "Qualified", "Proposal Sent", "Proposal Follow-Up", "Negotiation Started"] {
            let app = std::sync::Arc::clone(&app);
            let contact = contact.clone();
            tasks.push(tokio::spawn(async move { move_to(&app, &contact, step, None, Some(1)).await }));
        }
        let mut wins = 0;
        for task in tasks {
            let response = task.await.expect("task");
            if response.body.get("errors").is_none() {
                wins += 1;
            } else {
                assert_eq!(response.code(), "VERSION_CONFLICT");
            }
        }
        assert_eq!(wins, 1);

        // Without versions every move goes through, one after another: the chain stays whole.
        let mut tasks = Vec::new();
        for step in ["Contract Drafted", "Client Onboarded", "Interested", "Proposal Sent"] {
            let app = std::sync::Arc::clone(&app);
            let contact = contact.clone();
            tasks.push(tokio::spawn(async move { move_to(&app, &contact, step, None, None).await }));
        }
        for task in tasks {
            let response = task.await.expect("task");
            let refused_as_same_step = response.body.get("errors").is_some()
                && response.code() == "INVALID_STAGE_TRANSITION";
            assert!(response.body.get("errors").is_none() || refused_as_same_step, "{:#}", response.body);
        }
        let chain = history(&app, &contact).await;
        for pair in chain.windows(2) {
            assert_eq!(pair[0].0.as_deref(), Some(pair[1].1.as_str()), "each move starts where the previous ended: {chain:?}");
        }
    }
);

api_test!(
    async fn assigning_a_lifecycle_starts_it_over(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let template = TemplateBuilder::new("Partner")
            .category("Start", ["Signed up", "Active"])
            .create_id(&app)
            .await;
        let assigned = app
            .data(
                "mutation($c: ID!, $t: ID!) { assignContactLifecycle(contactId: $c, templateId: $t, expectedVersion: 1) { version lifecycleTemplate { name } currentStep { name } status } }",
                json!({ "c": contact, "t": template }),
            )
            .await;
        assert_eq!(
            assigned["assignContactLifecycle"],
            json!({ "version": 2, "lifecycleTemplate": { "name": "Partner" }, "currentStep": { "name": "Signed up" }, "status": "OPEN" })
        );
        let again = app
            .graphql(
                "mutation($c: ID!, $t: ID!) { assignContactLifecycle(contactId: $c, templateId: $t) { version } }",
                json!({ "c": contact, "t": template }),
            )
            .await;
        assert_eq!(again.code(), "INVALID_STAGE_TRANSITION");
        assert_eq!(history(&app, &contact).await[0], (Some("New Lead".into()), "Signed up".into()));
    }
);

api_test!(
/// A graphql-transport-ws client receives exactly the committed transitions (on PostgreSQL, as
/// relayed by the database).
async fn subscribers_receive_exactly_the_committed_transitions(app) {
    use futures_util::{SinkExt as _, StreamExt as _};
    use tokio_tungstenite::tungstenite::Message;

    let (address, _server) = app.serve().await;
    let mut socket = crate::support::ws::connect(address, None).await;
    let ack = socket.next().await.expect("ack").expect("ack");
    assert!(ack.to_text().unwrap_or_default().contains("connection_ack"));
    socket
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { contactStageChanged { fromStep { name } toStep { name } contact { name } } }" } })
                .to_string(),
        ))
        .await
        .expect("subscribe");
    // Give the server a moment to register the subscription before anything happens.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let contact = ContactBuilder::new("Ada").create_id(&app).await;
    move_to(&app, &contact, "Interested", None, None)
        .await
        .data();
    let refused = move_to(&app, &contact, "Closed – Lost", None, None).await;
    assert_eq!(refused.code(), "REASON_REQUIRED");
    move_to(&app, &contact, "Closed – Lost", Some("Price"), None)
        .await
        .data();

    let mut received = Vec::new();
    while received.len() < 3 {
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("an event within 5 s")
            .expect("open")
            .expect("message");
        let body: Value =
            serde_json::from_str(message.to_text().unwrap_or_default()).expect("json");
        if body["type"] == "next" {
            let t = &body["payload"]["data"]["contactStageChanged"];
            received.push((
                t["fromStep"]["name"].clone(),
                t["toStep"]["name"].clone(),
                t["contact"]["name"].clone(),
            ));
        }
    }
    assert_eq!(
        received,
        vec![
            (Value::Null, json!("New Lead"), json!("Ada")),
            (json!("New Lead"), json!("Interested"), json!("Ada")),
            (json!("Interested"), json!("Closed – Lost"), json!("Ada")),
        ]
    );
    // Nothing else arrives: the refused move was never announced.
    let extra = tokio::time::timeout(std::time::Duration::from_millis(300), socket.next()).await;
    assert!(extra.is_err(), "no further events: {extra:?}");
});

api_test!(
    async fn closing_reasons_and_current_state_are_aggregated(app) {
        // Three losses (two for Price, one for Competition), one win without a reason, one open.
        let corporate = app.segmentation_id("Corporate Clients").await;
        let mut ids = Vec::new();
        for name in ["A", "B", "C", "D", "E"] {
            ids.push(ContactBuilder::new(name).segmentation(&corporate).create_id(&app).await);
        }
        move_to(&app, &ids[0], "Closed – Lost", Some("Price"), None).await.data();
        move_to(&app, &ids[1], "Closed – Lost", Some("Price"), None).await.data();
        move_to(&app, &ids[2], "Closed – Lost", Some("Competition"), None).await.data();
        move_to(&app, &ids[3], "Closed – Won", None, None).await.data();

        let by_reason = app
            .data(
                "{ reasonCodeStats(groupBy: [REASON_CODE, OUTCOME]) { reasonCode { code } outcome count share } }",
                json!({}),
            )
            .await;
        assert_eq!(
            by_reason["reasonCodeStats"],
            json!([
                { "reasonCode": { "code": "Price" }, "outcome": "LOST", "count": 2, "share": 0.5 },
                { "reasonCode": null, "outcome": "WON", "count": 1, "share": 0.25 },
                { "reasonCode": { "code": "Competition" }, "outcome": "LOST", "count": 1, "share": 0.25 },
            ])
        );
        let lost_by_month = app
            .data(
                "{ reasonCodeStats(filter: { outcomes: [LOST], from: \"2000-01-01T00:00:00Z\" }, groupBy: [PERIOD], period: MONTH) { period count share } }",
                json!({}),
            )
            .await;
        let rows = lost_by_month["reasonCodeStats"].as_array().expect("rows").clone();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["count"], 3);
        assert_eq!(rows[0]["share"], 1.0);
        let month = chrono::Utc::now().format("%Y-%m-01").to_string();
        assert_eq!(rows[0]["period"], month.as_str());
        let weekly = app
            .data("{ reasonCodeStats(groupBy: [PERIOD], period: WEEK) { period } }", json!({}))
            .await;
        let monday = {
            use chrono::Datelike as _;
            let today = chrono::Utc::now().date_naive();
            (today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()))).to_string()
        };
        assert_eq!(weekly["reasonCodeStats"][0]["period"], monday.as_str(), "weeks start on Monday");
        let none = app
            .data("{ reasonCodeStats(filter: { to: \"2000-01-01T00:00:00Z\" }, groupBy: [REASON_CODE]) { count } }", json!({}))
            .await;
        assert_eq!(none["reasonCodeStats"], json!([]));

        let state = app
            .data("{ contactStats(groupBy: [STATUS]) { status count } }", json!({}))
            .await;
        assert_eq!(
            state["contactStats"],
            json!([{ "status": "LOST", "count": 3 }, { "status": "OPEN", "count": 1 }, { "status": "WON", "count": 1 }])
        );
        let by_category = app
            .data("{ contactStats(groupBy: [CATEGORY, SEGMENTATION]) { category { name } segmentation { name } count } }", json!({}))
            .await;
        assert_eq!(
            by_category["contactStats"],
            json!([
                { "category": { "name": "Conversion" }, "segmentation": { "name": "Corporate Clients" }, "count": 4 },
                { "category": { "name": "Lead Generation" }, "segmentation": { "name": "Corporate Clients" }, "count": 1 },
            ])
        );
    }
);

api_test!(
    async fn closing_reasons_are_filtered_by_bound_id_lists(app) {
        // Two losses in one segment, one in another.
        let first = app.segmentation_id("Corporate Clients").await;
        let second = app.create_segmentation("Second segment", None).await;
        for (name, segmentation) in [("A", &first), ("B", &first), ("C", &second)] {
            let contact = ContactBuilder::new(name)
                .segmentation(segmentation)
                .create_id(&app)
                .await;
            move_to(&app, &contact, "Closed – Lost", Some("Price"), None)
                .await
                .data();
        }
        const STATS: &str = "query($f: ReasonCodeStatsFilter) { reasonCodeStats(filter: $f, groupBy: []) { count } }";
        let count = async |filter: Value| {
            let data = app.data(STATS, json!({ "f": filter })).await;
            data["reasonCodeStats"]
                .as_array()
                .expect("rows")
                .iter()
                .map(|r| r["count"].as_i64().expect("count"))
                .sum::<i64>()
        };
        assert_eq!(count(json!({ "segmentationIds": [first] })).await, 2);
        assert_eq!(
            count(json!({ "segmentationIds": [second, first, second] })).await,
            3
        );
        let template = app.standard_template_id().await;
        assert_eq!(count(json!({ "templateIds": [template], "outcomes": ["LOST"] })).await, 3);
        assert_eq!(count(json!({ "outcomes": ["WON"] })).await, 0);
        for empty in ["segmentationIds", "ownerIds", "templateIds", "companyIds", "outcomes"] {
            assert_eq!(count(json!({ empty: [] })).await, 0, "{empty}: [] matches nothing");
        }

        // Long lists are bound one value each, up to the statement's limit of binds.
        let segmentations = |n: usize| -> Vec<String> { (1..=n).map(|i| format!("Segmentation:{i}")).collect() };
        assert_eq!(count(json!({ "segmentationIds": segmentations(20_000) })).await, 3);
        let refused = app.graphql(STATS, json!({ "f": { "segmentationIds": segmentations(33_000) } })).await;
        assert_eq!(refused.fields(), fields(&[("filter", "TOO_LONG")]));
    }
);
