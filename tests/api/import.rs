//! Imports: a CSV file with a column mapping, checked whole first, then run row by row in the
//! background with per-row outcomes; dry runs, upserts by email, interruption, round trips.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::imports::{IMPORT, START, find, imported, mapping, start};
use crate::support::uploads::multipart;
use crate::support::ws;
use crate::support::{ContactBuilder, TestApp};

async fn names(app: &TestApp) -> Vec<String> {
    let data = app
        .data("{ contacts(first: 200) { nodes { name } } }", json!({}))
        .await;
    data["contacts"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_owned())
        .collect()
}

api_test!(
    async fn good_rows_are_created_and_bad_ones_report_every_problem_without_stopping_the_others(app) {
        app.create_company("Archway", "ARCH").await;
        let csv = "Name,E-mail,Company,Score\n\
                   Ada,ada@archway.test,Archway,4\n\
                   ,not-an-email,Nowhere,lots\n\
                   Bob,bob@archway.test,arch,\n";
        let map = mapping(&[("Name", "NAME"), ("e-mail", "EMAIL"), ("Company", "COMPANY"), ("Score", "SCORING")]);
        let import = imported(&app, None, csv, json!({ "mapping": map })).await;
        assert_eq!(import["status"], "COMPLETED");
        assert_eq!(
            (&import["totalRows"], &import["processedRows"], &import["created"], &import["failed"]),
            (&json!(3), &json!(3), &json!(2), &json!(1))
        );
        let rows = import["rows"].as_array().expect("rows");
        assert_eq!(rows[0]["status"], "CREATED");
        assert!(rows[0]["contactId"].as_str().is_some_and(|id| id.starts_with("Contact:")));
        assert_eq!(rows[1]["status"], "FAILED");
        let mut problems: Vec<(String, String)> = rows[1]["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| (e["path"].as_str().unwrap_or_default().to_owned(), e["code"].as_str().unwrap_or_default().to_owned()))
            .collect();
        problems.sort();
        assert_eq!(
            problems,
            [
                ("Company".to_owned(), "NOT_FOUND".to_owned()),
                ("E-mail".to_owned(), "INVALID".to_owned()),
                ("Name".to_owned(), "REQUIRED".to_owned()),
                ("Score".to_owned(), "INVALID".to_owned()),
            ]
        );
        let mut seen = names(&app).await;
        seen.sort();
        assert_eq!(seen, ["Ada", "Bob"]);
        let bob = app
            .data("{ contacts(filter: { search: \"Bob\" }) { nodes { company { name } primaryEmail { email } } } }", json!({}))
            .await;
        assert_eq!(bob["contacts"]["nodes"][0]["company"]["name"], "Archway", "by code too");
    }
);

api_test!(
    async fn a_dry_run_writes_nothing_and_says_what_would_happen(app) {
        ContactBuilder::new("Ada").email("ada@archway.test").create_id(&app).await;
        let before = app.count("contacts").await;
        let csv = "Name,Email\nAda Lovelace,ADA@archway.test\nCyd,cyd@archway.test\nBad,@\n";
        let map = mapping(&[("Name", "NAME"), ("Email", "EMAIL")]);
        let import = imported(&app, None, csv, json!({ "mapping": map, "mode": "UPSERT_BY_EMAIL", "dryRun": true })).await;
        assert_eq!(import["dryRun"], true);
        let statuses: Vec<&str> = import["rows"].as_array().expect("rows").iter().map(|r| r["status"].as_str().unwrap_or_default()).collect();
        assert_eq!(statuses, ["UPDATED", "CREATED", "FAILED"]);
        assert_eq!((&import["created"], &import["updated"], &import["failed"]), (&json!(1), &json!(1), &json!(1)));
        assert_eq!(app.count("contacts").await, before, "a dry run writes no contact");
        assert_eq!(names(&app).await, ["Ada"]);

        // For real: the contact with the email is updated, the other created.
        let import = imported(&app, None, csv, json!({ "mapping": map, "mode": "UPSERT_BY_EMAIL" })).await;
        assert_eq!((&import["created"], &import["updated"], &import["failed"]), (&json!(1), &json!(1), &json!(1)));
        let mut seen = names(&app).await;
        seen.sort();
        assert_eq!(seen, ["Ada Lovelace", "Cyd"]);
    }
);

api_test!(
    async fn a_file_that_cannot_be_read_is_refused_before_any_row(app) {
        let map = mapping(&[("Name", "NAME")]);
        let code_and_paths = |body: Value| {
            let error = &body["errors"][0]["extensions"];
            let paths: Vec<String> = error["fields"].as_array().map(|f| f.iter().map(|x| x["path"].as_str().unwrap_or_default().to_owned()).collect()).unwrap_or_default();
            (error["code"].as_str().unwrap_or_default().to_owned(), paths)
        };
        let semicolons = start(&app, None, "Name;Email\nAda;ada@x.io\n", json!({ "mapping": map })).await;
        assert_eq!(code_and_paths(semicolons), ("BAD_USER_INPUT".to_owned(), vec!["delimiter".to_owned()]));
        let unmapped = start(&app, None, "Nom\nAda\n", json!({ "mapping": map })).await;
        assert_eq!(code_and_paths(unmapped), ("BAD_USER_INPUT".to_owned(), vec!["mapping[0].column".to_owned()]));
        let request = multipart(START, json!({ "mapping": map, "file": null }), &[("variables.file", "latin1.csv", b"Name\nJos\xe9\n")]);
        let latin1 = app.send(request).await.json();
        assert_eq!(code_and_paths(latin1), ("BAD_USER_INPUT".to_owned(), vec!["file".to_owned()]));
        let semicolons_ok = imported(&app, None, "Name;Email\nAda;ada@x.io\n", json!({ "mapping": mapping(&[("Name", "NAME"), ("Email", "EMAIL")]), "delimiter": ";" })).await;
        assert_eq!(semicolons_ok["created"], 1);
        assert_eq!(app.count("contact_imports").await, 1, "refused files leave no import behind");
    }
);

api_test!(
    async fn an_import_whose_server_stopped_is_reported_as_interrupted(app) {
        // One import whose server went silent two minutes ago, one another server is running.
        let silent = rapport::time::Timestamp(rapport::time::Timestamp::now().0 - chrono::TimeDelta::minutes(2));
        app.exec_sql(&format!(
            "INSERT INTO contact_imports (file_name, mode, dry_run, status, total_rows, processed_rows, created, updated_at)
             VALUES ('big.csv', 'CREATE', FALSE, 'RUNNING', 10, 4, 4, '{}')",
            silent.0.format("%Y-%m-%d %H:%M:%S")
        ))
        .await;
        app.exec_sql(
            "INSERT INTO contact_imports (file_name, mode, dry_run, status, total_rows, processed_rows, created)
             VALUES ('running.csv', 'CREATE', FALSE, 'RUNNING', 10, 2, 2)",
        )
        .await;
        let marked = rapport::imports::mark_interrupted(&app.db).await.expect("marked");
        assert_eq!(marked, 1);
        let app = &app;
        let status = |n: i64| async move {
            app.data(IMPORT, json!({ "id": format!("ContactImport:{n}") })).await["contactImport"].clone()
        };
        let stopped = status(1).await;
        assert_eq!(stopped["status"], "INTERRUPTED");
        assert_eq!((&stopped["processedRows"], &stopped["created"]), (&json!(4), &json!(4)), "counts stay exact");
        assert_eq!(status(2).await["status"], "RUNNING", "another server's import is left alone");
    }
);

async fn export(app: &TestApp, columns: &Value) -> String {
    let data = app
        .data(
            "query($c: [ContactColumn!]!) { exportContacts(columns: $c) { downloadUrl } }",
            json!({ "c": columns }),
        )
        .await;
    let url = data["exportContacts"]["downloadUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let request = axum::http::Request::get(url)
        .body(axum::body::Body::empty())
        .expect("request");
    String::from_utf8(app.send(request).await.bytes).expect("UTF-8")
}

api_test!(
    async fn an_export_imported_into_an_empty_database_gives_the_same_contacts(app) {
        let arch = app.create_company("Archway", "ARCH").await;
        let segment = app.create_segmentation("Key accounts", Some(&arch)).await;
        let account = app.create_account("Iberia", Some(&arch)).await;
        ContactBuilder::new("Ada")
            .company(&arch)
            .segmentation(&segment)
            .account(&account)
            .full_name("Ada Lovelace")
            .scoring(4.5)
            .email("ada@archway.test")
            .email("ada.l@archway.test")
            .phone("+34 600 000 001")
            .address(crate::support::Address::new("Calle Mayor 1", "28001", "Madrid").city("Madrid").country("ES"))
            .bank_account("Main", "ES9121000418450200051332")
            .create_id(&app)
            .await;
        ContactBuilder::new("=1+1 Bob").email("bob@x.io").create_id(&app).await;
        let columns = json!(["NAME", "FULL_NAME", "SCORING", "COMPANY", "SEGMENTATION", "ACCOUNTS", "EMAILS", "PHONES", "PRIMARY_ADDRESS", "BANK_ACCOUNTS"]);
        let file = export(&app, &columns).await;

        let other = TestApp::sqlite().await;
        let arch2 = other.create_company("Archway", "ARCH").await;
        other.create_segmentation("Key accounts", Some(&arch2)).await;
        other.create_account("Iberia", Some(&arch2)).await;
        let map = mapping(&[
            ("Name", "NAME"), ("Full name", "FULL_NAME"), ("Scoring", "SCORING"), ("Company", "COMPANY"),
            ("Segmentation", "SEGMENTATION"), ("Accounts", "ACCOUNTS"), ("Emails", "EMAILS"), ("Phones", "PHONES"),
            ("Address", "ADDRESS"), ("ZIP code", "ZIP_CODE"), ("Locality", "LOCALITY"), ("City", "CITY"),
            ("State", "STATE"), ("Country", "COUNTRY"), ("Bank accounts", "BANK_ACCOUNTS"),
        ]);
        let import = imported(&other, None, &file, json!({ "mapping": map, "mode": "UPSERT_BY_EMAIL" })).await;
        assert_eq!((&import["created"], &import["failed"]), (&json!(2), &json!(0)), "{import}");
        assert_eq!(export(&other, &columns).await, file, "the same contacts and details");
    }
);

api_test!(
    async fn a_progress_subscription_counts_up_to_the_final_outcome(app) {
        let (address, _server) = app.serve().await;
        let mut csv = String::from("Name,Email\n");
        for i in 0..400 {
            csv.push_str(&format!("Person {i},person{i}@progress.test\n"));
        }
        csv.push_str(",not-an-email\n");
        let map = mapping(&[("Name", "NAME"), ("Email", "EMAIL")]);
        let started = start(&app, None, &csv, json!({ "mapping": map })).await;
        let id = started["data"]["startContactImport"]["id"].clone();
        assert!(id.is_string(), "{started}");

        let query = "subscription($id: ID!) { contactImportProgress(id: $id) { status processedRows created failed } }";
        let mut socket = ws::subscribe(address, None, query, json!({ "id": id })).await;
        let mut events = Vec::new();
        loop {
            let message = ws::next(&mut socket).await;
            if message["type"] == "complete" {
                break;
            }
            assert_eq!(message["type"], "next", "{message}");
            events.push(message["payload"]["data"]["contactImportProgress"].clone());
        }
        let processed: Vec<i64> = events.iter().map(|e| e["processedRows"].as_i64().expect("a count")).collect();
        assert!(processed.windows(2).all(|pair| pair[0] < pair[1]), "{processed:?}");
        let (last, earlier) = events.split_last().expect("at least one event");
        assert!(earlier.iter().all(|e| e["status"] == "RUNNING"), "{events:?}");
        assert_eq!(last, &json!({ "status": "COMPLETED", "processedRows": 401, "created": 400, "failed": 1 }));
        let polled = find(&app, None, &id).await;
        assert_eq!((&polled["processedRows"], &polled["created"]), (&json!(401), &json!(400)));
    }
);

api_test!(
    async fn a_row_updates_the_contact_an_earlier_row_of_the_file_created(app) {
        let csv = "Name,Email,Other emails,Phone\n\
                   Ada,ada@archway.test,,+351 912 345 678\n\
                   Cyd,cyd@archway.test,,\n\
                   Ada King,ADA@archway.test,countess@archway.test,+351 913 000 111\n\
                   Ada Lovelace,countess@archway.test,,\n";
        let map = mapping(&[("Name", "NAME"), ("Email", "EMAIL"), ("Other emails", "EMAILS"), ("Phone", "PHONE")]);
        let dry = imported(&app, None, csv, json!({ "mapping": map, "mode": "UPSERT_BY_EMAIL", "dryRun": true })).await;
        let statuses = |import: &Value| -> Vec<String> {
            import["rows"].as_array().expect("rows").iter().map(|r| r["status"].as_str().unwrap_or_default().to_owned()).collect()
        };
        assert_eq!(statuses(&dry), ["CREATED", "CREATED", "UPDATED", "UPDATED"], "{dry}");
        assert!(dry["rows"].as_array().expect("rows").iter().all(|r| r["contactId"].is_null()), "{dry}");
        assert_eq!(app.count("contacts").await, 0, "a dry run writes no contact");

        let import = imported(&app, None, csv, json!({ "mapping": map, "mode": "UPSERT_BY_EMAIL" })).await;
        assert_eq!(statuses(&import), ["CREATED", "CREATED", "UPDATED", "UPDATED"], "{import}");
        assert_eq!((&import["created"], &import["updated"], &import["failed"]), (&json!(2), &json!(2), &json!(0)));
        let rows = &import["rows"];
        assert_eq!(rows[2]["contactId"], rows[0]["contactId"], "the third row updates the first row's contact");
        assert_eq!(rows[3]["contactId"], rows[0]["contactId"], "by the email the third row added");
        let ada = app
            .data(
                "query($id: ID!) { contact(id: $id) { name emails { email } phones { number isPrimary } } }",
                json!({ "id": rows[0]["contactId"] }),
            )
            .await;
        assert_eq!(ada["contact"]["name"], "Ada Lovelace");
        assert_eq!(ada["contact"]["emails"], json!([{ "email": "ada@archway.test" }, { "email": "countess@archway.test" }]));
        assert_eq!(
            ada["contact"]["phones"],
            json!([{ "number": "+351912345678", "isPrimary": true }, { "number": "+351913000111", "isPrimary": false }])
        );
        assert_eq!(app.count("contacts").await, 2);
    }
);

/// Imports `rows` new contacts with an email, a phone, an address and an account, and returns
/// the statements the import itself cost (without those of polling it).
async fn statements_of_an_import(app: &TestApp, rows: usize, offset: usize) -> u64 {
    let mut csv = String::from("Name,Email,Phone,Address,Zip,Locality,Country,Accounts\n");
    for n in offset..offset + rows {
        csv.push_str(&format!(
            "Contact {n},c{n}@archway.test,+351 91{n:07},Rua {n},1000-001,Lisboa,PT,Retail\n"
        ));
    }
    let map = mapping(&[
        ("Name", "NAME"),
        ("Email", "EMAIL"),
        ("Phone", "PHONE"),
        ("Address", "ADDRESS"),
        ("Zip", "ZIP_CODE"),
        ("Locality", "LOCALITY"),
        ("Country", "COUNTRY"),
        ("Accounts", "ACCOUNTS"),
    ]);
    let before = app.statements.get();
    let started = start(
        app,
        None,
        &csv,
        json!({ "mapping": map, "mode": "UPSERT_BY_EMAIL" }),
    )
    .await;
    assert!(started["errors"].is_null(), "{started}");
    let id = started["data"]["startContactImport"]["id"].clone();
    let mut polls = 0;
    let import = loop {
        let import = find(app, None, &id).await;
        polls += 1;
        if import["status"] != "RUNNING" {
            break import;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let total = app.statements.get() - before;
    let one_poll = {
        let before = app.statements.get();
        find(app, None, &id).await;
        app.statements.get() - before
    };
    assert_eq!(
        (&import["created"], &import["failed"]),
        (&json!(rows), &json!(0)),
        "{import}"
    );
    total - polls * one_poll
}

api_test!(
    async fn an_import_reads_each_record_once_per_batch_and_writes_new_contacts_together(app) {
        app.create_account("Retail", None).await;
        let small = statements_of_an_import(&app, 10, 0).await;
        let large = statements_of_an_import(&app, 100, 10).await;
        if app.db.kind() == rapport::db::BackendKind::Postgres {
            // Multi-row INSERTs: the same statements for 10 rows as for 100.
            assert_eq!(small, large, "statements for 10 and 100 rows");
        } else {
            // SQLite inserts row by row in-process, but reads nothing per row: the contact, its
            // four details, its lifecycle start, its progress ever and of the month, and the
            // row's outcome are nine inserts.
            let per_row = (large - small) as f64 / 90.0;
            assert!(per_row <= 9.0, "{per_row} statements per row: {small} for 10, {large} for 100");
        }
        let inserts_per_row = if app.db.kind() == rapport::db::BackendKind::Postgres { 0 } else { 9 };
        assert!(small <= 40 + 10 * inserts_per_row, "a few statements for a batch: {small}");
    }
);
