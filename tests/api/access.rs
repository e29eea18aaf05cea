//! Authentication (JWTs from an identity provider, API tokens), roles, company scope, signed
//! document URLs and authenticated subscriptions.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use rapport::auth::Authenticator;
use rapport::http::Access;
use serde_json::{Value, json};

use crate::api_test;
use crate::support::{ContactBuilder, TestApp, TestResponse, idp};

const CONTACTS: &str = "{ contacts { totalCount edges { node { name } } } }";

fn names(body: &Value) -> Vec<String> {
    body["data"]["contacts"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
        .collect()
}

fn code_of(response: &TestResponse) -> String {
    response.json()["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Two companies, a user of every role in the first (and a colleague owning a contact), a
/// contact in each company; made as the local administrator before credentials are required.
struct Team {
    a: String,
    b: String,
    other_sales: String,
    /// Contacts: owned by the colleague, unowned, and one of company B.
    owned_by_other: String,
    unowned: String,
    of_b: String,
}

async fn team(app: &TestApp) -> Team {
    let a = app.create_company("Archway", "ARCH").await;
    let b = app.create_company("Beacon", "BEAC").await;
    for (role, email) in [
        ("ADMIN", "admin@a.test"),
        ("MANAGER", "manager@a.test"),
        ("SALES", "sales@a.test"),
        ("VIEWER", "viewer@a.test"),
    ] {
        create_user(app, email, role, Some(&a)).await;
    }
    let other_sales = create_user(app, "colleague@a.test", "SALES", Some(&a)).await;
    create_user(app, "admin@b.test", "ADMIN", Some(&b)).await;
    let owned_by_other = ContactBuilder::new("Owned")
        .company(&a)
        .owner(&other_sales)
        .create_id(app)
        .await;
    let unowned = ContactBuilder::new("Unowned")
        .company(&a)
        .create_id(app)
        .await;
    let of_b = ContactBuilder::new("Of Beacon")
        .company(&b)
        .create_id(app)
        .await;
    Team {
        a,
        b,
        other_sales,
        owned_by_other,
        unowned,
        of_b,
    }
}

async fn create_user(app: &TestApp, email: &str, role: &str, company: Option<&str>) -> String {
    let input = json!({ "name": email, "email": email, "role": role, "companyId": company });
    let data = app
        .data(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    data["createUser"]["id"].as_str().expect("id").to_owned()
}

/// The app requiring credentials (API tokens only).
fn tokens_only(app: TestApp) -> TestApp {
    app.with_access(Access {
        auth: Authenticator::required(None),
        ..crate::support::test_access()
    })
}

api_test!(
    async fn without_credentials_the_schema_is_not_revealed(app) {
        let app = tokens_only(app);
        for query in ["{ __schema { types { name } } }", "{ contacs { totalCount } }"] {
            let body = json!({ "query": query });
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request");
            let response = app.send(request).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{query}");
            let text = response.json().to_string();
            assert!(!text.contains("Contact") && !text.contains("Did you mean"), "{text}");
            assert_eq!(code_of(&response), "UNAUTHENTICATED");
        }
        let token = app.cli_token("root@tenant.test").await;
        let suggested = app.graphql_with(&token, "{ contacs { totalCount } }", json!({})).await;
        assert!(suggested.json().to_string().contains("contacts"), "signed in, suggestions help");
    }
);

// ---- JWTs ------------------------------------------------------------------------------------

api_test!(
    async fn a_jwt_from_the_identity_provider_signs_its_user_in_and_bad_ones_are_refused(app) {
        let team = team(&app).await;
        let provider = idp::Idp::start().await;
        let app = app.with_access(Access {
            auth: provider.authenticator(),
            ..Access::default()
        });

        let good = idp::signed(&idp::claims("Admin@A.test"), 0);
        let seen = app.graphql_with(&good, CONTACTS, json!({})).await;
        assert_eq!(seen.status, StatusCode::OK);
        let mut seen = names(&seen.json());
        seen.sort();
        assert_eq!(seen, vec!["Owned", "Unowned"], "company A only");
        let _ = team.of_b;

        let now = chrono::Utc::now().timestamp();
        let with = |key: &str, value: Value| {
            let mut claims = idp::claims("admin@a.test");
            claims[key] = value;
            claims
        };
        let refused = [
            ("expired", idp::signed(&with("exp", json!(now - 120)), 0)),
            ("wrong audience", idp::signed(&with("aud", json!("another-api")), 0)),
            ("wrong issuer", idp::signed(&with("iss", json!("https://evil.test")), 0)),
            ("not valid yet", idp::signed(&with("nbf", json!(now + 600)), 0)),
            ("alg none", idp::unsigned(&idp::claims("admin@a.test"))),
            ("unknown kid", idp::signed_as(&idp::claims("admin@a.test"), 1, "key-9")),
            ("signed by another key", idp::signed_as(&idp::claims("admin@a.test"), 1, "key-0")),
            ("unknown user", idp::signed(&idp::claims("nobody@a.test"), 0)),
            ("no user claim", idp::signed(&with("email", Value::Null), 0)),
            ("garbage", "not.a.jwt".to_owned()),
        ];
        for (why, token) in refused {
            let response = app.graphql_with(&token, CONTACTS, json!({})).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{why}");
            assert_eq!(code_of(&response), "UNAUTHENTICATED", "{why}");
            assert_eq!(response.header("www-authenticate"), "Bearer", "{why}");
        }
        let anonymous = app.graphql(CONTACTS, json!({})).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert_eq!(anonymous.code(), "UNAUTHENTICATED");

        // An inactive user is refused even with a valid token.
        app.exec_sql("UPDATE users SET active = FALSE WHERE email = 'viewer@a.test'").await;
        let inactive = idp::signed(&idp::claims("viewer@a.test"), 0);
        let response = app.graphql_with(&inactive, CONTACTS, json!({})).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);

        // The provider rotates its keys: a token with the new kid makes the server refetch.
        let rotated = idp::signed(&idp::claims("admin@a.test"), 1);
        let before = app.graphql_with(&rotated, CONTACTS, json!({})).await;
        assert_eq!(before.status, StatusCode::UNAUTHORIZED);
        provider.rotate();
        let after = app.graphql_with(&rotated, CONTACTS, json!({})).await;
        assert_eq!(after.status, StatusCode::OK, "{}", after.json());
    }
);

// ---- API tokens ------------------------------------------------------------------------------

api_test!(
    async fn api_tokens_act_as_their_user_until_revoked_and_read_only_ones_only_read(app) {
        team(&app).await;
        let app = tokens_only(app);
        let sales = app.cli_token("sales@a.test").await;
        assert!(sales.starts_with("rpt_") && sales.len() >= 4 + 43);

        let created = app
            .graphql_with(
                &sales,
                "mutation { createApiToken(input: { name: \"Dashboard\", readOnly: true }) { secret token { id name prefix readOnly user { email } } } }",
                json!({}),
            )
            .await
            .json();
        let made = &created["data"]["createApiToken"];
        let read_only = made["secret"].as_str().expect("secret").to_owned();
        assert!(read_only.starts_with(made["token"]["prefix"].as_str().expect("prefix")));
        assert_eq!(made["token"]["user"]["email"], "sales@a.test");
        let read_only_id = made["token"]["id"].as_str().expect("id").to_owned();

        // Reads work; every mutation is refused and changes nothing.
        let read = app.graphql_with(&read_only, CONTACTS, json!({})).await;
        assert_eq!(read.json()["data"]["contacts"]["totalCount"], 2);
        let contacts_before = app.count("contacts").await;
        let write = app
            .graphql_with(&read_only, "mutation { createContact(input: { name: \"Nope\" }) { id } }", json!({}))
            .await;
        assert_eq!(code_of(&write), "FORBIDDEN");
        assert!(write.json()["errors"][0]["message"].as_str().unwrap_or_default().contains("read-only"));
        assert_eq!(app.count("contacts").await, contacts_before);

        // The secret is never listed; use is recorded.
        let listed = app
            .graphql_with(&sales, "{ apiTokens { name prefix readOnly lastUsedAt revokedAt } }", json!({}))
            .await
            .json();
        let tokens = listed["data"]["apiTokens"].as_array().expect("list").clone();
        assert_eq!(tokens.len(), 2);
        assert!(!listed.to_string().contains(&read_only));
        assert!(tokens.iter().all(|t| t["lastUsedAt"].is_string()), "{listed}");

        // Another user's tokens are not yours to see or revoke; an administrator's are.
        let viewer = app.cli_token("viewer@a.test").await;
        let theirs = app.graphql_with(&viewer, "{ apiTokens { name } }", json!({})).await.json();
        assert_eq!(theirs["data"]["apiTokens"].as_array().map(Vec::len), Some(1));
        let admin = app.cli_token("admin@a.test").await;
        let all = app.graphql_with(&admin, "{ apiTokens { name } }", json!({})).await.json();
        assert_eq!(all["data"]["apiTokens"].as_array().map(Vec::len), Some(4));

        let revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }";
        let revoked = app.graphql_with(&sales, revoke, json!({ "id": read_only_id })).await.json();
        assert!(revoked["data"]["revokeApiToken"]["revokedAt"].is_string(), "{revoked}");
        let after = app.graphql_with(&read_only, CONTACTS, json!({})).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert_eq!(code_of(&after), "UNAUTHENTICATED");

        // An expired token is refused.
        app.exec_sql("UPDATE api_tokens SET expires_at = '2020-01-01 00:00:00'").await;
        let expired = app.graphql_with(&sales, CONTACTS, json!({})).await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
        let unknown = app.graphql_with("rpt_made-up", CONTACTS, json!({})).await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    }
);

api_test!(
    async fn the_command_line_token_bootstraps_the_first_administrator(app) {
        let app = tokens_only(app);
        let first = app.cli_token("first@tenant.test").await;
        let me = app
            .graphql_with(&first, "{ users { email role company { id } } }", json!({}))
            .await
            .json();
        assert_eq!(me["data"]["users"], json!([{ "email": "first@tenant.test", "role": "ADMIN", "company": null }]));
        let company = app
            .graphql_with(&first, "mutation { createCompany(input: { name: \"Archway\", code: \"ARCH\" }) { name } }", json!({}))
            .await
            .json();
        assert_eq!(company["data"]["createCompany"]["name"], "Archway");
    }
);

// ---- roles: one test per cell of the README's permission matrix -------------------------------

/// What a role tries, and whether it worked (`Ok`) or which code refused it.
async fn attempt(app: &TestApp, team: &Team, row: &str, token: &str) -> Result<(), String> {
    let (query, variables) = match row {
        "read_contacts" => (CONTACTS.to_owned(), json!({})),
        "create_contact" => (
            "mutation($c: ID) { createContact(input: { name: \"New\", companyId: $c }) { id } }".to_owned(),
            json!({ "c": team.a }),
        ),
        "change_unowned_contact" => (
            "mutation($id: ID!) { updateContact(id: $id, input: { scoring: 5 }) { id } }".to_owned(),
            json!({ "id": team.unowned }),
        ),
        "change_others_contact" => (
            "mutation($id: ID!) { updateContact(id: $id, input: { scoring: 5 }) { id } }".to_owned(),
            json!({ "id": team.owned_by_other }),
        ),
        "configure" => (
            "mutation($c: ID) { createSegmentation(input: { name: \"Key accounts\", companyId: $c }) { id } }".to_owned(),
            json!({ "c": team.a }),
        ),
        "manage_users" => (
            "mutation($c: ID) { createUser(input: { name: \"N\", email: \"n@a.test\", role: SALES, companyId: $c }) { id } }".to_owned(),
            json!({ "c": team.a }),
        ),
        "analytics" => ("{ contactStats(groupBy: [STATUS]) { count } }".to_owned(), json!({})),
        "own_tokens" => (
            "mutation { createApiToken(input: { name: \"Mine\" }) { secret } }".to_owned(),
            json!({}),
        ),
        other => panic!("no row {other}"),
    };
    let _ = (&team.b, &team.other_sales);
    let body = app.graphql_with(token, &query, variables).await.json();
    match body["errors"][0]["extensions"]["code"].as_str() {
        None => Ok(()),
        Some(code) => Err(code.to_owned()),
    }
}

/// Rows of tables a row's attempt could change, to prove a refusal changed nothing.
async fn footprint(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in ["contacts", "segmentations", "users", "api_tokens"] {
        counts.push(app.count(table).await);
    }
    counts.push(app.count("contacts WHERE scoring IS NOT NULL").await);
    counts
}

macro_rules! cell {
    ($name:ident, $row:literal, $email:literal, $allowed:literal) => {
        api_test!(
            async fn $name(app) {
                let team = team(&app).await;
                let app = tokens_only(app);
                let token = app.cli_token($email).await;
                let before = footprint(&app).await;
                let outcome = attempt(&app, &team, $row, &token).await;
                if $allowed {
                    assert_eq!(outcome, Ok(()), "{} may {}", $email, $row);
                } else {
                    assert_eq!(outcome, Err("FORBIDDEN".to_owned()), "{} may not {}", $email, $row);
                    assert_eq!(footprint(&app).await, before, "a refusal changes nothing");
                }
            }
        );
    };
}

cell!(admin_reads_contacts, "read_contacts", "admin@a.test", true);
cell!(
    manager_reads_contacts,
    "read_contacts",
    "manager@a.test",
    true
);
cell!(sales_reads_contacts, "read_contacts", "sales@a.test", true);
cell!(
    viewer_reads_contacts,
    "read_contacts",
    "viewer@a.test",
    true
);
cell!(
    admin_creates_contacts,
    "create_contact",
    "admin@a.test",
    true
);
cell!(
    manager_creates_contacts,
    "create_contact",
    "manager@a.test",
    true
);
cell!(
    sales_creates_contacts,
    "create_contact",
    "sales@a.test",
    true
);
cell!(
    viewer_cannot_create_contacts,
    "create_contact",
    "viewer@a.test",
    false
);
cell!(
    admin_changes_unowned_contacts,
    "change_unowned_contact",
    "admin@a.test",
    true
);
cell!(
    manager_changes_unowned_contacts,
    "change_unowned_contact",
    "manager@a.test",
    true
);
cell!(
    sales_changes_unowned_contacts,
    "change_unowned_contact",
    "sales@a.test",
    true
);
cell!(
    viewer_cannot_change_unowned_contacts,
    "change_unowned_contact",
    "viewer@a.test",
    false
);
cell!(
    admin_changes_others_contacts,
    "change_others_contact",
    "admin@a.test",
    true
);
cell!(
    manager_changes_others_contacts,
    "change_others_contact",
    "manager@a.test",
    true
);
cell!(
    sales_cannot_change_others_contacts,
    "change_others_contact",
    "sales@a.test",
    false
);
cell!(
    viewer_cannot_change_others_contacts,
    "change_others_contact",
    "viewer@a.test",
    false
);
cell!(admin_configures, "configure", "admin@a.test", true);
cell!(
    manager_cannot_configure,
    "configure",
    "manager@a.test",
    false
);
cell!(sales_cannot_configure, "configure", "sales@a.test", false);
cell!(viewer_cannot_configure, "configure", "viewer@a.test", false);
cell!(admin_manages_users, "manage_users", "admin@a.test", true);
cell!(
    manager_cannot_manage_users,
    "manage_users",
    "manager@a.test",
    false
);
cell!(
    sales_cannot_manage_users,
    "manage_users",
    "sales@a.test",
    false
);
cell!(
    viewer_cannot_manage_users,
    "manage_users",
    "viewer@a.test",
    false
);
cell!(admin_reads_analytics, "analytics", "admin@a.test", true);
cell!(manager_reads_analytics, "analytics", "manager@a.test", true);
cell!(
    sales_cannot_read_analytics,
    "analytics",
    "sales@a.test",
    false
);
cell!(
    viewer_cannot_read_analytics,
    "analytics",
    "viewer@a.test",
    false
);
cell!(admin_makes_own_tokens, "own_tokens", "admin@a.test", true);
cell!(
    manager_makes_own_tokens,
    "own_tokens",
    "manager@a.test",
    true
);
cell!(sales_makes_own_tokens, "own_tokens", "sales@a.test", true);
cell!(
    viewer_cannot_make_tokens,
    "own_tokens",
    "viewer@a.test",
    false
);

api_test!(
    async fn a_company_administrator_cannot_change_tenant_wide_configuration(app) {
        team(&app).await;
        let app = tokens_only(app);
        let admin = app.cli_token("admin@a.test").await;
        let before = app.count("segmentations").await;
        let response = app
            .graphql_with(&admin, "mutation { createSegmentation(input: { name: \"Everyone\" }) { id } }", json!({}))
            .await;
        assert_eq!(code_of(&response), "FORBIDDEN");
        assert_eq!(app.count("segmentations").await, before);
    }
);

// ---- company scope ---------------------------------------------------------------------------

api_test!(
    async fn records_of_another_company_behave_as_absent(app) {
        let team = team(&app).await;
        let segment_b = app.create_segmentation("Beacon only", Some(&team.b)).await;
        let app = tokens_only(app);
        let admin = app.cli_token("admin@a.test").await;
        let ask = |query: &'static str, variables: Value| {
            let app = &app;
            let admin = admin.clone();
            async move { app.graphql_with(&admin, query, variables).await.json() }
        };

        let one = ask("query($id: ID!) { contact(id: $id) { id } node(id: $id) { id } nodes(ids: [$id]) { id } }", json!({ "id": team.of_b })).await;
        assert_eq!(one["data"], json!({ "contact": null, "node": null, "nodes": [null] }));
        let counts = ask("{ contactCounts { total } contacts { totalCount } }", json!({})).await;
        assert_eq!(counts["data"]["contactCounts"]["total"], 2);
        assert_eq!(counts["data"]["contacts"]["totalCount"], 2);
        let asked_for_b = ask("query($b: ID!) { contacts(filter: { companyIds: [$b] }) { totalCount } }", json!({ "b": team.b })).await;
        assert_eq!(asked_for_b["data"]["contacts"]["totalCount"], 0);
        let lists = ask("{ companies { name } segmentations { name } users { email } }", json!({})).await;
        let text = lists["data"].to_string();
        assert!(!text.contains("Beacon") && !text.contains("admin@b.test"), "{text}");

        let update = ask("mutation($id: ID!) { updateContact(id: $id, input: { scoring: 1 }) { id } }", json!({ "id": team.of_b })).await;
        assert_eq!(update["errors"][0]["extensions"]["code"], "NOT_FOUND");
        let delete = ask("mutation($id: ID!) { deleteSegmentation(id: $id) }", json!({ "id": segment_b })).await;
        assert_eq!(delete["errors"][0]["extensions"]["code"], "NOT_FOUND");
        let reference = ask(
            "mutation($a: ID, $s: ID) { createContact(input: { name: \"X\", companyId: $a, segmentationId: $s }) { id } }",
            json!({ "a": team.a, "s": segment_b }),
        )
        .await;
        assert_eq!(reference["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(app.count("contacts").await, 3);
    }
);

api_test!(
    async fn a_user_working_for_further_companies_sees_them_and_only_their_administrators_change_that(app) {
        let team = team(&app).await;
        let c = app.create_company("Cobalt", "COBA").await;
        ContactBuilder::new("Of Cobalt").company(&c).create_id(&app).await;
        let manager = app.data("{ users { id email } }", json!({})).await["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["email"] == "manager@a.test")
            .map(|u| u["id"].as_str().expect("id").to_owned())
            .expect("the manager");
        let app = tokens_only(app);
        let root = app.cli_token("root@tenant.test").await;
        let set = "mutation($u: ID!, $c: [ID!]!) { setUserOtherCompanies(userId: $u, companyIds: $c) { otherCompanies { name } } }";

        let both = app.graphql_with(&root, set, json!({ "u": manager, "c": [team.b, c, team.a] })).await.json();
        assert_eq!(
            both["data"]["setUserOtherCompanies"]["otherCompanies"],
            json!([{ "name": "Beacon" }, { "name": "Cobalt" }]),
            "the user's own company is not listed again: {both}"
        );
        let token = app.cli_token("manager@a.test").await;
        let seen = app.graphql_with(&token, CONTACTS, json!({})).await.json();
        let mut seen = names(&seen);
        seen.sort();
        assert_eq!(seen, ["Of Beacon", "Of Cobalt", "Owned", "Unowned"]);

        // Archway's administrator sees only Archway's memberships and keeps the others.
        let admin = app.cli_token("admin@a.test").await;
        let cleared = app.graphql_with(&admin, set, json!({ "u": manager, "c": [] })).await.json();
        assert_eq!(cleared["data"]["setUserOtherCompanies"]["otherCompanies"], json!([]));
        let kept = app.graphql_with(&root, "{ users { email otherCompanies { name } } }", json!({})).await.json();
        let kept: Vec<&Value> = kept["data"]["users"].as_array().expect("users").iter().filter(|u| u["email"] == "manager@a.test").collect();
        assert_eq!(kept[0]["otherCompanies"], json!([{ "name": "Beacon" }, { "name": "Cobalt" }]));
        let refused = app.graphql_with(&admin, set, json!({ "u": manager, "c": [c] })).await;
        assert_eq!(code_of(&refused), "BAD_USER_INPUT", "Cobalt is not Archway's administrator's");
        let manager_token = app.cli_token("manager@a.test").await;
        let own = app.graphql_with(&manager_token, set, json!({ "u": manager, "c": [] })).await;
        assert_eq!(code_of(&own), "FORBIDDEN", "a manager does not manage users");

        // A tenant-wide user already works for every company; a company worked for cannot go.
        let root_id = app.graphql_with(&root, "{ users { id email } }", json!({})).await.json()["data"]["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["email"] == "root@tenant.test")
            .map(|u| u["id"].as_str().expect("id").to_owned())
            .expect("root");
        let tenant_wide = app.graphql_with(&root, set, json!({ "u": root_id, "c": [c] })).await.json();
        assert_eq!(tenant_wide["errors"][0]["extensions"]["fields"][0]["code"], "INVALID", "{tenant_wide}");
        let delete = app
            .graphql_with(&root, "mutation($c: ID!) { deleteContact(id: $c) }", json!({ "c": team.of_b }))
            .await
            .json();
        assert!(delete["errors"].is_null(), "{delete}");
        let users_of_b = app.graphql_with(&root, "query($b: ID!) { users(companyId: $b, includeTenantWide: false) { id } }", json!({ "b": team.b })).await.json();
        for user in users_of_b["data"]["users"].as_array().expect("users") {
            let gone = app.graphql_with(&root, "mutation($u: ID!) { deleteUser(id: $u) }", json!({ "u": user["id"] })).await.json();
            assert!(gone["errors"].is_null(), "{gone}");
        }
        let company = app.graphql_with(&root, "mutation($b: ID!) { deleteCompany(id: $b) }", json!({ "b": team.b })).await;
        assert_eq!(code_of(&company), "CONFLICT");
        assert!(company.json()["errors"][0]["message"].as_str().unwrap_or_default().contains("working for it"), "{}", company.json());
    }
);

// ---- documents -------------------------------------------------------------------------------

api_test!(
    async fn download_urls_are_signed_and_tampered_or_expired_ones_are_not_found(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let document = app.uploaded(&contact, "offer.pdf", b"%PDF-1.4\n%%EOF\n").await;
        let url = document["downloadUrl"].as_str().expect("url").to_owned();
        assert!(url.contains("expires=") && url.contains("signature="), "{url}");
        let app = tokens_only(app);

        let get = |url: String| {
            let app = &app;
            async move {
                let request = Request::get(url).body(Body::empty()).expect("request");
                app.send(request).await
            }
        };
        assert_eq!(get(url.clone()).await.status, StatusCode::OK, "no header needed");
        let tampered = format!("{}x", url);
        assert_eq!(get(tampered).await.status, StatusCode::NOT_FOUND);
        let expires: i64 = url
            .split("expires=")
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .and_then(|n| n.parse().ok())
            .expect("expires");
        let extended = url.replace(&format!("expires={expires}"), &format!("expires={}", expires + 3600));
        assert_eq!(get(extended).await.status, StatusCode::NOT_FOUND);
        let other = url.replacen(&document["id"].as_str().expect("id").replace(':', "%3A"), "Document:999", 1);
        let other = other.replacen(document["id"].as_str().expect("id"), "Document:999", 1);
        assert_eq!(get(other).await.status, StatusCode::NOT_FOUND);
        let unsigned = url.split('?').next().expect("path").to_owned();
        assert_eq!(get(unsigned.clone()).await.status, StatusCode::UNAUTHORIZED);

        // A bearer header works too.
        let token = app.cli_token("root@tenant.test").await;
        let request = Request::get(unsigned)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        assert_eq!(app.send(request).await.status, StatusCode::OK);
    }
);

// ---- subscriptions ---------------------------------------------------------------------------

// Bad credentials close the socket with 4403; events are limited to the subscriber's companies.
api_test!(
async fn subscriptions_authenticate_in_connection_init_and_see_their_companies_only(app) {
    use futures_util::{SinkExt as _, StreamExt as _};
    use tokio_tungstenite::tungstenite::Message;

    let team = team(&app).await;
    let step = app.step_id("Interested").await;
    let app = tokens_only(app);
    let (address, _server) = app.serve().await;
    let connect = |payload: Value| crate::support::ws::connect(address, Some(payload));

    let mut refused = connect(json!({ "Authorization": "Bearer rpt_made-up" })).await;
    match refused.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 4403),
        other => panic!("expected a 4403 close, got {other:?}"),
    }

    let token = app.cli_token("manager@a.test").await;
    let mut socket = connect(json!({ "Authorization": format!("Bearer {token}") })).await;
    let ack = socket.next().await.expect("ack").expect("ack");
    assert!(ack.to_text().unwrap_or_default().contains("connection_ack"));
    socket
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { contactStageChanged { contact { name } } }" } }).to_string(),
        ))
        .await
        .expect("subscribe");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let root = app.cli_token("root@tenant.test").await;
    for contact in [&team.of_b, &team.unowned] {
        let moved = app
            .graphql_with(
                &root,
                "mutation($c: ID!, $s: ID!) { moveContactToStep(input: { contactId: $c, stepId: $s }) { id } }",
                json!({ "c": contact, "s": step }),
            )
            .await
            .json();
        assert!(moved["errors"].is_null(), "{moved}");
    }
    let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .expect("an event within 5 s")
        .expect("open")
        .expect("message");
    let body: Value = serde_json::from_str(message.to_text().unwrap_or_default()).expect("json");
    assert_eq!(
        body["payload"]["data"]["contactStageChanged"]["contact"]["name"], "Unowned",
        "the move in company B is not sent to a subscriber of company A"
    );
}
);
