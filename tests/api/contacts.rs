//! Contacts through HTTP: nested create, validation, details and their primaries, versions,
//! the list (filters, orders, keyset pages), counts, and batching of nested fields.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::{TestApp, fields};

const CONTACT: &str = "id name fullName scoring status isClosed version stageChangedAt
    company { id } segmentation { name } reasonCode { code } owner { name }
    accounts { name } lifecycleTemplate { name } currentStep { name }
    emails { id email isPrimary type { name } } phones { id number isPrimary type { name } }
    addresses { id address country city zipCode locality isPrimary type { name } }
    bankAccounts { id name iban swift }
    primaryEmail { email } primaryPhone { number } primaryAddress { address }";

pub async fn create_contact(app: &TestApp, input: Value) -> Value {
    let query = format!(
        "mutation($input: CreateContactInput!) {{ createContact(input: $input) {{ {CONTACT} }} }}"
    );
    app.data(&query, json!({ "input": input })).await["createContact"].clone()
}

async fn contact(app: &TestApp, id: &Value) -> Value {
    let query = format!("query($id: ID!) {{ contact(id: $id) {{ {CONTACT} }} }}");
    app.data(&query, json!({ "id": id })).await["contact"].clone()
}

fn emails(contact: &Value) -> Vec<(String, bool)> {
    contact["emails"]
        .as_array()
        .expect("emails")
        .iter()
        .map(|e| {
            (
                e["email"].as_str().unwrap_or_default().to_owned(),
                e["isPrimary"] == true,
            )
        })
        .collect()
}

api_test!(
    async fn create_takes_nested_details_in_one_go(app) {
        let created = create_contact(
            &app,
            json!({
                "name": "  Ada Lovelace ",
                "fullName": "Augusta Ada King",
                "scoring": 87.5,
                "segmentationId": "Segmentation:1",
                "emails": [
                    { "email": "ada@Analytical.ENGINE", "typeId": "DetailType:4" },
                    { "email": "ada.king@example.org", "isPrimary": true }
                ],
                "addresses": [{ "address": "12 St James's Square", "country": "gb", "city": "London", "zipCode": "SW1Y 4JH", "locality": "St James's", "typeId": "DetailType:1" }],
                "phones": [{ "number": "020 7946 0018" }, { "number": "+351 912 345 678" }],
                "bankAccounts": [{ "name": "Main", "iban": "gb82 west 1234 5698 7654 32", "swift": "westgb2l" }]
            }),
        )
        .await;
        assert_eq!(created["name"], "Ada Lovelace", "trimmed");
        assert_eq!(created["version"], 1);
        assert_eq!(created["status"], "OPEN");
        assert_eq!(created["isClosed"], false);
        assert_eq!(created["segmentation"]["name"], "Corporate Clients");
        assert_eq!(
            emails(&created),
            vec![("ada.king@example.org".to_owned(), true), ("ada@analytical.engine".to_owned(), false)],
            "the flagged email is primary and listed first; domains are lower-cased"
        );
        assert_eq!(created["emails"][1]["type"]["name"], "Business");
        assert_eq!(created["primaryEmail"]["email"], "ada.king@example.org");
        // A national number is read in the primary address's country.
        assert_eq!(created["phones"][0]["number"], "+442079460018");
        assert_eq!(created["phones"][0]["isPrimary"], true, "the first phone is primary");
        assert_eq!(created["primaryPhone"]["number"], "+442079460018");
        assert_eq!(created["addresses"][0]["country"], "GB");
        assert_eq!(created["primaryAddress"]["address"], "12 St James's Square");
        assert_eq!(created["bankAccounts"][0]["iban"], "GB82 WEST 1234 5698 7654 32");
        assert_eq!(created["bankAccounts"][0]["swift"], "WESTGB2L");

        // It starts on the first step of the tenant-wide default lifecycle, recorded in history.
        assert_eq!(created["lifecycleTemplate"]["name"], "Standard Sales Lifecycle");
        assert_eq!(created["currentStep"]["name"], "New Lead");
        assert!(created["stageChangedAt"].is_string());
        assert_eq!(
            app.count("stage_transitions WHERE from_step_id IS NULL AND to_step_id = 1").await,
            1
        );
        assert_eq!(contact(&app, &created["id"]).await, created, "reads back the same");
    }
);

api_test!(
    async fn every_invalid_detail_is_reported_with_its_path(app) {
        let query = "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }";
        let other = app
            .data("mutation { createCompany(input: { name: \"Other\", code: \"OTH\" }) { id } }", json!({}))
            .await["createCompany"]["id"]
            .clone();
        let foreign_segment = app
            .data(
                "mutation($c: ID) { createSegmentation(input: { name: \"Theirs\", companyId: $c }) { id } }",
                json!({ "c": other }),
            )
            .await["createSegmentation"]["id"]
            .clone();
        let response = app
            .graphql(
                query,
                json!({ "input": {
                    "name": " ",
                    "scoring": 5,
                    "segmentationId": foreign_segment,
                    "reasonCodeId": "ReasonCode:999",
                    "ownerId": "Company:1",
                    "emails": [{ "email": "ok@example.com" }, { "email": "not an email" }, { "email": "OK@example.com" }],
                    "phones": [{ "number": "12" }, { "number": "912 345 678" }, { "number": "+351 912 345 678", "typeId": "DetailType:4" }],
                    "addresses": [{ "address": "", "country": "Portugal", "zipCode": "1000", "locality": "Lisboa" }],
                    "bankAccounts": [{ "name": "X", "iban": "DE45 5001 0517 5407 3249 31", "swift": "DEUT" }]
                } }),
            )
            .await;
        assert_eq!(
            response.fields(),
            fields(&[
                ("addresses[0].address", "REQUIRED"),
                ("addresses[0].country", "INVALID"),
                ("bankAccounts[0].iban", "INVALID"),
                ("bankAccounts[0].swift", "INVALID"),
                ("emails[1].email", "INVALID"),
                ("emails[2].email", "DUPLICATE"),
                ("name", "REQUIRED"),
                ("ownerId", "WRONG_ID_TYPE"),
                ("phones[0].number", "INVALID"),
                ("phones[1].number", "INVALID"),
                ("phones[2].typeId", "WRONG_KIND"),
                ("reasonCodeId", "NOT_FOUND"),
                ("segmentationId", "WRONG_COMPANY"),
            ])
        );
        assert_eq!(app.count("contacts").await, 0, "nothing was written");
        assert_eq!(app.count("contact_emails").await, 0);

        let two_primaries = app
            .graphql(
                query,
                json!({ "input": { "name": "Bo", "emails": [
                    { "email": "a@x.io", "isPrimary": true }, { "email": "b@x.io", "isPrimary": true }
                ] } }),
            )
            .await;
        assert_eq!(two_primaries.fields(), fields(&[("emails[1].isPrimary", "INVALID")]));
    }
);

api_test!(
    async fn primaries_stay_unique_through_add_mark_and_remove(app) {
        let created = create_contact(&app, json!({ "name": "Ada" })).await;
        let id = created["id"].clone();
        let add = "mutation($c: ID!, $e: String!, $p: Boolean) { addContactEmail(contactId: $c, input: { email: $e, isPrimary: $p }) { id isPrimary contact { version } } }";
        let first = app.data(add, json!({ "c": id, "e": "one@x.io", "p": false })).await["addContactEmail"].clone();
        assert_eq!(first["isPrimary"], true, "the first email is primary whatever was asked");
        assert_eq!(first["contact"]["version"], 2, "a detail change bumps the contact's version");
        let second = app.data(add, json!({ "c": id, "e": "two@x.io", "p": null })).await["addContactEmail"].clone();
        assert_eq!(second["isPrimary"], false);
        let third = app.data(add, json!({ "c": id, "e": "three@x.io", "p": true })).await["addContactEmail"].clone();
        assert_eq!(third["isPrimary"], true);
        assert_eq!(
            emails(&contact(&app, &id).await),
            vec![("three@x.io".into(), true), ("one@x.io".into(), false), ("two@x.io".into(), false)]
        );

        // Marking another primary unmarks the old one.
        app.data(
            "mutation($id: ID!) { updateContactEmail(id: $id, input: { isPrimary: true }) { id } }",
            json!({ "id": second["id"] }),
        )
        .await;
        assert_eq!(
            emails(&contact(&app, &id).await),
            vec![("two@x.io".into(), true), ("one@x.io".into(), false), ("three@x.io".into(), false)]
        );

        // Removing the primary promotes the oldest remaining one.
        app.data("mutation($id: ID!) { removeContactEmail(id: $id) }", json!({ "id": second["id"] }))
            .await;
        assert_eq!(
            emails(&contact(&app, &id).await),
            vec![("one@x.io".into(), true), ("three@x.io".into(), false)]
        );

        // Unmarking the primary hands the flag on; the only one stays primary.
        app.data(
            "mutation($id: ID!) { updateContactEmail(id: $id, input: { isPrimary: false }) { id } }",
            json!({ "id": first["id"] }),
        )
        .await;
        assert_eq!(
            emails(&contact(&app, &id).await),
            vec![("three@x.io".into(), true), ("one@x.io".into(), false)]
        );
        app.data("mutation($id: ID!) { removeContactEmail(id: $id) }", json!({ "id": first["id"] }))
            .await;
        app.data(
            "mutation($id: ID!) { updateContactEmail(id: $id, input: { isPrimary: false }) { id } }",
            json!({ "id": third["id"] }),
        )
        .await;
        assert_eq!(emails(&contact(&app, &id).await), vec![("three@x.io".into(), true)]);

        let duplicate = app.graphql(add, json!({ "c": id, "e": "THREE@x.io", "p": null })).await;
        assert_eq!(duplicate.code(), "CONFLICT");
        assert_eq!(duplicate.error()["extensions"]["field"], "email");
    }
);

api_test!(
    async fn phones_addresses_and_bank_accounts_have_their_own_mutations(app) {
        let id = create_contact(&app, json!({ "name": "Ada" })).await["id"].clone();
        let national = app
            .graphql(
                "mutation($c: ID!) { addContactPhone(contactId: $c, input: { number: \"912 345 678\" }) { id } }",
                json!({ "c": id }),
            )
            .await;
        assert_eq!(national.fields(), fields(&[("number", "INVALID")]), "no country to read it in");

        let address = app
            .data(
                "mutation($c: ID!) { addContactAddress(contactId: $c, input: { address: \"Rua Augusta 1\", country: \"PT\", zipCode: \"1100-048\", locality: \"Baixa\" }) { id isPrimary } }",
                json!({ "c": id }),
            )
            .await["addContactAddress"]
            .clone();
        assert_eq!(address["isPrimary"], true);
        let phone = app
            .data(
                "mutation($c: ID!) { addContactPhone(contactId: $c, input: { number: \"912 345 678\", typeId: \"DetailType:7\" }) { id number isPrimary type { name } } }",
                json!({ "c": id }),
            )
            .await["addContactPhone"]
            .clone();
        assert_eq!(phone["number"], "+351912345678", "read in the primary address's country");
        assert_eq!(phone["type"]["name"], "Mobile");

        let changed = app
            .data(
                "mutation($id: ID!) { updateContactAddress(id: $id, input: { city: \"Lisboa\", country: null }) { city country address } }",
                json!({ "id": address["id"] }),
            )
            .await;
        assert_eq!(
            changed["updateContactAddress"],
            json!({ "city": "Lisboa", "country": null, "address": "Rua Augusta 1" })
        );

        let bank = app
            .data(
                "mutation($c: ID!) { addContactBankAccount(contactId: $c, input: { name: \"Ops\", iban: \"PT50000201231234567890154\" }) { id iban swift } }",
                json!({ "c": id }),
            )
            .await["addContactBankAccount"]
            .clone();
        assert_eq!(bank["iban"], "PT50 0002 0123 1234 5678 9015 4");
        let bad = app
            .graphql(
                "mutation($id: ID!) { updateContactBankAccount(id: $id, input: { iban: \"PT50000201231234567890155\", swift: \"NOPE\" }) { id } }",
                json!({ "id": bank["id"] }),
            )
            .await;
        assert_eq!(bad.fields(), fields(&[("iban", "INVALID"), ("swift", "INVALID")]));
        app.data("mutation($id: ID!) { removeContactBankAccount(id: $id) }", json!({ "id": bank["id"] }))
            .await;
        app.data("mutation($id: ID!) { removeContactPhone(id: $id) }", json!({ "id": phone["id"] }))
            .await;
        let after = contact(&app, &id).await;
        assert_eq!(after["bankAccounts"], json!([]));
        assert_eq!(after["phones"], json!([]));
        assert_eq!(after["version"], 7, "six changes after creation");
    }
);

api_test!(
    async fn stale_versions_conflict_and_change_nothing(app) {
        let id = create_contact(&app, json!({ "name": "Ada", "fullName": "Ada King", "scoring": 3 })).await["id"].clone();
        let update = "mutation($id: ID!, $input: UpdateContactInput!, $v: Int) { updateContact(id: $id, input: $input, expectedVersion: $v) { name fullName scoring version } }";
        let ok = app
            .data(update, json!({ "id": id, "input": { "name": "Ada L.", "scoring": null }, "v": 1 }))
            .await;
        assert_eq!(
            ok["updateContact"],
            json!({ "name": "Ada L.", "fullName": "Ada King", "scoring": null, "version": 2 }),
            "absent keeps, null clears"
        );
        let stale = app
            .graphql(update, json!({ "id": id, "input": { "name": "Lost update" }, "v": 1 }))
            .await;
        assert_eq!(stale.code(), "VERSION_CONFLICT");
        assert_eq!(stale.error()["extensions"]["currentVersion"], 2);
        let stale_detail = app
            .graphql(
                "mutation($c: ID!) { addContactEmail(contactId: $c, input: { email: \"x@y.io\" }, expectedVersion: 1) { id } }",
                json!({ "c": id }),
            )
            .await;
        assert_eq!(stale_detail.code(), "VERSION_CONFLICT");
        let now = contact(&app, &id).await;
        assert_eq!(now["name"], "Ada L.");
        assert_eq!(now["version"], 2);
        assert_eq!(now["emails"], json!([]));
    }
);

api_test!(
    async fn references_must_fit_the_contacts_company(app) {
        let create = "mutation($n: String!, $c: String!) { createCompany(input: { name: $n, code: $c }) { id } }";
        let arch = app.data(create, json!({ "n": "Arch", "c": "ARCH" })).await["createCompany"]["id"].clone();
        let other = app.data(create, json!({ "n": "Other", "c": "OTH" })).await["createCompany"]["id"].clone();
        let account = app
            .data("mutation($c: ID) { createAccount(input: { name: \"Arch Towers\", companyId: $c }) { id } }", json!({ "c": arch }))
            .await["createAccount"]["id"]
            .clone();
        let template = app
            .data(
                "mutation($c: ID) { createLifecycleTemplate(input: { name: \"Arch flow\", companyId: $c, isDefault: true, categories: [{ name: \"Start\", steps: [{ name: \"Met\" }] }] }) { id } }",
                json!({ "c": arch }),
            )
            .await["createLifecycleTemplate"]["id"]
            .clone();

        let ada = create_contact(&app, json!({ "name": "Ada", "companyId": arch, "accountIds": [account] })).await;
        assert_eq!(ada["lifecycleTemplate"]["name"], "Arch flow", "the company's default lifecycle");
        assert_eq!(ada["currentStep"]["name"], "Met");
        assert_eq!(ada["accounts"], json!([{ "name": "Arch Towers" }]));
        let bo = create_contact(&app, json!({ "name": "Bo", "companyId": other })).await;
        assert_eq!(bo["lifecycleTemplate"]["name"], "Standard Sales Lifecycle", "tenant-wide default");

        let wrong = app
            .graphql(
                "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }",
                json!({ "input": { "name": "Cy", "companyId": other, "accountIds": [account], "lifecycleTemplateId": template } }),
            )
            .await;
        assert_eq!(
            wrong.fields(),
            fields(&[("accountIds[0]", "WRONG_COMPANY"), ("lifecycleTemplateId", "WRONG_COMPANY")])
        );

        // Moving Ada to the other company would strand her Arch account and lifecycle.
        let moved = app
            .graphql(
                "mutation($id: ID!, $c: ID) { updateContact(id: $id, input: { companyId: $c }) { id } }",
                json!({ "id": ada["id"], "c": other }),
            )
            .await;
        assert_eq!(moved.fields(), fields(&[("companyId", "WRONG_COMPANY")]));
        assert_eq!(contact(&app, &ada["id"]).await["company"]["id"], arch);

        let archived = app
            .data("mutation { archiveReasonCode(id: \"ReasonCode:2\") { id } }", json!({}))
            .await;
        assert!(archived["archiveReasonCode"]["id"].is_string());
        let response = app
            .graphql(
                "mutation($id: ID!) { updateContact(id: $id, input: { reasonCodeId: \"ReasonCode:2\" }) { id } }",
                json!({ "id": bo["id"] }),
            )
            .await;
        assert_eq!(response.fields(), fields(&[("reasonCodeId", "ARCHIVED")]));
    }
);

api_test!(
    async fn deleting_a_contact_removes_everything_it_owns(app) {
        let created = create_contact(
            &app,
            json!({ "name": "Ada", "accountIds": [], "emails": [{ "email": "a@x.io" }], "phones": [{ "number": "+351912345678" }],
                    "addresses": [{ "address": "A", "zipCode": "1", "locality": "L" }],
                    "bankAccounts": [{ "name": "B", "iban": "PT50000201231234567890154" }] }),
        )
        .await;
        let account = app.data("mutation { createAccount(input: { name: \"Acme\" }) { id } }", json!({})).await["createAccount"]["id"].clone();
        app.data(
            "mutation($c: ID!, $a: [ID!]!) { setContactAccounts(contactId: $c, accountIds: $a) { accounts { name } } }",
            json!({ "c": created["id"], "a": [account] }),
        )
        .await;
        let deleted = app
            .data("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": created["id"] }))
            .await;
        assert_eq!(deleted["deleteContact"], created["id"]);
        for table in ["contacts", "contact_emails", "contact_phones", "contact_addresses", "contact_bank_accounts", "contact_accounts", "stage_transitions"] {
            assert_eq!(app.count(table).await, 0, "{table}");
        }
        assert_eq!(app.count("accounts").await, 1, "the account itself stays");
        let again = app
            .graphql("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": created["id"] }))
            .await;
        assert_eq!(again.code(), "NOT_FOUND");
    }
);
