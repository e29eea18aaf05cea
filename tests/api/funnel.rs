//! `lifecycleFunnel` against a funnel computed here, independently, from the stage history the
//! API shows for the same contacts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike as _, Utc};
use serde_json::{Value, json};

use crate::api_test;
use crate::support::{ContactBuilder, TestApp, fields};

const FUNNEL: &str = "query($template: ID!, $filter: LifecycleFunnelFilter) {
    lifecycleFunnel(templateId: $template, filter: $filter) {
        step { id name } reached current conversionRate completedStays averageDwellSeconds medianDwellSeconds } }";

const HISTORIES: &str = "query($after: String) { contacts(first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { company { id } currentStep { id }
        stageHistory(first: 100) { edges { node { toStep { id } occurredAt dwellSeconds } } } } } } }";

/// One contact's moves, oldest first.
struct Journey {
    company: Option<String>,
    current: Option<String>,
    moves: Vec<(String, DateTime<Utc>, Option<i64>)>,
}

async fn journeys(app: &TestApp) -> Vec<Journey> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app.data(HISTORIES, json!({ "after": after })).await;
        for edge in page["contacts"]["edges"].as_array().expect("edges") {
            let node = &edge["node"];
            let history = node["stageHistory"]["edges"].as_array().expect("history");
            assert!(history.len() < 100, "the whole history fits one page");
            let mut moves: Vec<_> = history
                .iter()
                .map(|e| {
                    let t = &e["node"];
                    let at = t["occurredAt"].as_str().expect("occurredAt");
                    (
                        t["toStep"]["id"].as_str().expect("step").to_owned(),
                        DateTime::parse_from_rfc3339(at).expect("RFC 3339").to_utc(),
                        t["dwellSeconds"].as_i64(),
                    )
                })
                .collect();
            moves.reverse();
            all.push(Journey {
                company: node["company"]["id"].as_str().map(str::to_owned),
                current: node["currentStep"]["id"].as_str().map(str::to_owned),
                moves,
            });
        }
        if page["contacts"]["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = page["contacts"]["pageInfo"]["endCursor"].clone();
    }
}

/// The template's steps in path order, with whether each is a lost step.
async fn path(app: &TestApp, template: &str) -> Vec<(String, bool)> {
    let data = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on LifecycleTemplate { categories { steps { id outcome } } } } }",
            json!({ "id": template }),
        )
        .await;
    data["node"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .flat_map(|c| c["steps"].as_array().expect("steps").clone())
        .map(|s| {
            (
                s["id"].as_str().expect("id").to_owned(),
                s["outcome"] == "LOST",
            )
        })
        .collect()
}

/// The funnel by its definition, from the journeys: `(reached, current, stays, average, median)`
/// per step.
fn expected(
    path: &[(String, bool)],
    journeys: &[Journey],
    companies: Option<&[&str]>,
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Value> {
    let position: BTreeMap<&str, usize> = path
        .iter()
        .filter(|(_, lost)| !lost)
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i + 1))
        .collect();
    let mut reached = vec![0_i64; path.len()];
    let mut current = vec![0_i64; path.len()];
    let mut dwells: Vec<Vec<i64>> = vec![Vec::new(); path.len()];
    for journey in journeys {
        if let Some(only) = companies
            && !journey
                .company
                .as_deref()
                .is_some_and(|c| only.contains(&c))
        {
            continue;
        }
        if let Some(at) = path
            .iter()
            .position(|(id, _)| Some(id) == journey.current.as_ref())
        {
            current[at] += 1;
        }
        let mut furthest = 0;
        let mut entered = BTreeSet::new();
        for (i, (step, at, _)) in journey.moves.iter().enumerate() {
            let Some(index) = path.iter().position(|(id, _)| id == step) else {
                continue;
            };
            if *at < window.0 || *at >= window.1 {
                continue;
            }
            entered.insert(index);
            furthest = furthest.max(position.get(step.as_str()).copied().unwrap_or(0));
            if let Some((_, left, _)) = journey.moves.get(i + 1) {
                dwells[index].push((*left - *at).num_seconds());
            }
        }
        for (index, (id, lost)) in path.iter().enumerate() {
            let counts = if *lost {
                entered.contains(&index)
            } else {
                furthest >= position[id.as_str()]
            };
            reached[index] += i64::from(counts);
        }
    }
    path.iter()
        .enumerate()
        .map(|(i, (id, lost))| {
            let next = (!lost)
                .then(|| (i + 1..path.len()).find(|j| !path[*j].1))
                .flatten();
            let mut d = dwells[i].clone();
            d.sort_unstable();
            let n = d.len();
            rounded(json!({
                "step": id,
                "reached": reached[i],
                "current": current[i],
                "conversionRate": next.filter(|_| reached[i] > 0).map(|j| reached[j] as f64 / reached[i] as f64),
                "completedStays": n,
                "averageDwellSeconds": (n > 0).then(|| d.iter().sum::<i64>() as f64 / n as f64),
                "medianDwellSeconds": (n > 0).then(|| (d[(n - 1) / 2] + d[n / 2]) as f64 / 2.0),
            }))
        })
        .collect()
}

/// Rates and times to 6 decimals: a float may lose its last digits on the way through JSON.
fn rounded(mut row: Value) -> Value {
    for key in [
        "conversionRate",
        "averageDwellSeconds",
        "medianDwellSeconds",
    ] {
        if let Some(x) = row[key].as_f64() {
            row[key] = json!((x * 1e6).round() / 1e6);
        }
    }
    row
}

fn actual(funnel: &Value) -> Vec<Value> {
    funnel["lifecycleFunnel"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let mut row = row.clone();
            row["step"] = row["step"]["id"].clone();
            rounded(row)
        })
        .collect()
}

api_test!(
    async fn the_funnel_matches_counts_computed_from_history(app) {
        let summary = rapport::demo::seed(&app.db, 120).await.expect("seed");
        assert!(summary.transitions > 600, "a varied history: {summary:?}");
        let journeys = journeys(&app).await;
        assert_eq!(journeys.len(), 120);
        // Stored dwell times agree with the times of the moves that end them.
        for journey in &journeys {
            for pair in journey.moves.windows(2) {
                assert_eq!(pair[0].2, Some((pair[1].1 - pair[0].1).num_seconds()));
            }
            assert_eq!(journey.moves.last().and_then(|m| m.2), None, "the last stay is open");
        }
        let template = app.standard_template_id().await;
        let steps = path(&app, &template).await;
        let all_time = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);

        let whole = app.data(FUNNEL, json!({ "template": template })).await;
        let rows = actual(&whole);
        assert_eq!(rows, expected(&steps, &journeys, None, all_time));
        assert_eq!(rows[0]["reached"], journeys.iter().filter(|j| !j.moves.is_empty()).count());
        assert!(rows.iter().any(|r| r["medianDwellSeconds"].as_f64().is_some_and(|m| m > 0.0)));

        // Reordering the path changes what "further along" means; progress follows.
        app.data(
            "mutation($c: ID!, $ids: [ID!]!) { reorderLifecycleSteps(categoryId: $c, ids: $ids) { id } }",
            json!({
                "c": app.category_id("Lead Qualification").await,
                "ids": [app.step_id("Qualified").await, app.step_id("Interested").await],
            }),
        )
        .await;
        let reordered = path(&app, &template).await;
        assert_ne!(reordered, steps, "Qualified now comes before Interested");
        let after = app.data(FUNNEL, json!({ "template": template })).await;
        assert_eq!(actual(&after), expected(&reordered, &journeys, None, all_time));
        let steps = reordered;

        // A window and a company: only moves inside it count; `current` is now.
        let times: Vec<DateTime<Utc>> = journeys.iter().flat_map(|j| j.moves.iter().map(|m| m.1)).collect();
        let (first, last) = (*times.iter().min().expect("moves"), *times.iter().max().expect("moves"));
        let from = first + (last - first) / 3;
        let to = first + (last - first) * 2 / 3;
        let company = journeys.iter().find_map(|j| j.company.clone()).expect("a company contact");
        let filtered = app
            .data(
                FUNNEL,
                json!({ "template": template, "filter": {
                    "companyIds": [company], "from": from.to_rfc3339(), "to": to.to_rfc3339() } }),
            )
            .await;
        assert_eq!(
            actual(&filtered),
            expected(&steps, &journeys, Some(&[company.as_str()]), (from, to))
        );

        // Windows are cut into whole months (kept per contact) and partial ends (read from the
        // moves): on month boundaries, within one month, open at either end.
        let month = |at: DateTime<Utc>, ahead: u32| {
            let first = at.date_naive().with_day(1).expect("day 1") + chrono::Months::new(ahead);
            first.and_time(chrono::NaiveTime::MIN).and_utc()
        };
        let windows = [
            (Some(from), Some(to)),
            (Some(month(first, 2)), Some(month(first, 8))),
            (Some(month(first, 3) + chrono::TimeDelta::days(3)), Some(month(first, 3) + chrono::TimeDelta::days(20))),
            (Some(month(first, 1) - chrono::TimeDelta::hours(1)), Some(month(first, 2) + chrono::TimeDelta::hours(1))),
            (Some(from), None),
            (None, Some(to)),
        ];
        for (from, to) in windows {
            let funnel = app
                .data(FUNNEL, json!({ "template": template, "filter": {
                    "from": from.map(|f| f.to_rfc3339()), "to": to.map(|t| t.to_rfc3339()) } }))
                .await;
            let window = (from.unwrap_or(DateTime::<Utc>::MIN_UTC), to.unwrap_or(DateTime::<Utc>::MAX_UTC));
            assert_eq!(actual(&funnel), expected(&steps, &journeys, None, window), "window {from:?} to {to:?}");
        }

        // Moves made now keep this month's progress: forward, back, forward again.
        let ids: Vec<String> = app.data("{ contacts(first: 5) { edges { node { id } } } }", json!({})).await
            ["contacts"]["edges"].as_array().expect("edges").iter()
            .map(|e| e["node"]["id"].as_str().expect("id").to_owned()).collect();
        for (i, contact) in ids.iter().enumerate() {
            let route: &[&str] = if i % 2 == 0 { &["Proposal Sent", "Contacted", "Interested"] } else { &["New Lead"] };
            for step in route {
                app.graphql(
                    "mutation($input: MoveContactToStepInput!) { moveContactToStep(input: $input) { id } }",
                    json!({ "input": { "contactId": contact, "stepId": app.step_id(step).await } }),
                )
                .await;
            }
        }
        let journeys = self::journeys(&app).await;
        let now = Utc::now();
        for from in [month(now, 0), month(first, 2)] {
            let funnel = app
                .data(FUNNEL, json!({ "template": template, "filter": { "from": from.to_rfc3339() } }))
                .await;
            assert_eq!(actual(&funnel), expected(&steps, &journeys, None, (from, DateTime::<Utc>::MAX_UTC)), "since {from}");
        }
    }
);

api_test!(
    async fn moves_close_the_stay_they_end(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        app.move_contact(&contact, &app.step_id("Contacted").await).await;
        let data = app
            .data(
                "query($id: ID!) { contact(id: $id) { stageHistory(first: 5) { edges { node { toStep { name } dwellSeconds } } } } }",
                json!({ "id": contact }),
            )
            .await;
        let stays: Vec<Value> = data["contact"]["stageHistory"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        assert_eq!(stays[0], json!({ "toStep": { "name": "Contacted" }, "dwellSeconds": null }));
        assert_eq!(stays[1]["toStep"]["name"], "New Lead");
        assert!(stays[1]["dwellSeconds"].as_i64().is_some_and(|s| s >= 0), "{stays:?}");

        let funnel = app.data(FUNNEL, json!({ "template": app.standard_template_id().await })).await;
        let rows = actual(&funnel);
        assert_eq!((rows[0]["reached"].clone(), rows[0]["current"].clone()), (json!(1), json!(0)));
        assert_eq!((rows[1]["reached"].clone(), rows[1]["current"].clone()), (json!(1), json!(1)));
        assert_eq!(rows[0]["completedStays"], 1);
        assert_eq!(rows[1]["completedStays"], 0);
        assert_eq!(rows[1]["medianDwellSeconds"], Value::Null);
    }
);

api_test!(
    async fn funnel_arguments_are_checked(app) {
        let response = app
            .graphql(
                FUNNEL,
                json!({ "template": "LifecycleTemplate:999", "filter": {
                    "companyIds": ["Segmentation:1"],
                    "from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z" } }),
            )
            .await;
        assert_eq!(
            response.fields(),
            fields(&[
                ("filter.companyIds[0]", "WRONG_ID_TYPE"),
                ("filter.to", "OUT_OF_RANGE"),
                ("templateId", "NOT_FOUND"),
            ])
        );
    }
);

api_test!(
    async fn kept_progress_follows_a_step_turned_into_an_exit(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let interested = app.step_id("Interested").await;
        app.move_contact(&contact, &interested).await;
        app.move_contact(&contact, &app.step_id("Contacted").await).await;
        // Interested (entered, left) becomes a lost step: the contact got only as far as Contacted.
        app.data(
            "mutation($id: ID!) { updateLifecycleStep(id: $id, input: { outcome: LOST }) { outcome } }",
            json!({ "id": interested }),
        )
        .await;
        let template = app.standard_template_id().await;
        let whole = actual(&app.data(FUNNEL, json!({ "template": template })).await);
        let window = json!({ "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z" });
        let windowed = actual(
            &app.data(FUNNEL, json!({ "template": template, "filter": window })).await,
        );
        assert_eq!(whole, windowed, "kept progress and the moves agree");
        let reached: Vec<i64> = whole.iter().map(|r| r["reached"].as_i64().expect("reached")).collect();
        assert_eq!(&reached[..4], &[1, 1, 1, 0], "New Lead, Contacted, Interested (an exit now), Qualified");
    }
);

api_test!(
    async fn new_contacts_count_at_their_first_step_however_they_are_created(app) {
        ContactBuilder::new("Ada").create_id(&app).await;
        let map = json!([{ "column": "Name", "field": "NAME" }]);
        let import = crate::support::imports::imported(&app, None, "Name\nBob\nCyd\n", json!({ "mapping": map })).await;
        assert_eq!(import["created"], 2, "{import}");
        let template = app.standard_template_id().await;
        let whole = actual(&app.data(FUNNEL, json!({ "template": template })).await);
        let window = json!({ "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z" });
        let windowed = actual(&app.data(FUNNEL, json!({ "template": template, "filter": window })).await);
        assert_eq!(whole, windowed, "kept progress and the moves agree");
        let reached: Vec<i64> = whole.iter().map(|r| r["reached"].as_i64().expect("reached")).collect();
        let current: Vec<i64> = whole.iter().map(|r| r["current"].as_i64().expect("current")).collect();
        assert_eq!((reached[0], reached[1]), (3, 0), "all three reached New Lead, none went further");
        assert_eq!(current[0], 3);
    }
);
