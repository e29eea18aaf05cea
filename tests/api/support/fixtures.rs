//! Builders and helpers that arrange records through the API, so a test states only what it
//! is about: `ContactBuilder::new("Ada").email("ada@x.io").company(&arch).create(&app)`.
//!
//! Ids are the API's `Type:number` strings. Every helper fails the test on any error; tests of
//! validation send their odd inputs explicitly.

use serde_json::{Value, json};

use super::{Gql, TestApp};

/// The contact fields every created contact is read back with.
pub const CONTACT: &str = "id name fullName scoring status isClosed version stageChangedAt
    company { id } segmentation { name } reasonCode { code } owner { name }
    accounts { name } lifecycleTemplate { name } currentStep { name }
    emails { id email isPrimary type { name } } phones { id number isPrimary type { name } }
    addresses { id address country city zipCode locality isPrimary type { name } }
    bankAccounts { id name iban swift }
    primaryEmail { email } primaryPhone { number } primaryAddress { address }";

/// A lifecycle template with its whole tree.
pub const TEMPLATE_TREE: &str = "id name isDefault company { id } categories { id name position steps { id name position outcome requiresReason } }";

/// The number of an id such as `Company:7`, for raw SQL.
pub fn id_number(id: &str) -> i64 {
    id.split_once(':')
        .and_then(|(_, number)| number.parse().ok())
        .unwrap_or_else(|| panic!("not an id: {id:?}"))
}

fn id_of(created: &Value) -> String {
    created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {created}"))
        .to_owned()
}

impl TestApp {
    /// Runs `create<Kind>(input: $input)` and returns the new record's id.
    async fn create(&self, kind: &str, input: Value) -> String {
        let query = format!(
            "mutation($input: Create{kind}Input!) {{ created: create{kind}(input: $input) {{ id }} }}"
        );
        id_of(&self.data(&query, json!({ "input": input })).await["created"])
    }

    pub async fn create_company(&self, name: &str, code: &str) -> String {
        self.create("Company", json!({ "name": name, "code": code }))
            .await
    }

    /// A segmentation of `company`, or tenant-wide.
    pub async fn create_segmentation(&self, name: &str, company: Option<&str>) -> String {
        let input = json!({ "name": name, "companyId": company });
        self.create("Segmentation", input).await
    }

    /// An account of `company`, or tenant-wide.
    pub async fn create_account(&self, name: &str, company: Option<&str>) -> String {
        let input = json!({ "name": name, "companyId": company });
        self.create("Account", input).await
    }

    /// A user of `company`, or tenant-wide, with the default role.
    pub async fn create_user(&self, name: &str, email: &str, company: Option<&str>) -> String {
        let input = json!({ "name": name, "email": email, "companyId": company });
        self.create("User", input).await
    }

    /// Moves a contact to a step (no reason, no note, any version).
    pub async fn move_contact(&self, contact: &str, step: &str) {
        self.data(
            "mutation($input: MoveContactToStepInput!) { moveContactToStep(input: $input) { id } }",
            json!({ "input": { "contactId": contact, "stepId": step } }),
        )
        .await;
    }
}

/// A `CreateContactInput`; absent fields take the server's defaults.
#[derive(Debug, Clone)]
pub struct ContactBuilder {
    input: Value,
}

impl ContactBuilder {
    pub fn new(name: &str) -> Self {
        Self {
            input: json!({ "name": name }),
        }
    }

    fn set(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.input[field] = value.into();
        self
    }

    fn push(mut self, list: &str, item: Value) -> Self {
        match &mut self.input[list] {
            Value::Array(items) => items.push(item),
            absent => *absent = json!([item]),
        }
        self
    }

    pub fn full_name(self, full_name: &str) -> Self {
        self.set("fullName", full_name)
    }

    pub fn scoring(self, scoring: f64) -> Self {
        self.set("scoring", scoring)
    }

    pub fn company(self, company: &str) -> Self {
        self.set("companyId", company)
    }

    pub fn segmentation(self, segmentation: &str) -> Self {
        self.set("segmentationId", segmentation)
    }

    pub fn reason_code(self, reason_code: &str) -> Self {
        self.set("reasonCodeId", reason_code)
    }

    pub fn owner(self, user: &str) -> Self {
        self.set("ownerId", user)
    }

    pub fn lifecycle_template(self, template: &str) -> Self {
        self.set("lifecycleTemplateId", template)
    }

    /// Adds an account (`accountIds`).
    pub fn account(self, account: &str) -> Self {
        self.push("accountIds", account.into())
    }

    pub fn email(self, email: &str) -> Self {
        self.push("emails", json!({ "email": email }))
    }

    /// An email of a detail type of kind EMAIL.
    pub fn email_of_type(self, email: &str, detail_type: &str) -> Self {
        self.push("emails", json!({ "email": email, "typeId": detail_type }))
    }

    /// An email sent with `isPrimary: true`.
    pub fn primary_email(self, email: &str) -> Self {
        self.push("emails", json!({ "email": email, "isPrimary": true }))
    }

    pub fn phone(self, number: &str) -> Self {
        self.push("phones", json!({ "number": number }))
    }

    /// A phone of a detail type of kind PHONE.
    pub fn phone_of_type(self, number: &str, detail_type: &str) -> Self {
        self.push("phones", json!({ "number": number, "typeId": detail_type }))
    }

    pub fn address(self, address: Address) -> Self {
        self.push("addresses", address.0)
    }

    pub fn bank_account(self, name: &str, iban: &str) -> Self {
        self.push("bankAccounts", json!({ "name": name, "iban": iban }))
    }

    pub fn bank_account_with_swift(self, name: &str, iban: &str, swift: &str) -> Self {
        let account = json!({ "name": name, "iban": iban, "swift": swift });
        self.push("bankAccounts", account)
    }

    /// Creates the contact and returns it with the [`CONTACT`] fields.
    pub async fn create(self, app: &TestApp) -> Value {
        let query = format!(
            "mutation($input: CreateContactInput!) {{ createContact(input: $input) {{ {CONTACT} }} }}"
        );
        app.data(&query, json!({ "input": self.input })).await["createContact"].clone()
    }

    /// Creates the contact and returns its id.
    pub async fn create_id(self, app: &TestApp) -> String {
        id_of(&self.create(app).await)
    }

    /// Sends the input and returns the answer as it is, for inputs the server refuses.
    pub async fn try_create(self, app: &TestApp) -> Gql {
        let query = "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }";
        app.graphql(query, json!({ "input": self.input })).await
    }
}

/// A `ContactAddressInput`: the three required fields, then optional ones.
#[derive(Debug, Clone)]
pub struct Address(Value);

impl Address {
    pub fn new(address: &str, zip_code: &str, locality: &str) -> Self {
        Self(json!({ "address": address, "zipCode": zip_code, "locality": locality }))
    }

    fn set(mut self, field: &str, value: &str) -> Self {
        self.0[field] = value.into();
        self
    }

    pub fn country(self, country: &str) -> Self {
        self.set("country", country)
    }

    pub fn city(self, city: &str) -> Self {
        self.set("city", city)
    }

    /// A detail type of kind ADDRESS.
    pub fn of_type(self, detail_type: &str) -> Self {
        self.set("typeId", detail_type)
    }
}

/// A `CreateLifecycleTemplateInput`: the whole tree, categories and steps in order.
#[derive(Debug, Clone)]
pub struct TemplateBuilder {
    input: Value,
}

impl TemplateBuilder {
    pub fn new(name: &str) -> Self {
        Self {
            input: json!({ "name": name, "categories": [] }),
        }
    }

    pub fn company(mut self, company: &str) -> Self {
        self.input["companyId"] = company.into();
        self
    }

    /// Sends `isDefault` (absent, the server takes `false`).
    pub fn default_of_scope(mut self, is_default: bool) -> Self {
        self.input["isDefault"] = is_default.into();
        self
    }

    /// Appends a category with its steps; a bare name is a step sent without an outcome.
    pub fn category<S: Into<Step>>(
        mut self,
        name: &str,
        steps: impl IntoIterator<Item = S>,
    ) -> Self {
        let steps: Vec<Value> = steps.into_iter().map(|s| s.into().0).collect();
        let categories = self.input["categories"].as_array_mut().expect("categories");
        categories.push(json!({ "name": name, "steps": steps }));
        self
    }

    /// Creates the template and returns it with the [`TEMPLATE_TREE`] fields.
    pub async fn create(self, app: &TestApp) -> Value {
        let query = format!(
            "mutation($input: CreateLifecycleTemplateInput!) {{ createLifecycleTemplate(input: $input) {{ {TEMPLATE_TREE} }} }}"
        );
        app.data(&query, json!({ "input": self.input })).await["createLifecycleTemplate"].clone()
    }

    /// Creates the template and returns its id.
    pub async fn create_id(self, app: &TestApp) -> String {
        id_of(&self.create(app).await)
    }
}

/// One step of a [`TemplateBuilder`] category.
#[derive(Debug, Clone)]
pub struct Step(Value);

impl Step {
    pub fn new(name: &str) -> Self {
        Self(json!({ "name": name }))
    }

    /// `OPEN`, `WON` or `LOST`.
    pub fn outcome(mut self, outcome: &str) -> Self {
        self.0["outcome"] = outcome.into();
        self
    }

    pub fn requires_reason(mut self) -> Self {
        self.0["requiresReason"] = true.into();
        self
    }
}

impl From<&str> for Step {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}
