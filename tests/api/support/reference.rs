//! The reference configuration a fresh database is migrated with, found by name through the API.
//!
//! Tests name the rows they mean ("Closed – Lost", "Price") instead of assuming the ids the
//! migration happened to give them. The ids are read once per test app, on first use.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::TestApp;

const STANDARD_TEMPLATE: &str = "Standard Sales Lifecycle";

const REFERENCE: &str = "{
    lifecycleTemplates { id name company { id } categories { id name steps { id name } } }
    segmentations { id name company { id } }
    reasonCodes(includeArchived: true) { id code company { id } }
    detailTypes { id kind name company { id } } }";

/// Ids of the tenant-wide reference rows, by name.
#[derive(Debug)]
pub struct Reference {
    template: String,
    categories: BTreeMap<String, String>,
    steps: BTreeMap<String, String>,
    segmentations: BTreeMap<String, String>,
    reason_codes: BTreeMap<String, String>,
    /// Keyed by `(name, kind)`: "Billing" is an address type and an email type.
    detail_types: BTreeMap<(String, String), String>,
}

impl Reference {
    async fn load(app: &TestApp) -> Self {
        let data = app.data(REFERENCE, json!({})).await;
        let template = tenant_wide(&data["lifecycleTemplates"])
            .find(|t| t["name"] == STANDARD_TEMPLATE)
            .unwrap_or_else(|| panic!("no tenant-wide {STANDARD_TEMPLATE:?}: {data:#}"));
        let categories = list(&template["categories"]);
        Self {
            template: text(&template["id"]),
            categories: categories.iter().map(|c| by(c, "name")).collect(),
            steps: categories
                .iter()
                .flat_map(|c| list(&c["steps"]))
                .map(|s| by(s, "name"))
                .collect(),
            segmentations: tenant_wide(&data["segmentations"])
                .map(|s| by(s, "name"))
                .collect(),
            reason_codes: tenant_wide(&data["reasonCodes"])
                .map(|r| by(r, "code"))
                .collect(),
            detail_types: tenant_wide(&data["detailTypes"])
                .map(|d| ((text(&d["name"]), text(&d["kind"])), text(&d["id"])))
                .collect(),
        }
    }
}

fn list(value: &Value) -> &[Value] {
    value
        .as_array()
        .unwrap_or_else(|| panic!("a list: {value:#}"))
}

fn tenant_wide(value: &Value) -> impl Iterator<Item = &Value> {
    list(value).iter().filter(|row| row["company"].is_null())
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
        .to_owned()
}

/// `(row[key], row.id)`.
fn by(row: &Value, key: &str) -> (String, String) {
    (text(&row[key]), text(&row["id"]))
}

fn find(ids: &BTreeMap<String, String>, what: &str, name: &str) -> String {
    ids.get(name).cloned().unwrap_or_else(|| {
        let known: Vec<&String> = ids.keys().collect();
        panic!("no reference {what} {name:?}; there are {known:?}")
    })
}

impl TestApp {
    async fn reference(&self) -> &Reference {
        self.reference.get_or_init(|| Reference::load(self)).await
    }

    /// The tenant-wide default lifecycle template ("Standard Sales Lifecycle").
    pub async fn standard_template_id(&self) -> String {
        self.reference().await.template.clone()
    }

    /// A category of the standard template, e.g. "Conversion".
    pub async fn category_id(&self, name: &str) -> String {
        find(&self.reference().await.categories, "category", name)
    }

    /// A step of the standard template, e.g. "Closed – Lost" (with an en dash).
    pub async fn step_id(&self, name: &str) -> String {
        find(&self.reference().await.steps, "step", name)
    }

    /// A tenant-wide segmentation, e.g. "Corporate Clients".
    pub async fn segmentation_id(&self, name: &str) -> String {
        find(&self.reference().await.segmentations, "segmentation", name)
    }

    /// A tenant-wide reason code, archived or not, e.g. "Price".
    pub async fn reason_code_id(&self, code: &str) -> String {
        find(&self.reference().await.reason_codes, "reason code", code)
    }

    /// A tenant-wide detail type by name and kind, e.g. `("Business", "EMAIL")`.
    pub async fn detail_type_id(&self, name: &str, kind: &str) -> String {
        let key = (name.to_owned(), kind.to_owned());
        self.reference()
            .await
            .detail_types
            .get(&key)
            .cloned()
            .unwrap_or_else(|| panic!("no reference detail type {key:?}"))
    }
}
