//! Exports: `exportContacts` gives a signed link; the file holds every contact the list holds,
//! in its order, with the chosen columns, as CSV or XLSX.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::api_test;
use crate::support::{Address, ContactBuilder, TestApp, TestResponse};

const EXPORT: &str = "query($filter: ContactFilter, $order: ContactOrder, $columns: [ContactColumn!]!, $format: ExportFormat, $bom: Boolean) {
    exportContacts(filter: $filter, orderBy: $order, columns: $columns, format: $format, bom: $bom) { downloadUrl expiresAt } }";

async fn export_url(app: &TestApp, variables: Value) -> String {
    let data = app.data(EXPORT, variables).await;
    data["exportContacts"]["downloadUrl"]
        .as_str()
        .expect("url")
        .to_owned()
}

async fn fetch(app: &TestApp, url: &str) -> TestResponse {
    let request = Request::get(url).body(Body::empty()).expect("request");
    app.send(request).await
}

/// The rows of a CSV file, header first.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

/// The rows of the first sheet of an XLSX file, as text.
fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::Reader as _;
    let mut workbook =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook a reader opens");
    let sheet = workbook
        .worksheet_range("Contacts")
        .expect("a sheet named Contacts");
    sheet
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

/// The names the `contacts` query lists for `filter` and `order`, walking every page.
async fn listed_names(app: &TestApp, filter: &Value, order: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                "query($f: ContactFilter, $o: ContactOrder, $after: String) {
                    contacts(filter: $f, orderBy: $o, first: 200, after: $after) {
                        pageInfo { hasNextPage endCursor } nodes { name } } }",
                json!({ "f": filter, "o": order, "after": after }),
            )
            .await;
        let page = &data["contacts"];
        for node in page["nodes"].as_array().expect("nodes") {
            names.push(node["name"].as_str().expect("name").to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return names;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

api_test!(
    async fn an_export_holds_the_filtered_list_in_its_order_with_the_chosen_columns(app) {
        let arch = app.create_company("Archway", "ARCH").await;
        ContactBuilder::new("Ada")
            .company(&arch)
            .full_name("Ada Lovelace")
            .scoring(4.5)
            .email("ada@archway.test")
            .email("ada.l@archway.test")
            .phone("+34 600 000 001")
            .address(Address::new("Calle Mayor 1", "28001", "Madrid").city("Madrid").country("ES"))
            .bank_account("Main", "ES9121000418450200051332")
            .create_id(&app)
            .await;
        ContactBuilder::new("=HYPERLINK(\"http://evil.test\")")
            .company(&arch)
            .create_id(&app)
            .await;
        ContactBuilder::new("Zoe, \"the\" closer")
            .company(&arch)
            .create_id(&app)
            .await;
        ContactBuilder::new("Tenant-wide Tom").create_id(&app).await;

        let filter = json!({ "companyIds": [arch], "includeTenantWide": false });
        let order = json!({ "field": "NAME", "direction": "DESC" });
        let url = export_url(
            &app,
            json!({ "filter": filter, "order": order,
                    "columns": ["NAME", "PRIMARY_EMAIL", "EMAILS", "PRIMARY_PHONE", "PRIMARY_ADDRESS",
                                "BANK_ACCOUNTS", "COMPANY", "STATUS", "SCORING", "LIFECYCLE", "STEP", "CATEGORY"] }),
        )
        .await;
        let file = fetch(&app, &url).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.header("content-type"), "text/csv; charset=utf-8");
        assert!(file.header("content-disposition").starts_with("attachment; filename=\"contacts-"));
        let rows = csv_rows(&file.bytes);
        assert_eq!(
            rows[0],
            ["Name", "Primary email", "Emails", "Primary phone", "Address", "ZIP code", "Locality",
             "City", "State", "Country", "Bank accounts", "Company", "Status", "Scoring",
             "Lifecycle", "Step", "Category"]
        );
        let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
        let listed = listed_names(&app, &filter, &order).await;
        let neutralised: Vec<String> = listed
            .iter()
            .map(|n| if n.starts_with('=') { format!("'{n}") } else { n.clone() })
            .collect();
        assert_eq!(names, neutralised, "the list's contacts in its order");
        assert!(names.contains(&"'=HYPERLINK(\"http://evil.test\")"), "formulas are neutralised");
        let ada = rows.iter().find(|r| r[0] == "Ada").expect("Ada");
        assert_eq!(
            ada[1..],
            ["ada@archway.test", "ada@archway.test; ada.l@archway.test", "'+34600000001",
             "Calle Mayor 1", "28001", "Madrid", "Madrid", "", "ES", "Main: ES9121000418450200051332",
             "Archway", "OPEN", "4.5", "Standard Sales Lifecycle", "New Lead", "Lead Generation"]
        );

        // The same list as XLSX, read by a spreadsheet reader.
        let url = export_url(
            &app,
            json!({ "filter": filter, "order": order, "columns": ["NAME", "COMPANY", "SCORING"], "format": "XLSX" }),
        )
        .await;
        let file = fetch(&app, &url).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.header("content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let sheet = xlsx_rows(file.bytes);
        assert_eq!(sheet[0], ["Name", "Company", "Scoring"]);
        let sheet_names: Vec<&str> = sheet[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(sheet_names, names);
        let ada = sheet.iter().find(|r| r[0] == "Ada").expect("Ada");
        assert_eq!(ada[1..], ["Archway", "4.5"]);

        // A byte-order mark for Excel, on request.
        let url = export_url(&app, json!({ "columns": ["NAME"], "bom": true })).await;
        let file = fetch(&app, &url).await;
        assert!(file.bytes.starts_with("\u{feff}Name".as_bytes()));
    }
);

api_test!(
    async fn an_export_walks_every_page_of_a_long_list(app) {
        rapport::demo::seed(&app.db, 2_300).await.expect("seed");
        let order = json!({ "field": "CREATED_AT", "direction": "ASC" });
        let filter = json!({ "status": ["OPEN"] });
        let url = export_url(&app, json!({ "filter": filter, "order": order, "columns": ["NAME"] })).await;
        let before = app.statements.get();
        let file = fetch(&app, &url).await;
        let statements = app.statements.get() - before;
        assert_eq!(file.status, StatusCode::OK);
        let rows = csv_rows(&file.bytes);
        let exported: Vec<String> = rows[1..].iter().map(|r| r[0].trim_start_matches('\'').to_owned()).collect();
        let listed = listed_names(&app, &filter, &order).await;
        assert!(listed.len() > 1_000, "more than one export page: {}", listed.len());
        assert_eq!(exported, listed);
        assert!(statements <= 6, "a few statements per page of 1,000, not per contact: {statements}");
    }
);

api_test!(
    async fn export_links_cannot_be_altered_and_bad_columns_are_refused(app) {
        ContactBuilder::new("Ada").create_id(&app).await;
        let url = export_url(&app, json!({ "columns": ["NAME"] })).await;
        assert_eq!(fetch(&app, &url).await.status, StatusCode::OK);
        let tampered = url.replacen("request=", "request=x", 1);
        assert_eq!(fetch(&app, &tampered).await.status, StatusCode::NOT_FOUND);
        let expires: i64 = url
            .split("expires=")
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .and_then(|n| n.parse().ok())
            .expect("expires");
        let extended = url.replace(&format!("expires={expires}"), &format!("expires={}", expires + 60));
        assert_eq!(fetch(&app, &extended).await.status, StatusCode::NOT_FOUND);
        let unsigned = url.split("&expires").next().expect("request").to_owned();
        assert_eq!(fetch(&app, &unsigned).await.status, StatusCode::NOT_FOUND);

        let refused = app
            .graphql(EXPORT, json!({ "columns": [], "order": { "field": "NAME" }, "filter": { "companyIds": ["Contact:1"] } }))
            .await;
        assert_eq!(refused.code(), "BAD_USER_INPUT");
        let paths: Vec<String> = refused.fields().into_iter().map(|(path, _)| path).collect();
        assert!(paths.contains(&"columns".to_owned()), "{paths:?}");
        assert!(paths.iter().any(|p| p.starts_with("filter.")), "{paths:?}");
        let twice = app.graphql(EXPORT, json!({ "columns": ["NAME", "NAME"] })).await;
        assert_eq!(twice.fields(), [("columns[1]".to_owned(), "DUPLICATE".to_owned())]);
        let _ = header::CONTENT_TYPE;
    }
);
