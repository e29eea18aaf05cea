//! The contact list: every filter, every order, keyset pages under concurrent inserts, counts,
//! and the number of SQL statements a page of fully nested contacts costs.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::uploads::PDF;
use crate::support::{Address, ContactBuilder, TestApp, fields, id_number};

async fn names(app: &TestApp, filter: Value, order: Value) -> Vec<String> {
    let data = app
        .data(
            "query($f: ContactFilter, $o: ContactOrder) { contacts(filter: $f, orderBy: $o, first: 200) { totalCount edges { node { name } } } }",
            json!({ "f": filter, "o": order }),
        )
        .await;
    let list: Vec<String> = data["contacts"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
        .collect();
    assert_eq!(
        data["contacts"]["totalCount"],
        json!(list.len()),
        "totalCount matches"
    );
    list
}

fn sorted(mut names: Vec<&str>) -> Vec<String> {
    names.sort();
    names.into_iter().map(str::to_owned).collect()
}

/// What [`known_data`] made, by its part in the data set.
struct Known {
    arch: String,
    nws: String,
    owner: String,
    account: String,
}

/// A known data set: two companies, tenant-wide contacts, details, accounts and statuses.
async fn known_data(app: &TestApp) -> Known {
    let arch = app.create_company("Arch", "ARCH").await;
    let nws = app.create_company("Northwind", "NWS").await;
    let owner = app.create_user("Owner", "owner@x.io", None).await;
    let account = app.create_account("Acme", None).await;
    let corporate = app.segmentation_id("Corporate Clients").await;
    let individual = app.segmentation_id("Individual Clients").await;
    let contacts = [
        ContactBuilder::new("Ada")
            .company(&arch)
            .scoring(90.0)
            .segmentation(&corporate)
            .owner(&owner)
            .email("ada@lovelace.io")
            .phone("+351912000111"),
        ContactBuilder::new("ada")
            .company(&arch)
            .scoring(10.0)
            .account(&account),
        ContactBuilder::new("Bob")
            .company(&nws)
            .full_name("Robert Moses")
            .segmentation(&individual)
            .email("bob@moses.dev"),
        ContactBuilder::new("carol")
            .company(&nws)
            .scoring(55.5)
            .phone("+442079460018"),
        ContactBuilder::new("Dave")
            .full_name("David Tenant")
            .scoring(55.5)
            .account(&account),
        ContactBuilder::new("Éva").full_name("Éva Wide"),
        ContactBuilder::new("50% off").owner(&owner),
    ];
    for contact in contacts {
        contact.create(app).await;
    }
    // Close two contacts directly; moving along the lifecycle is another feature.
    let won = id_number(&app.step_id("Closed – Won").await);
    let lost = id_number(&app.step_id("Closed – Lost").await);
    let need = id_number(&app.reason_code_id("Need").await);
    app.exec_sql(&format!(
        "UPDATE contact_records SET status = 'WON', current_step_id = {won} WHERE name = 'Bob'; \
         UPDATE contact_records SET status = 'LOST', current_step_id = {lost}, reason_code_id = {need} WHERE name = 'carol';",
    ))
    .await;
    Known {
        arch,
        nws,
        owner,
        account,
    }
}

api_test!(
    async fn every_filter_narrows_the_list(app) {
        let Known { arch, nws, owner, account } = known_data(&app).await;
        let corporate = app.segmentation_id("Corporate Clients").await;
        let individual = app.segmentation_id("Individual Clients").await;
        let need = app.reason_code_id("Need").await;
        let standard = app.standard_template_id().await;
        let won = app.step_id("Closed – Won").await;
        let conversion = app.category_id("Conversion").await;
        let lead_generation = app.category_id("Lead Generation").await;
        let all = sorted(vec!["Ada", "ada", "Bob", "carol", "Dave", "Éva", "50% off"]);
        assert_eq!(names(&app, json!(null), json!(null)).await, all, "default order: name, then id");

        let cases: Vec<(Value, Vec<&str>)> = vec![
            (json!({ "search": "ADA" }), vec!["Ada", "ada"]),
            (json!({ "search": "moses" }), vec!["Bob"]),
            (json!({ "search": "lovelace.IO" }), vec!["Ada"]),
            (json!({ "search": "912 000" }), vec!["Ada"]),
            (json!({ "search": "0% o" }), vec!["50% off"]),
            (json!({ "search": "%" }), vec!["50% off"]),
            (json!({ "companyIds": [arch] }), vec!["Ada", "ada", "Dave", "Éva", "50% off"]),
            (json!({ "companyIds": [arch], "includeTenantWide": false }), vec!["Ada", "ada"]),
            (json!({ "companyIds": [arch, nws], "includeTenantWide": false }), vec!["Ada", "ada", "Bob", "carol"]),
            (json!({ "includeTenantWide": false }), vec!["Ada", "ada", "Bob", "carol"]),
            (json!({ "status": ["WON", "LOST"] }), vec!["Bob", "carol"]),
            (json!({ "status": ["OPEN"] }), vec!["Ada", "ada", "Dave", "Éva", "50% off"]),
            (json!({ "segmentationIds": [corporate, individual] }), vec!["Ada", "Bob"]),
            (json!({ "reasonCodeIds": [need] }), vec!["carol"]),
            (json!({ "ownerIds": [owner] }), vec!["Ada", "50% off"]),
            (json!({ "accountIds": [account] }), vec!["ada", "Dave"]),
            (json!({ "lifecycleTemplateIds": [standard] }), vec!["Ada", "ada", "Bob", "carol", "Dave", "Éva", "50% off"]),
            (json!({ "stepIds": [won] }), vec!["Bob"]),
            (json!({ "categoryIds": [conversion] }), vec!["Bob", "carol"]),
            (json!({ "categoryIds": [lead_generation] }), vec!["Ada", "ada", "Dave", "Éva", "50% off"]),
            (json!({ "scoringMin": 55.5 }), vec!["Ada", "carol", "Dave"]),
            (json!({ "scoringMin": 10, "scoringMax": 55.5 }), vec!["ada", "carol", "Dave"]),
            (json!({ "hasEmail": true }), vec!["Ada", "Bob"]),
            (json!({ "hasEmail": false, "hasPhone": false }), vec!["ada", "Dave", "Éva", "50% off"]),
            (json!({ "hasPhone": true }), vec!["Ada", "carol"]),
            (json!({ "createdFrom": "2000-01-01T00:00:00Z", "createdTo": "2999-01-01T00:00:00Z" }), vec!["Ada", "ada", "Bob", "carol", "Dave", "Éva", "50% off"]),
            (json!({ "createdTo": "2000-01-01T00:00:00Z" }), vec![]),
            (json!({ "updatedFrom": "2999-01-01T00:00:00Z" }), vec![]),
        ];
        for (filter, expected) in cases {
            assert_eq!(names(&app, filter.clone(), json!(null)).await, sorted(expected), "{filter}");
        }

        let bad = app
            .graphql(
                "query { contacts(filter: { companyIds: [\"User:1\"], ownerIds: [\"x\"] }, first: 201) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            bad.fields(),
            fields(&[("filter.companyIds[0]", "WRONG_ID_TYPE"), ("filter.ownerIds[0]", "INVALID_ID"), ("first", "OUT_OF_RANGE")])
        );

        let counts = app
            .data("{ contactCounts { total open closed won lost } }", json!({}))
            .await;
        assert_eq!(counts["contactCounts"], json!({ "total": 7, "open": 5, "closed": 2, "won": 1, "lost": 1 }));
        let counts = app
            .data("query($c: [ID!]) { contactCounts(filter: { companyIds: $c, includeTenantWide: false }) { total closed } }", json!({ "c": [nws] }))
            .await;
        assert_eq!(counts["contactCounts"], json!({ "total": 2, "closed": 2 }));
    }
);

api_test!(
    async fn every_order_sorts_with_empty_values_last(app) {
        known_data(&app).await;
        let order = |field: &str, direction: &str| json!({ "field": field, "direction": direction });
        assert_eq!(
            names(&app, json!(null), order("NAME", "DESC")).await,
            sorted(vec!["Ada", "ada", "Bob", "carol", "Dave", "Éva", "50% off"]).into_iter().rev().collect::<Vec<_>>()
        );
        // Ties (55.5) break by id in the sort's direction; empty scorings come last both ways.
        let cases = [
            (("SCORING", "ASC"), vec!["ada", "carol", "Dave", "Ada", "Bob", "Éva", "50% off"]),
            (("SCORING", "DESC"), vec!["Ada", "Dave", "carol", "ada", "50% off", "Éva", "Bob"]),
            (("FULL_NAME", "ASC"), vec!["Dave", "Bob", "Éva", "Ada", "ada", "carol", "50% off"]),
            (("STATUS", "ASC"), vec!["carol", "Ada", "ada", "Dave", "Éva", "50% off", "Bob"]),
            (("CREATED_AT", "ASC"), vec!["Ada", "ada", "Bob", "carol", "Dave", "Éva", "50% off"]),
            (("CREATED_AT", "DESC"), vec!["50% off", "Éva", "Dave", "carol", "Bob", "ada", "Ada"]),
        ];
        for ((field, direction), expected) in cases {
            assert_eq!(names(&app, json!(null), order(field, direction)).await, expected, "{field} {direction}");
        }
        let updated = names(&app, json!(null), order("UPDATED_AT", "ASC")).await;
        assert_eq!(updated.len(), 7);
        let staged = names(&app, json!(null), order("STAGE_CHANGED_AT", "DESC")).await;
        assert_eq!(staged.len(), 7);
    }
);

/// Walks the whole list in pages of `size`, forwards or backwards, calling `between` after
/// each page; returns the names in list order.
async fn walk(
    app: &TestApp,
    order: Value,
    size: i32,
    backwards: bool,
    between: &mut (dyn FnMut(usize) -> Option<String> + Send),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        let query = if backwards {
            "query($o: ContactOrder, $n: Int, $c: String) { contacts(orderBy: $o, last: $n, before: $c) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
        } else {
            "query($o: ContactOrder, $n: Int, $c: String) { contacts(orderBy: $o, first: $n, after: $c) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
        };
        let data = app
            .data(query, json!({ "o": order, "n": size, "c": cursor }))
            .await;
        let connection = &data["contacts"];
        let mut names: Vec<String> = connection["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
            .collect();
        let info = &connection["pageInfo"];
        let edges = connection["edges"].as_array().expect("edges");
        if let (Some(first), Some(last)) = (edges.first(), edges.last()) {
            // The edges' own cursors are the page's ends: either can continue the walk.
            assert_eq!(first["cursor"], info["startCursor"], "{connection}");
            assert_eq!(last["cursor"], info["endCursor"], "{connection}");
        }
        if backwards {
            names.reverse();
            seen.extend(names);
            if info["hasPreviousPage"] != true {
                break;
            }
            cursor = info["startCursor"].as_str().map(str::to_owned);
        } else {
            seen.extend(names);
            if info["hasNextPage"] != true {
                break;
            }
            cursor = info["endCursor"].as_str().map(str::to_owned);
        }
        if let Some(name) = between(page) {
            ContactBuilder::new(&name).create(app).await;
        }
    }
    if backwards {
        seen.reverse();
    }
    seen
}

api_test!(
    async fn keyset_pages_neither_skip_nor_repeat_while_rows_are_inserted(app) {
        let originals: Vec<String> = (0..23).map(|i| format!("Contact {i:02}")).collect();
        for (i, name) in originals.iter().enumerate() {
            let mut contact = ContactBuilder::new(name);
            if i % 4 != 0 {
                contact = contact.scoring((i % 5) as f64);
            }
            contact.create(&app).await;
        }
        let all_orders = [
            json!({ "field": "NAME", "direction": "ASC" }),
            json!({ "field": "NAME", "direction": "DESC" }),
            json!({ "field": "SCORING", "direction": "DESC" }),
            json!({ "field": "SCORING", "direction": "ASC" }),
            json!({ "field": "CREATED_AT", "direction": "ASC" }),
        ];
        let mut inserted = 0;
        for order in all_orders {
            for backwards in [false, true] {
                let expected = names(&app, json!(null), order.clone()).await;
                // Insert rows that sort before and after the cursor while paging.
                let mut between = |page: usize| {
                    (page < 3).then(|| {
                        inserted += 1;
                        if page.is_multiple_of(2) { format!("AAA new {inserted}") } else { format!("zzz new {inserted}") }
                    })
                };
                let walked = walk(&app, order.clone(), 4, backwards, &mut between).await;
                let mut unique = walked.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), walked.len(), "no row repeats: {order} backwards={backwards}");
                let originals_walked: Vec<&String> = walked.iter().filter(|n| expected.contains(n)).collect();
                assert_eq!(
                    originals_walked,
                    expected.iter().collect::<Vec<_>>(),
                    "every row present before paging is seen once, in order: {order} backwards={backwards}"
                );
            }
        }

        let bad = app
            .graphql("query { contacts(first: 2, last: 2, after: \"nope\") { totalCount } }", json!({}))
            .await;
        assert_eq!(bad.fields(), fields(&[("after", "INVALID"), ("last", "INVALID")]));
        let name_cursor = app
            .data("{ contacts(first: 1) { pageInfo { endCursor } } }", json!({}))
            .await["contacts"]["pageInfo"]["endCursor"]
            .clone();
        let mismatched = app
            .graphql(
                "query($c: String) { contacts(first: 1, after: $c, orderBy: { field: SCORING }) { totalCount } }",
                json!({ "c": name_cursor }),
            )
            .await;
        assert_eq!(mismatched.fields(), fields(&[("after", "INVALID")]), "a cursor belongs to its order");
    }
);

const FULL_PAGE: &str = "query($n: Int) { contacts(first: $n) { totalCount edges { cursor node {
    id name fullName scoring status isClosed version stageChangedAt createdAt updatedAt
    company { id name code } segmentation { id name company { name } } reasonCode { id code company { name } }
    owner { id name company { name } } accounts { id name company { name } }
    lifecycleTemplate { id name categories { id name steps { id name } } }
    currentStep { id name category { id name template { id name } } }
    emails { id email isPrimary type { id name } contact { id } }
    phones { id number isPrimary type { id name } }
    addresses { id address country isPrimary type { id name } }
    bankAccounts { id iban swift }
    documents { id fileName previewUrl uploadedBy { id } }
    primaryEmail { email } primaryPhone { number } primaryAddress { address }
    changes(first: 5) { edges { node { entityType action actor { id } changes { field } } } }
} } } }";

api_test!(
    async fn a_page_costs_the_same_statements_whatever_its_size(app) {
        let company = app.create_company("Arch", "ARCH").await;
        let owner = app.create_user("Owner", "o@x.io", Some(&company)).await;
        let account = app.create_account("Acme", Some(&company)).await;
        let mut segmentations = Vec::new();
        for name in ["Corporate Clients", "Individual Clients", "Government/Public Sector", "Non-Profit"] {
            segmentations.push(app.segmentation_id(name).await);
        }
        let won_reason = app.reason_code_id("Clear Value Proposition").await;
        let business = app.detail_type_id("Business", "EMAIL").await;
        let mobile = app.detail_type_id("Mobile", "PHONE").await;
        let billing = app.detail_type_id("Billing", "ADDRESS").await;
        for i in 0..50 {
            let mut contact = ContactBuilder::new(&format!("Contact {i:02}"))
                .full_name("Full Name")
                .scoring(f64::from(i))
                .segmentation(&segmentations[i as usize % 4])
                .reason_code(&won_reason)
                .owner(&owner)
                .email_of_type(&format!("c{i}@x.io"), &business)
                .email(&format!("c{i}@y.io"))
                .phone_of_type("+351912345678", &mobile)
                .address(Address::new("Rua 1", "1000", "Lisboa").country("PT").of_type(&billing))
                .bank_account("Main", "PT50000201231234567890154");
            if i % 3 != 0 {
                contact = contact.company(&company).account(&account);
            }
            let id = contact.create_id(&app).await;
            if i % 2 == 0 {
                app.uploaded(&id, "offer.pdf", PDF).await;
            }
        }
        let mut costs = Vec::new();
        for size in [5, 50] {
            let before = app.statements.get();
            let data = app.data(FULL_PAGE, json!({ "n": size })).await;
            costs.push(app.statements.get() - before);
            let edges = data["contacts"]["edges"].as_array().expect("edges");
            assert_eq!(edges.len(), size);
            assert!(edges.iter().all(|e| e["node"]["emails"].as_array().map(Vec::len) == Some(2)));
            assert!(edges.iter().any(|e| e["node"]["documents"].as_array().map(Vec::len) == Some(1)));
        }
        assert_eq!(costs[0], costs[1], "statements for 5 and 50 contacts: {costs:?}");
        assert!(costs[1] <= 25, "a small, fixed number of statements: {costs:?}");
    }
);
