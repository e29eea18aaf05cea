//! Contacts through HTTP: nested create, validation, details and their primaries, versions,
//! the list (filters, orders, keyset pages), counts, and batching of nested fields.

use serde_json::{Value, json};

use crate::api_test;
use crate::support::fixtures::CONTACT;
use crate::support::{
    Address, ContactBuilder, TemplateBuilder, TestApp, fields, id_number, snapshot_settings,
};

async fn contact(app: &TestApp, id: &str) -> Value {
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
        let corporate = app.segmentation_id("Corporate Clients").await;
        let business = app.detail_type_id("Business", "EMAIL").await;
        let billing = app.detail_type_id("Billing", "ADDRESS").await;
        let created = ContactBuilder::new("  Ada Lovelace ")
            .full_name("Augusta Ada King")
            .scoring(87.5)
            .segmentation(&corporate)
            .email_of_type("ada@Analytical.ENGINE", &business)
            .primary_email("ada.king@example.org")
            .address(
                Address::new("12 St James's Square", "SW1Y 4JH", "St James's")
                    .country("gb")
                    .city("London")
                    .of_type(&billing),
            )
            .phone("020 7946 0018")
            .phone("+351 912 345 678")
            .bank_account_with_swift("Main", "gb82 west 1234 5698 7654 32", "westgb2l")
            .create(&app)
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
        let new_lead = id_number(&app.step_id("New Lead").await);
        assert_eq!(
            app.count(&format!("stage_transitions WHERE from_step_id IS NULL AND to_step_id = {new_lead}")).await,
            1
        );
        let id = created["id"].as_str().expect("id");
        assert_eq!(contact(&app, id).await, created, "reads back the same");
        snapshot_settings().bind(|| insta::assert_json_snapshot!("created_contact", created));
    }
);

api_test!(
    async fn every_invalid_detail_is_reported_with_its_path(app) {
        let query = "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }";
        let other = app.create_company("Other", "OTH").await;
        let foreign_segment = app.create_segmentation("Theirs", Some(&other)).await;
        let business_email = app.detail_type_id("Business", "EMAIL").await;
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
                    "phones": [{ "number": "12" }, { "number": "912 345 678" }, { "number": "+351 912 345 678", "typeId": business_email }],
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
        snapshot_settings().bind(|| insta::assert_json_snapshot!("invalid_contact_errors", response.body["errors"]));
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
        let id = ContactBuilder::new("Ada").create_id(&app).await;
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
        assert_eq!(duplicate.conflict_field(), "email");
    }
);

api_test!(
    async fn phones_addresses_and_bank_accounts_have_their_own_mutations(app) {
        let id = ContactBuilder::new("Ada").create_id(&app).await;
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
        let mobile = app.detail_type_id("Mobile", "PHONE").await;
        let phone = app
            .data(
                "mutation($c: ID!, $t: ID) { addContactPhone(contactId: $c, input: { number: \"912 345 678\", typeId: $t }) { id number isPrimary type { name } } }",
                json!({ "c": id, "t": mobile }),
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
        let id = ContactBuilder::new("Ada").full_name("Ada King").scoring(3.0).create_id(&app).await;
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
        let arch = app.create_company("Arch", "ARCH").await;
        let other = app.create_company("Other", "OTH").await;
        let account = app.create_account("Arch Towers", Some(&arch)).await;
        let template = TemplateBuilder::new("Arch flow")
            .company(&arch)
            .default_of_scope(true)
            .category("Start", ["Met"])
            .create_id(&app)
            .await;

        let ada = ContactBuilder::new("Ada").company(&arch).account(&account).create(&app).await;
        assert_eq!(ada["lifecycleTemplate"]["name"], "Arch flow", "the company's default lifecycle");
        assert_eq!(ada["currentStep"]["name"], "Met");
        assert_eq!(ada["accounts"], json!([{ "name": "Arch Towers" }]));
        let bo = ContactBuilder::new("Bo").company(&other).create(&app).await;
        assert_eq!(bo["lifecycleTemplate"]["name"], "Standard Sales Lifecycle", "tenant-wide default");

        let wrong = ContactBuilder::new("Cy")
            .company(&other)
            .account(&account)
            .lifecycle_template(&template)
            .try_create(&app)
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
        assert_eq!(contact(&app, ada["id"].as_str().expect("id")).await["company"]["id"], arch);

        let timing = app.reason_code_id("Timing").await;
        let archived = app
            .data("mutation($id: ID!) { archiveReasonCode(id: $id) { id } }", json!({ "id": timing }))
            .await;
        assert!(archived["archiveReasonCode"]["id"].is_string());
        let response = app
            .graphql(
                "mutation($id: ID!, $r: ID) { updateContact(id: $id, input: { reasonCodeId: $r }) { id } }",
                json!({ "id": bo["id"], "r": timing }),
            )
            .await;
        assert_eq!(response.fields(), fields(&[("reasonCodeId", "ARCHIVED")]));
    }
);

api_test!(
    async fn purging_a_deleted_contact_removes_everything_it_owns(app) {
        let id = ContactBuilder::new("Ada")
            .email("a@x.io")
            .phone("+351912345678")
            .address(Address::new("A", "1", "L"))
            .bank_account("B", "PT50000201231234567890154")
            .create_id(&app)
            .await;
        let account = app.create_account("Acme", None).await;
        app.data(
            "mutation($c: ID!, $a: [ID!]!) { setContactAccounts(contactId: $c, accountIds: $a) { accounts { name } } }",
            json!({ "c": id, "a": [account] }),
        )
        .await;
        let deleted = app
            .data("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": id }))
            .await;
        assert_eq!(deleted["deleteContact"], id);
        // In the trash, everything is kept.
        for table in ["contact_records", "contact_emails", "contact_phones", "contact_addresses", "contact_bank_accounts", "contact_accounts", "stage_transitions"] {
            assert_eq!(app.count(table).await, 1, "{table}");
        }
        let purged = app
            .data("mutation($id: ID!) { purgeContact(id: $id) }", json!({ "id": id }))
            .await;
        assert_eq!(purged["purgeContact"], id);
        for table in ["contact_records", "contact_emails", "contact_phones", "contact_addresses", "contact_bank_accounts", "contact_accounts", "stage_transitions"] {
            assert_eq!(app.count(table).await, 0, "{table}");
        }
        assert_eq!(app.count("accounts").await, 1, "the account itself stays");
        let again = app
            .graphql("mutation($id: ID!) { purgeContact(id: $id) }", json!({ "id": id }))
            .await;
        assert_eq!(again.code(), "NOT_FOUND");
    }
);

api_test!(
    async fn a_null_type_id_clears_the_type_of_every_detail_kind(app) {
        let business = app.detail_type_id("Business", "EMAIL").await;
        let mobile = app.detail_type_id("Mobile", "PHONE").await;
        let created = ContactBuilder::new("Ada")
            .email_of_type("ada@example.org", &business)
            .phone_of_type("+351 912 345 678", &mobile)
            .create(&app)
            .await;
        let email = created["emails"][0]["id"].clone();
        let phone = created["phones"][0]["id"].clone();
        assert_eq!(created["emails"][0]["type"]["name"], "Business");
        assert_eq!(created["phones"][0]["type"]["name"], "Mobile");

        let cleared = app
            .data(
                "mutation($email: ID!, $phone: ID!) {
                    updateContactEmail(id: $email, input: { typeId: null }) { email type { name } }
                    updateContactPhone(id: $phone, input: { typeId: null }) { number type { name } }
                }",
                json!({ "email": email, "phone": phone }),
            )
            .await;
        assert_eq!(
            cleared["updateContactEmail"],
            json!({ "email": "ada@example.org", "type": null })
        );
        assert_eq!(
            cleared["updateContactPhone"],
            json!({ "number": "+351912345678", "type": null })
        );

        // An absent typeId keeps the type.
        let kept = app
            .data(
                "mutation($email: ID!, $type: ID!) {
                    set: updateContactEmail(id: $email, input: { typeId: $type }) { type { name } }
                    keep: updateContactEmail(id: $email, input: { email: \"ada@lovelace.org\" }) { email type { name } }
                }",
                json!({ "email": email, "type": business }),
            )
            .await;
        assert_eq!(
            kept["keep"],
            json!({ "email": "ada@lovelace.org", "type": { "name": "Business" } })
        );
    }
);

api_test!(
    async fn a_bad_detail_id_is_reported_with_the_inputs_other_problems(app) {
        let bad_id = app
            .graphql(
                "mutation { updateContactEmail(id: \"Contact:1\", input: { email: \"not an email\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(
            bad_id.fields(),
            fields(&[("id", "WRONG_ID_TYPE"), ("email", "INVALID")])
        );
        let bad_contact = app
            .graphql(
                "mutation { addContactBankAccount(contactId: \"x\", input: { name: \"\", iban: \"GB00\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(
            bad_contact.fields(),
            fields(&[("contactId", "INVALID_ID"), ("name", "REQUIRED"), ("iban", "INVALID")])
        );
        // A bank account's input is judged before the contact is looked up.
        let unknown_contact = app
            .graphql(
                "mutation { addContactBankAccount(contactId: \"Contact:999\", input: { name: \"Main\", iban: \"GB00\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(unknown_contact.fields(), fields(&[("iban", "INVALID")]));
    }
);
