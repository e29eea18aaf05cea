//! Company scope on every root field of the schema. An administrator of Archway probes Beacon's
//! records through each query, mutation and the subscription and finds them absent, while a
//! tenant-wide administrator sending the same request sees them, so every probe could catch a
//! leak. The probes are checked against the schema's own root fields: a new field without a
//! probe fails here.

use std::collections::{BTreeSet, HashMap};

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use rapport::auth::Authenticator;
use rapport::http::Access;
use rapport::viewer::Viewer;
use serde_json::{Value, json};

use crate::api_test;
use crate::support::uploads::{PDF, UPLOAD, multipart};
use crate::support::{Address, ContactBuilder, Step, TemplateBuilder, TestApp};
use crate::support::{imports, ws};

/// Every name of Beacon's records contains this (case-insensitively); nothing of Archway's does.
const MARK: &str = "beacon";

/// What a probe expects of Archway's administrator.
#[derive(Debug)]
enum Expect {
    /// A read: the answer holds nothing of Beacon (its names or ids; the only error allowed is
    /// NOT_FOUND) and differs from the tenant-wide administrator's answer.
    Hidden,
    /// Refused with this code (for BAD_USER_INPUT: naming this field), changing nothing.
    Refused(&'static str, Option<&'static str>),
    /// A document upload refused with this code, storing nothing.
    Upload(&'static str),
    /// Beacon's events never reach Archway's subscriber.
    Subscription,
    /// The file behind the link holds nothing of Beacon.
    Export,
    /// A record only the user who made it sees (Beacon administrator's import): Archway's
    /// answer is the answer for an id no record has, and differs from the maker's.
    Private,
    /// The same through a subscription: Archway's first message is the one for an absent id.
    PrivateSubscription,
    /// A dry-run import of this CSV, which names Beacon's records: every row ends as it does
    /// when the file names records that do not exist, unlike the tenant-wide administrator's
    /// rows, and nothing changes.
    Import(&'static str),
}

#[derive(Debug)]
struct Probe {
    field: &'static str,
    query: &'static str,
    /// Strings `@name` stand for the ids of the [`World`].
    variables: Value,
    expect: Expect,
}

fn read(field: &'static str, query: &'static str, variables: Value) -> Probe {
    Probe {
        field,
        query,
        variables,
        expect: Expect::Hidden,
    }
}

/// `code` is an error code, or `BAD_USER_INPUT <path>`.
fn refused(
    field: &'static str,
    query: &'static str,
    variables: Value,
    code: &'static str,
) -> Probe {
    let expect = match code.split_once(' ') {
        Some((code, path)) => Expect::Refused(code, Some(path)),
        None => Expect::Refused(code, None),
    };
    Probe {
        field,
        query,
        variables,
        expect,
    }
}

/// One probe or more per root field: queries first, then mutations, then the subscription.
fn probes() -> Vec<Probe> {
    let mut probes = vec![
        read("node", "query($id: ID!) { node(id: $id) { id } }", json!({ "id": "@contact_b" })),
        read(
            "nodes",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [
                "@company_b", "@user_b", "@segment_b", "@reason_b", "@type_b", "@account_b",
                "@template_b", "@category_b", "@step_b", "@contact_b", "@email_b", "@phone_b",
                "@address_b", "@bank_b", "@document_b", "@transition_b", "@token_b",
            ] }),
        ),
        read("contact", "query($id: ID!) { contact(id: $id) { id name } }", json!({ "id": "@contact_b" })),
        read("contacts", "{ contacts { totalCount edges { node { id name } } } }", json!({})),
        read(
            "contacts",
            "query($b: ID!) { contacts(filter: { companyIds: [$b], search: \"Beacon\" }) { totalCount nodes { name } } }",
            json!({ "b": "@company_b" }),
        ),
        // Nested relations of Archway's own records that lead to Beacon's: a Beacon user who
        // also works for Archway changed, moved and documented Archway's contact.
        read(
            "contacts",
            "{ contacts { nodes { name createdBy { name } updatedBy { name }
                documents { uploadedBy { name } }
                stageHistory { edges { node { actor { name } contact { name } } } } } } }",
            json!({}),
        ),
        read("contactCounts", "{ contactCounts { total open closed won lost } }", json!({})),
        read(
            "contactDuplicates",
            "query($id: ID!) { contactDuplicates(contactId: $id) { duplicate { name } matches { value } } }",
            json!({ "id": "@contact_a" }),
        ),
        read(
            "duplicateContacts",
            "{ duplicateContacts(first: 200) { contact { name } duplicate { name } matches { value } } }",
            json!({}),
        ),
        read(
            "auditLog",
            "{ auditLog(first: 200) { edges { node { entityType entityId contactId actor { name }
                changes { field before after } } } } }",
            json!({}),
        ),
        read(
            "contacts",
            "{ contacts { nodes { changes(first: 200) { edges { node { entityType entityId actor { name }
                changes { field before after } } } } } } }",
            json!({}),
        ),
        read(
            "contactCounts",
            "query($b: ID!) { contactCounts(filter: { companyIds: [$b] }) { total } }",
            json!({ "b": "@company_b" }),
        ),
        read(
            "contactStats",
            "{ contactStats(groupBy: [COMPANY, SEGMENTATION, REASON_CODE, OWNER]) {
                count company { name } segmentation { name } reasonCode { code } owner { name } } }",
            json!({}),
        ),
        read(
            "reasonCodeStats",
            "{ reasonCodeStats(groupBy: [REASON_CODE, COMPANY, SEGMENTATION, OWNER]) {
                count reasonCode { code } company { name } segmentation { name } owner { name } } }",
            json!({}),
        ),
        read(
            "reasonCodeStats",
            "query($b: ID!) { reasonCodeStats(filter: { companyIds: [$b] }, groupBy: [OUTCOME]) { count } }",
            json!({ "b": "@company_b" }),
        ),
        read("companies", "{ companies { id name } }", json!({})),
        read("users", "{ users { id name otherCompanies { name } } }", json!({})),
        read(
            "users",
            "query($b: ID!) { users(companyId: $b) { id name } }",
            json!({ "b": "@company_b" }),
        ),
        read("segmentations", "{ segmentations { id name } }", json!({})),
        read("reasonCodes", "{ reasonCodes(includeArchived: true) { id code } }", json!({})),
        read("detailTypes", "{ detailTypes { id name } }", json!({})),
        read("accounts", "{ accounts { id name } }", json!({})),
        read(
            "lifecycleTemplates",
            "{ lifecycleTemplates { id name categories { name steps { name } } } }",
            json!({}),
        ),
        read(
            "lifecycleFunnel",
            "query($t: ID!) { lifecycleFunnel(templateId: $t) { step { name } reached current completedStays } }",
            json!({ "t": "@standard_template" }),
        ),
        read(
            "lifecycleFunnel",
            "query($t: ID!) { lifecycleFunnel(templateId: $t) { step { name } reached } }",
            json!({ "t": "@template_b" }),
        ),
        Probe {
            field: "exportContacts",
            query: "{ exportContacts(columns: [NAME, EMAILS, COMPANY, SEGMENTATION, OWNER, ACCOUNTS, BANK_ACCOUNTS, REASON_CODE, LIFECYCLE]) { downloadUrl } }",
            variables: json!({}),
            expect: Expect::Export,
        },
        read("apiTokens", "{ apiTokens(includeRevoked: true) { id name user { name } } }", json!({})),
    ];

    const NOT_FOUND: &str = "NOT_FOUND";
    let contact_b = json!({ "id": "@contact_b" });
    let mutations = [
        // Contacts and their details.
        refused(
            "createContact",
            "mutation($b: ID) { createContact(input: { name: \"X\", companyId: $b }) { id } }",
            json!({ "b": "@company_b" }),
            "BAD_USER_INPUT companyId",
        ),
        refused(
            "createContact",
            "mutation($a: ID, $s: ID, $r: ID, $o: ID, $acc: ID!, $t: ID) {
                createContact(input: { name: \"X\", companyId: $a, segmentationId: $s, reasonCodeId: $r,
                    ownerId: $o, accountIds: [$acc], emails: [{ email: \"x@archway.test\", typeId: $t }] }) { id } }",
            json!({ "a": "@company_a", "s": "@segment_b", "r": "@reason_b", "o": "@user_b",
                    "acc": "@account_b", "t": "@type_b" }),
            "BAD_USER_INPUT segmentationId",
        ),
        refused(
            "createContact",
            "mutation($a: ID, $t: ID) { createContact(input: { name: \"X\", companyId: $a, lifecycleTemplateId: $t }) { id } }",
            json!({ "a": "@company_a", "t": "@template_b" }),
            "BAD_USER_INPUT lifecycleTemplateId",
        ),
        refused(
            "updateContact",
            "mutation($id: ID!) { updateContact(id: $id, input: { scoring: 1 }) { id } }",
            contact_b.clone(),
            NOT_FOUND,
        ),
        refused(
            "updateContact",
            "mutation($id: ID!, $o: ID) { updateContact(id: $id, input: { ownerId: $o }) { id } }",
            json!({ "id": "@contact_a", "o": "@user_b" }),
            "BAD_USER_INPUT ownerId",
        ),
        refused("deleteContact", "mutation($id: ID!) { deleteContact(id: $id) }", contact_b.clone(), NOT_FOUND),
        refused("restoreContact", "mutation($id: ID!) { restoreContact(id: $id) { id } }", contact_b.clone(), NOT_FOUND),
        refused("purgeContact", "mutation($id: ID!) { purgeContact(id: $id) }", contact_b.clone(), NOT_FOUND),
        refused(
            "mergeContacts",
            "mutation($id: ID!) { mergeContacts(survivorId: $id, mergedIds: [\"Contact:999999\"]) { dryRun } }",
            contact_b.clone(),
            NOT_FOUND,
        ),
        refused(
            "mergeContacts",
            "mutation($id: ID!, $b: ID!) { mergeContacts(survivorId: $id, mergedIds: [$b], dryRun: true) { dryRun } }",
            json!({ "id": "@contact_a", "b": "@contact_b" }),
            "BAD_USER_INPUT mergedIds[0]",
        ),
        refused(
            "setContactAccounts",
            "mutation($id: ID!) { setContactAccounts(contactId: $id, accountIds: []) { id } }",
            contact_b.clone(),
            NOT_FOUND,
        ),
        refused(
            "setContactAccounts",
            "mutation($id: ID!, $acc: ID!) { setContactAccounts(contactId: $id, accountIds: [$acc]) { id } }",
            json!({ "id": "@contact_a", "acc": "@account_b" }),
            "BAD_USER_INPUT accountIds[0]",
        ),
        refused(
            "addContactEmail",
            "mutation($id: ID!) { addContactEmail(contactId: $id, input: { email: \"x@archway.test\" }) { id } }",
            contact_b.clone(),
            NOT_FOUND,
        ),
        refused(
            "addContactEmail",
            "mutation($id: ID!, $t: ID) { addContactEmail(contactId: $id, input: { email: \"x@archway.test\", typeId: $t }) { id } }",
            json!({ "id": "@contact_a", "t": "@type_b" }),
            "BAD_USER_INPUT typeId",
        ),
        refused(
            "updateContactEmail",
            "mutation($id: ID!) { updateContactEmail(id: $id, input: { email: \"x@archway.test\" }) { id } }",
            json!({ "id": "@email_b" }),
            NOT_FOUND,
        ),
        refused("removeContactEmail", "mutation($id: ID!) { removeContactEmail(id: $id) }", json!({ "id": "@email_b" }), NOT_FOUND),
        refused(
            "addContactPhone",
            "mutation($id: ID!) { addContactPhone(contactId: $id, input: { number: \"+34 600 000 001\" }) { id } }",
            contact_b.clone(),
            NOT_FOUND,
        ),
        refused(
            "updateContactPhone",
            "mutation($id: ID!) { updateContactPhone(id: $id, input: { number: \"+34 600 000 001\" }) { id } }",
            json!({ "id": "@phone_b" }),
            NOT_FOUND,
        ),
        refused("removeContactPhone", "mutation($id: ID!) { removeContactPhone(id: $id) }", json!({ "id": "@phone_b" }), NOT_FOUND),
        refused(
            "addContactAddress",
            "mutation($id: ID!) { addContactAddress(contactId: $id, input: { address: \"Calle 1\", zipCode: \"28001\", locality: \"Madrid\" }) { id } }",
            contact_b.clone(),
            NOT_FOUND,
        ),
        refused(
            "updateContactAddress",
            "mutation($id: ID!) { updateContactAddress(id: $id, input: { city: \"Madrid\" }) { id } }",
            json!({ "id": "@address_b" }),
            NOT_FOUND,
        ),
        refused("removeContactAddress", "mutation($id: ID!) { removeContactAddress(id: $id) }", json!({ "id": "@address_b" }), NOT_FOUND),
        refused(
            "addContactBankAccount",
            "mutation($id: ID!) { addContactBankAccount(contactId: $id, input: { name: \"Main\", iban: \"DE89370400440532013000\" }) { id } }",
            contact_b.clone(),
            NOT_FOUND,
        ),
        refused(
            "updateContactBankAccount",
            "mutation($id: ID!) { updateContactBankAccount(id: $id, input: { name: \"Other\" }) { id } }",
            json!({ "id": "@bank_b" }),
            NOT_FOUND,
        ),
        refused("removeContactBankAccount", "mutation($id: ID!) { removeContactBankAccount(id: $id) }", json!({ "id": "@bank_b" }), NOT_FOUND),
        // The lifecycle of contacts.
        refused(
            "moveContactToStep",
            "mutation($c: ID!, $s: ID!) { moveContactToStep(input: { contactId: $c, stepId: $s }) { id } }",
            json!({ "c": "@contact_b", "s": "@interested" }),
            NOT_FOUND,
        ),
        refused(
            "moveContactToStep",
            "mutation($c: ID!, $s: ID!) { moveContactToStep(input: { contactId: $c, stepId: $s }) { id } }",
            json!({ "c": "@contact_a", "s": "@step_b" }),
            "BAD_USER_INPUT stepId",
        ),
        refused(
            "moveContactToStep",
            "mutation($c: ID!, $s: ID!, $r: ID) { moveContactToStep(input: { contactId: $c, stepId: $s, reasonCodeId: $r }) { id } }",
            json!({ "c": "@contact_a", "s": "@lost", "r": "@reason_b" }),
            "BAD_USER_INPUT reasonCodeId",
        ),
        refused(
            "assignContactLifecycle",
            "mutation($c: ID!, $t: ID!) { assignContactLifecycle(contactId: $c, templateId: $t) { id } }",
            json!({ "c": "@contact_b", "t": "@standard_template" }),
            NOT_FOUND,
        ),
        refused(
            "assignContactLifecycle",
            "mutation($c: ID!, $t: ID!) { assignContactLifecycle(contactId: $c, templateId: $t) { id } }",
            json!({ "c": "@contact_a", "t": "@template_b" }),
            "BAD_USER_INPUT templateId",
        ),
        // Companies and users.
        refused(
            "createCompany",
            "mutation { createCompany(input: { name: \"Beacon Two\", code: \"BEA2\" }) { id } }",
            json!({}),
            "FORBIDDEN",
        ),
        refused(
            "updateCompany",
            "mutation($id: ID!) { updateCompany(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": "@company_b" }),
            NOT_FOUND,
        ),
        refused("deleteCompany", "mutation($id: ID!) { deleteCompany(id: $id) }", json!({ "id": "@company_b" }), NOT_FOUND),
        refused(
            "createUser",
            "mutation($b: ID) { createUser(input: { name: \"N\", email: \"n@archway.test\", companyId: $b }) { id } }",
            json!({ "b": "@company_b" }),
            "BAD_USER_INPUT companyId",
        ),
        refused(
            "updateUser",
            "mutation($id: ID!) { updateUser(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": "@user_b" }),
            NOT_FOUND,
        ),
        refused(
            "updateUser",
            "mutation($id: ID!, $b: ID) { updateUser(id: $id, input: { companyId: $b }) { id } }",
            json!({ "id": "@traveller_a", "b": "@company_b" }),
            "BAD_USER_INPUT companyId",
        ),
        refused("deleteUser", "mutation($id: ID!) { deleteUser(id: $id) }", json!({ "id": "@user_b" }), NOT_FOUND),
        refused(
            "setUserOtherCompanies",
            "mutation($id: ID!) { setUserOtherCompanies(userId: $id, companyIds: []) { id } }",
            json!({ "id": "@user_b" }),
            NOT_FOUND,
        ),
        refused(
            "setUserOtherCompanies",
            "mutation($id: ID!, $b: ID!) { setUserOtherCompanies(userId: $id, companyIds: [$b]) { id } }",
            json!({ "id": "@traveller_a", "b": "@company_b" }),
            "BAD_USER_INPUT companyIds",
        ),
    ];
    probes.extend(mutations);
    // The configuration records of a company: created in Beacon, changed or deleted there.
    probes.extend([
        refused(
            "createSegmentation",
            "mutation($b: ID) { createSegmentation(input: { name: \"X\", companyId: $b }) { id } }",
            json!({ "b": "@company_b" }),
            "BAD_USER_INPUT companyId",
        ),
        refused(
            "updateSegmentation",
            "mutation($id: ID!) { updateSegmentation(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": "@segment_b" }),
            NOT_FOUND,
        ),
        refused("deleteSegmentation", "mutation($id: ID!) { deleteSegmentation(id: $id) }", json!({ "id": "@segment_b" }), NOT_FOUND),
        refused(
            "createReasonCode",
            "mutation($b: ID) { createReasonCode(input: { code: \"X\", outcome: LOST, companyId: $b }) { id } }",
            json!({ "b": "@company_b" }),
            "BAD_USER_INPUT companyId",
        ),
        refused(
            "updateReasonCode",
            "mutation($id: ID!) { updateReasonCode(id: $id, input: { description: \"X\" }) { id } }",
            json!({ "id": "@reason_b" }),
            NOT_FOUND,
        ),
        refused("archiveReasonCode", "mutation($id: ID!) { archiveReasonCode(id: $id) { id } }", json!({ "id": "@reason_b" }), NOT_FOUND),
        refused("unarchiveReasonCode", "mutation($id: ID!) { unarchiveReasonCode(id: $id) { id } }", json!({ "id": "@reason_b" }), NOT_FOUND),
        refused("deleteReasonCode", "mutation($id: ID!) { deleteReasonCode(id: $id) }", json!({ "id": "@reason_b" }), NOT_FOUND),
        refused(
            "createDetailType",
            "mutation($b: ID) { createDetailType(input: { kind: EMAIL, name: \"X\", companyId: $b }) { id } }",
            json!({ "b": "@company_b" }),
            "BAD_USER_INPUT companyId",
        ),
        refused(
            "updateDetailType",
            "mutation($id: ID!) { updateDetailType(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": "@type_b" }),
            NOT_FOUND,
        ),
        refused("deleteDetailType", "mutation($id: ID!) { deleteDetailType(id: $id) }", json!({ "id": "@type_b" }), NOT_FOUND),
        refused(
            "createAccount",
            "mutation($b: ID) { createAccount(input: { name: \"X\", companyId: $b }) { id } }",
            json!({ "b": "@company_b" }),
            "BAD_USER_INPUT companyId",
        ),
        refused(
            "updateAccount",
            "mutation($id: ID!) { updateAccount(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": "@account_b" }),
            NOT_FOUND,
        ),
        refused("deleteAccount", "mutation($id: ID!) { deleteAccount(id: $id) }", json!({ "id": "@account_b" }), NOT_FOUND),
        // Lifecycle configuration.
        refused(
            "createLifecycleTemplate",
            "mutation($b: ID) { createLifecycleTemplate(input: { name: \"X\", companyId: $b, categories: [] }) { id } }",
            json!({ "b": "@company_b" }),
            "BAD_USER_INPUT companyId",
        ),
        refused(
            "updateLifecycleTemplate",
            "mutation($id: ID!) { updateLifecycleTemplate(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": "@template_b" }),
            NOT_FOUND,
        ),
        refused(
            "deleteLifecycleTemplate",
            "mutation($id: ID!) { deleteLifecycleTemplate(id: $id) }",
            json!({ "id": "@template_b" }),
            NOT_FOUND,
        ),
        refused(
            "createLifecycleCategory",
            "mutation($t: ID!) { createLifecycleCategory(input: { templateId: $t, name: \"X\" }) { id } }",
            json!({ "t": "@template_b" }),
            "BAD_USER_INPUT templateId",
        ),
        refused(
            "updateLifecycleCategory",
            "mutation($id: ID!) { updateLifecycleCategory(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": "@category_b" }),
            NOT_FOUND,
        ),
        refused(
            "deleteLifecycleCategory",
            "mutation($id: ID!) { deleteLifecycleCategory(id: $id) }",
            json!({ "id": "@category_b" }),
            NOT_FOUND,
        ),
        refused(
            "reorderLifecycleCategories",
            "mutation($t: ID!, $c: ID!) { reorderLifecycleCategories(templateId: $t, ids: [$c]) { id } }",
            json!({ "t": "@template_b", "c": "@category_b" }),
            NOT_FOUND,
        ),
        refused(
            "createLifecycleStep",
            "mutation($c: ID!) { createLifecycleStep(input: { categoryId: $c, name: \"X\" }) { id } }",
            json!({ "c": "@category_b" }),
            "BAD_USER_INPUT categoryId",
        ),
        refused(
            "updateLifecycleStep",
            "mutation($id: ID!) { updateLifecycleStep(id: $id, input: { name: \"X\" }) { id } }",
            json!({ "id": "@step_b" }),
            NOT_FOUND,
        ),
        refused("deleteLifecycleStep", "mutation($id: ID!) { deleteLifecycleStep(id: $id) }", json!({ "id": "@step_b" }), NOT_FOUND),
        refused(
            "reorderLifecycleSteps",
            "mutation($c: ID!, $s: ID!) { reorderLifecycleSteps(categoryId: $c, ids: [$s]) { id } }",
            json!({ "c": "@category_b", "s": "@step_b" }),
            NOT_FOUND,
        ),
        // Documents and tokens.
        Probe {
            field: "uploadContactDocument",
            query: UPLOAD,
            variables: json!({ "contact": "@contact_b", "file": null }),
            expect: Expect::Upload(NOT_FOUND),
        },
        refused(
            "deleteContactDocument",
            "mutation($id: ID!) { deleteContactDocument(id: $id) }",
            json!({ "id": "@document_b" }),
            NOT_FOUND,
        ),
        refused(
            "createApiToken",
            "mutation($u: ID) { createApiToken(input: { name: \"X\", userId: $u }) { secret } }",
            json!({ "u": "@user_b" }),
            "BAD_USER_INPUT userId",
        ),
        refused("revokeApiToken", "mutation($id: ID!) { revokeApiToken(id: $id) { id } }", json!({ "id": "@token_b" }), NOT_FOUND),
        // Imports: Beacon's administrator's import is theirs alone; references in a file
        // resolve only to Archway's records (and tenant-wide ones).
        Probe {
            field: "contactImport",
            query: "query($id: ID!) { contactImport(id: $id) { id status totalRows created rows { row status contactId } } }",
            variables: json!({ "id": "@import_b" }),
            expect: Expect::Private,
        },
        Probe {
            field: "startContactImport",
            query: imports::START,
            variables: json!({
                "mapping": imports::mapping(&[
                    ("Name", "NAME"), ("Email", "EMAIL"), ("Company", "COMPANY"),
                    ("Segment", "SEGMENTATION"), ("Reason", "REASON_CODE"), ("Owner", "OWNER"),
                    ("Accounts", "ACCOUNTS"), ("Lifecycle", "LIFECYCLE"),
                ]),
                "mode": "UPSERT_BY_EMAIL",
                "dryRun": true,
            }),
            expect: Expect::Import(
                "Name,Email,Company,Segment,Reason,Owner,Accounts,Lifecycle\n\
                 Probe update,deals@beacon.test,,,,,,\n\
                 Probe references,probe@archway.test,Beacon,Beacon segment,BEACON_LOST,admin@beacon.test,Beacon account,Beacon lifecycle\n",
            ),
        },
        Probe {
            field: "contactImportProgress",
            query: "subscription($id: ID!) { contactImportProgress(id: $id) { id status processedRows created } }",
            variables: json!({ "id": "@import_b" }),
            expect: Expect::PrivateSubscription,
        },
        Probe {
            field: "contactStageChanged",
            query: "subscription { contactStageChanged { contact { name } toStep { name } } }",
            variables: json!({}),
            expect: Expect::Subscription,
        },
    ]);
    probes
}

/// The root fields of the schema's query, mutation and subscription types.
fn root_fields() -> BTreeSet<String> {
    let document = async_graphql::parser::parse_schema(rapport::schema::sdl()).expect("SDL parses");
    let mut roots = Vec::new();
    for definition in &document.definitions {
        if let TypeSystemDefinition::Schema(schema) = definition {
            let schema = &schema.node;
            roots.extend(schema.query.iter().map(|n| n.node.to_string()));
            roots.extend(schema.mutation.iter().map(|n| n.node.to_string()));
            roots.extend(schema.subscription.iter().map(|n| n.node.to_string()));
        }
    }
    assert_eq!(roots.len(), 3, "query, mutation and subscription roots");
    let mut fields = BTreeSet::new();
    for definition in &document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition
            && roots.contains(&ty.node.name.node.to_string())
            && let TypeKind::Object(object) = &ty.node.kind
        {
            fields.extend(object.fields.iter().map(|f| f.node.name.node.to_string()));
        }
    }
    fields
}

#[test]
fn every_root_field_of_the_schema_has_a_cross_company_probe() {
    let probed: BTreeSet<String> = probes().iter().map(|p| p.field.to_owned()).collect();
    let fields = root_fields();
    let missing: Vec<_> = fields.difference(&probed).collect();
    let unknown: Vec<_> = probed.difference(&fields).collect();
    assert!(
        missing.is_empty(),
        "root fields without a cross-company probe: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "probes of fields the schema lacks: {unknown:?}"
    );
    assert!(fields.len() > 60, "{} root fields", fields.len());
}

// ---- the world -------------------------------------------------------------------------------

/// Ids by the names the probes use.
struct World {
    ids: HashMap<&'static str, String>,
    /// The unsigned download path of Beacon's document.
    download: String,
    /// A token of Beacon's administrator.
    admin_b: String,
}

impl World {
    fn id(&self, name: &str) -> &str {
        self.ids
            .get(name)
            .unwrap_or_else(|| panic!("no id @{name} in the world"))
    }

    /// `variables` with every `@name` replaced by its id.
    fn fill(&self, variables: &Value) -> Value {
        self.fill_with(variables, &|name| self.id(name).to_owned())
    }

    /// The same, but with ids no record has in place of Beacon's, so an answer about Beacon's
    /// records can be compared with an answer about records that do not exist.
    fn fill_absent(&self, variables: &Value) -> Value {
        self.fill_with(variables, &|name| {
            let id = self.id(name);
            if !name.ends_with("_b") {
                return id.to_owned();
            }
            let (kind, number) = id.split_once(':').expect("Type:number");
            format!(
                "{kind}:{}",
                number.parse::<i64>().expect("number") + 900_000
            )
        })
    }

    fn fill_with(&self, variables: &Value, id: &dyn Fn(&str) -> String) -> Value {
        match variables {
            Value::String(s) if s.starts_with('@') => Value::String(id(&s[1..])),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.fill_with(v, id)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.fill_with(v, id)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Beacon's ids, which Archway's answers must never hold.
    fn beacon_ids(&self) -> Vec<&str> {
        self.ids
            .iter()
            .filter(|(name, _)| name.ends_with("_b"))
            .map(|(_, id)| id.as_str())
            .collect()
    }
}

fn created(body: &Value, field: &str) -> Value {
    assert!(body["errors"].is_null(), "{field}: {body}");
    body["data"][field].clone()
}

fn id(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

/// Archway and Beacon with configuration, a contact with every detail, a document and a
/// closed deal in Beacon, and two users who work for both companies. Returns the app with
/// credentials required and the tokens of Archway's administrator and of a tenant-wide one.
async fn world(app: TestApp) -> (TestApp, World, String, String) {
    let mut ids: HashMap<&'static str, String> = HashMap::new();
    let company_a = app.create_company("Archway", "ARCH").await;
    let company_b = app.create_company("Beacon", "BEAC").await;
    let user = |name: &'static str, email: &'static str, role: &'static str, company: &str| {
        let app = &app;
        let input = json!({ "name": name, "email": email, "role": role, "companyId": company });
        async move {
            let body = app
                .data(
                    "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
                    json!({ "i": input }),
                )
                .await;
            id(&body["createUser"])
        }
    };
    user("Archway admin", "admin@archway.test", "ADMIN", &company_a).await;
    ids.insert(
        "traveller_a",
        user(
            "Archway traveller",
            "traveller@archway.test",
            "SALES",
            &company_a,
        )
        .await,
    );
    ids.insert(
        "user_b",
        user("Beacon admin", "admin@beacon.test", "ADMIN", &company_b).await,
    );
    let roamer = user("Beacon roamer", "roamer@beacon.test", "MANAGER", &company_b).await;

    let config = |kind: &'static str, input: Value| {
        let app = &app;
        async move {
            let query = format!(
                "mutation($i: Create{kind}Input!) {{ c: create{kind}(input: $i) {{ id }} }}"
            );
            id(&app.data(&query, json!({ "i": input })).await["c"])
        }
    };
    ids.insert(
        "segment_b",
        app.create_segmentation("Beacon segment", Some(&company_b))
            .await,
    );
    ids.insert(
        "account_b",
        app.create_account("Beacon account", Some(&company_b)).await,
    );
    ids.insert(
        "reason_b",
        config(
            "ReasonCode",
            json!({ "code": "BEACON_LOST", "outcome": "LOST", "companyId": company_b }),
        )
        .await,
    );
    ids.insert(
        "type_b",
        config(
            "DetailType",
            json!({ "kind": "EMAIL", "name": "Beacon email", "companyId": company_b }),
        )
        .await,
    );
    let template_b = TemplateBuilder::new("Beacon lifecycle")
        .company(&company_b)
        .category(
            "Beacon category",
            [
                Step::new("Beacon start"),
                Step::new("Beacon won").outcome("WON"),
            ],
        )
        .create(&app)
        .await;
    ids.insert("template_b", id(&template_b));
    ids.insert("category_b", id(&template_b["categories"][0]));
    ids.insert("step_b", id(&template_b["categories"][0]["steps"][0]));
    ids.insert("standard_template", app.standard_template_id().await);
    ids.insert("interested", app.step_id("Interested").await);
    ids.insert("lost", app.step_id("Closed – Lost").await);
    ids.insert("qualified", app.step_id("Qualified").await);

    let contact_b = ContactBuilder::new("Beacon contact")
        .company(&company_b)
        .segmentation(ids["segment_b"].as_str())
        .owner(ids["user_b"].as_str())
        .account(ids["account_b"].as_str())
        .email_of_type("deals@beacon.test", ids["type_b"].as_str())
        .phone("+34 600 000 000")
        .address(Address::new("Beacon street 1", "28001", "Madrid"))
        .bank_account("Beacon bank", "ES9121000418450200051332")
        .create(&app)
        .await;
    ids.insert("contact_b", id(&contact_b));
    ids.insert("email_b", id(&contact_b["emails"][0]));
    ids.insert("phone_b", id(&contact_b["phones"][0]));
    ids.insert("address_b", id(&contact_b["addresses"][0]));
    ids.insert("bank_b", id(&contact_b["bankAccounts"][0]));
    let moved = app
        .data(
            "mutation($c: ID!, $s: ID!, $r: ID) { moveContactToStep(input: { contactId: $c, stepId: $s, reasonCodeId: $r }) { id } }",
            json!({ "c": ids["contact_b"], "s": ids["lost"], "r": ids["reason_b"] }),
        )
        .await;
    ids.insert("transition_b", id(&moved["moveContactToStep"]));
    let document = app
        .uploaded(&ids["contact_b"], "beacon-offer.pdf", PDF)
        .await;
    ids.insert("document_b", id(&document));
    let download = document["downloadUrl"].as_str().expect("url");
    let download = download.split('?').next().expect("path").to_owned();
    ids.insert(
        "lead_b",
        ContactBuilder::new("Beacon lead")
            .company(&company_b)
            .create_id(&app)
            .await,
    );
    ids.insert(
        "contact_a",
        // Shares its phone number with Beacon's contact: a duplicate only Beacon's own see.
        ContactBuilder::new("Archway contact")
            .company(&company_a)
            .phone("+34600000000")
            .create_id(&app)
            .await,
    );
    ids.insert("company_a", company_a.clone());
    ids.insert("company_b", company_b.clone());

    let app = app.with_access(Access {
        auth: Authenticator::required(None),
        ..crate::support::test_access()
    });
    let root = app.cli_token("root@tenant.test").await;
    let admin_a = app.cli_token("admin@archway.test").await;
    let as_root = |query: &'static str, variables: Value| {
        let (app, root) = (&app, root.clone());
        async move { app.graphql_with(&root, query, variables).await.json() }
    };
    // The roamer works for Archway too, the traveller for Beacon too.
    let set_others =
        "mutation($u: ID!, $c: ID!) { setUserOtherCompanies(userId: $u, companyIds: [$c]) { id } }";
    created(
        &as_root(set_others, json!({ "u": roamer, "c": company_a })).await,
        "setUserOtherCompanies",
    );
    created(
        &as_root(
            set_others,
            json!({ "u": ids["traveller_a"], "c": company_b }),
        )
        .await,
        "setUserOtherCompanies",
    );
    let roamer_token = app.cli_token("roamer@beacon.test").await;
    let as_roamer = |query: &'static str, variables: Value| {
        let (app, token) = (&app, roamer_token.clone());
        async move { app.graphql_with(&token, query, variables).await.json() }
    };
    created(
        &as_roamer(
            "mutation($id: ID!) { updateContact(id: $id, input: { scoring: 3 }) { id } }",
            json!({ "id": ids["contact_a"] }),
        )
        .await,
        "updateContact",
    );
    created(
        &as_roamer(
            "mutation($c: ID!, $s: ID!) { moveContactToStep(input: { contactId: $c, stepId: $s }) { id } }",
            json!({ "c": ids["contact_a"], "s": ids["interested"] }),
        )
        .await,
        "moveContactToStep",
    );
    let mut upload = multipart(
        UPLOAD,
        json!({ "contact": ids["contact_a"], "file": null }),
        &[("variables.file", "visit.pdf", PDF)],
    );
    upload.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {roamer_token}").parse().expect("header"),
    );
    let uploaded = app.send(upload).await.json();
    created(&uploaded, "uploadContactDocument");

    let admin_b = app.cli_token("admin@beacon.test").await;
    let token = app
        .graphql_with(
            &admin_b,
            "mutation { createApiToken(input: { name: \"Beacon token\" }) { token { id } } }",
            json!({}),
        )
        .await
        .json();
    ids.insert("token_b", id(&created(&token, "createApiToken")["token"]));
    let csv = "Name,Email,Company\nBeacon import,import@beacon.test,Beacon\n";
    let map = imports::mapping(&[("Name", "NAME"), ("Email", "EMAIL"), ("Company", "COMPANY")]);
    let import = imports::imported(&app, Some(&admin_b), csv, json!({ "mapping": map })).await;
    assert_eq!(import["created"], 1, "{import}");
    ids.insert("import_b", id(&import));
    let world = World {
        ids,
        download,
        admin_b,
    };
    (app, world, admin_a, root)
}

/// Everything the tenant holds, read by the local administrator, to prove a refusal changed
/// nothing.
const EVERYTHING: &str = "{
    contacts { nodes { id name fullName scoring status version updatedAt company { id } segmentation { id }
        reasonCode { id } owner { id } accounts { id } lifecycleTemplate { id } currentStep { id }
        emails { id email type { id } isPrimary updatedAt } phones { id number isPrimary updatedAt }
        addresses { id address city isPrimary updatedAt } bankAccounts { id name iban updatedAt }
        documents { id fileName } stageHistory { edges { node { id } } } } }
    companies { id name code updatedAt }
    users { id name email role company { id } otherCompanies { id } updatedAt }
    segmentations { id name company { id } updatedAt }
    reasonCodes(includeArchived: true) { id code description archived company { id } updatedAt }
    detailTypes { id name company { id } updatedAt }
    accounts { id name company { id } updatedAt }
    lifecycleTemplates { id name isDefault company { id } updatedAt
        categories { id name position updatedAt steps { id name position outcome updatedAt } } }
    apiTokens(includeRevoked: true) { id name revokedAt }
}";

async fn everything(app: &TestApp) -> Value {
    let body = app
        .graphql_as(Viewer::local_admin(), EVERYTHING, json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

/// `text` with the number of every `Type:number` id replaced by `[id]`, so answers about
/// different ids compare equal.
fn redact_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut after_letter = false;
    while let Some(c) = chars.next() {
        out.push(c);
        if c == ':' && after_letter && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.next_if(char::is_ascii_digit).is_some() {}
            out.push_str("[id]");
        }
        after_letter = c.is_ascii_alphabetic();
    }
    out
}

/// Archway's answer must be the answer it gets for ids no record has.
async fn same_as_absent(
    app: &TestApp,
    world: &World,
    admin: &str,
    probe: &Probe,
    seen: &Value,
) -> Result<(), String> {
    let absent = app
        .graphql_with(admin, probe.query, world.fill_absent(&probe.variables))
        .await
        .json();
    let (seen, absent) = (
        redact_ids(&seen.to_string()),
        redact_ids(&absent.to_string()),
    );
    if seen != absent {
        return Err(format!(
            "the answer differs from the one for records that do not exist:\n  {seen}\n  {absent}"
        ));
    }
    Ok(())
}

/// What a probe found wrong, if anything.
async fn run(
    app: &TestApp,
    world: &World,
    admin: &str,
    root: &str,
    probe: &Probe,
) -> Result<(), String> {
    let variables = world.fill(&probe.variables);
    match &probe.expect {
        Expect::Hidden => {
            let seen = app
                .graphql_with(admin, probe.query, variables.clone())
                .await
                .json();
            let full = app.graphql_with(root, probe.query, variables).await.json();
            if !full["errors"].is_null() {
                return Err(format!("the tenant-wide administrator got errors: {full}"));
            }
            let absent = |e: &Value| {
                matches!(
                    e["extensions"]["code"].as_str(),
                    Some("NOT_FOUND" | "BAD_USER_INPUT")
                )
            };
            if let Some(errors) = seen["errors"].as_array()
                && !errors.iter().all(absent)
            {
                return Err(format!(
                    "errors other than NOT_FOUND or BAD_USER_INPUT: {seen}"
                ));
            }
            let text = seen["data"].to_string();
            if text.to_lowercase().contains(MARK)
                || world
                    .beacon_ids()
                    .iter()
                    .any(|id| text.contains(&format!("\"{id}\"")))
            {
                return Err(format!("Beacon leaks: {text}"));
            }
            if seen["data"] == full["data"] {
                return Err(format!(
                    "the same answer as the tenant-wide administrator's, so nothing was hidden: {text}"
                ));
            }
            Ok(())
        }
        Expect::Refused(code, path) => {
            let before = everything(app).await;
            let body = app.graphql_with(admin, probe.query, variables).await.json();
            let error = &body["errors"][0];
            if error["extensions"]["code"] != *code {
                return Err(format!("expected {code}, got {body}"));
            }
            if let Some(path) = path {
                let paths: Vec<&str> = error["extensions"]["fields"]
                    .as_array()
                    .map(|fields| fields.iter().filter_map(|f| f["path"].as_str()).collect())
                    .unwrap_or_default();
                if !paths.contains(path) {
                    return Err(format!("expected {path} among the bad fields, got {body}"));
                }
            }
            if everything(app).await != before {
                return Err("the refused mutation changed something".to_owned());
            }
            same_as_absent(app, world, admin, probe, &body).await
        }
        Expect::Upload(code) => {
            let before = app.stored_files().len();
            let mut request =
                multipart(probe.query, variables, &[("variables.file", "x.pdf", PDF)]);
            request.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {admin}").parse().expect("header"),
            );
            let body = app.send(request).await.json();
            if body["errors"][0]["extensions"]["code"] != *code {
                return Err(format!("expected {code}, got {body}"));
            }
            if app.stored_files().len() != before {
                return Err("a refused upload left bytes behind".to_owned());
            }
            Ok(())
        }
        Expect::Subscription => subscription(app, world, admin, root, probe.query).await,
        Expect::Private => {
            let seen = app
                .graphql_with(admin, probe.query, variables.clone())
                .await
                .json();
            let own = app
                .graphql_with(&world.admin_b, probe.query, variables)
                .await
                .json();
            if !own["errors"].is_null() {
                return Err(format!("its maker does not see it: {own}"));
            }
            if own["data"] == seen["data"] {
                return Err(format!("Archway sees what its maker sees: {own}"));
            }
            same_as_absent(app, world, admin, probe, &seen).await
        }
        Expect::PrivateSubscription => {
            let (address, server) = app.serve().await;
            let first = |token: &str, variables: Value| {
                let init = json!({ "Authorization": format!("Bearer {token}") });
                async move {
                    let mut socket =
                        ws::subscribe(address, Some(init), probe.query, variables).await;
                    ws::next(&mut socket).await
                }
            };
            let seen = first(admin, variables.clone()).await;
            let absent = first(admin, world.fill_absent(&probe.variables)).await;
            let own = first(&world.admin_b, variables).await;
            server.abort();
            if own["payload"]["data"].is_null() {
                return Err(format!("its maker does not see it: {own}"));
            }
            if own == seen {
                return Err(format!("Archway sees what its maker sees: {own}"));
            }
            let (seen, absent) = (
                redact_ids(&seen.to_string()),
                redact_ids(&absent.to_string()),
            );
            if seen != absent {
                return Err(format!(
                    "the first message differs from the one for an import that does not exist:\n  {seen}\n  {absent}"
                ));
            }
            Ok(())
        }
        Expect::Import(csv) => {
            let before = everything(app).await;
            let rows = |token: &str, csv: String| {
                let (token, variables) = (token.to_owned(), variables.clone());
                async move {
                    imports::imported(app, Some(&token), &csv, variables).await["rows"].clone()
                }
            };
            let seen = rows(admin, (*csv).to_owned()).await;
            let absent = rows(admin, nowhere(csv)).await;
            let full = rows(root, (*csv).to_owned()).await;
            if everything(app).await != before {
                return Err("a dry run changed something".to_owned());
            }
            if seen == full {
                return Err(format!(
                    "the same rows as the tenant-wide administrator's, so nothing was hidden: {seen}"
                ));
            }
            let (seen, absent) = (
                redact_ids(&nowhere(&seen.to_string())),
                redact_ids(&absent.to_string()),
            );
            if seen != absent {
                return Err(format!(
                    "the rows differ from those of a file naming records that do not exist:\n  {seen}\n  {absent}"
                ));
            }
            Ok(())
        }
        Expect::Export => {
            let file = |token: &str| {
                let token = token.to_owned();
                async move {
                    let body = app
                        .graphql_with(&token, probe.query, json!({}))
                        .await
                        .json();
                    let url = body["data"]["exportContacts"]["downloadUrl"]
                        .as_str()
                        .unwrap_or_else(|| panic!("no link: {body}"))
                        .to_owned();
                    let request = Request::get(url).body(Body::empty()).expect("request");
                    let response = app.send(request).await;
                    assert_eq!(response.status, StatusCode::OK);
                    String::from_utf8(response.bytes)
                        .expect("UTF-8")
                        .to_lowercase()
                }
            };
            let (seen, full) = (file(admin).await, file(root).await);
            if !full.contains(MARK) {
                return Err(format!("the tenant-wide export lacks Beacon: {full}"));
            }
            if seen.contains(MARK) {
                return Err(format!("Beacon leaks into the export: {seen}"));
            }
            Ok(())
        }
    }
}

/// `text` naming records that do not exist where it names Beacon's.
fn nowhere(text: &str) -> String {
    text.replace("Beacon", "Nowhere")
        .replace("BEACON", "NOWHERE")
        .replace("beacon", "nowhere")
}

/// The name of the contact in the next event on `socket`.
async fn first_event(socket: &mut ws::Socket) -> Value {
    ws::next(socket).await["payload"]["data"]["contactStageChanged"]["contact"]["name"].clone()
}

/// Archway's administrator subscribes; a move in Beacon and then one in Archway are made: the
/// first event Archway's subscriber gets is Archway's move. The tenant-wide administrator's
/// subscription sees Beacon's move first, so the probe can tell.
async fn subscription(
    app: &TestApp,
    world: &World,
    admin: &str,
    root: &str,
    query: &str,
) -> Result<(), String> {
    let (address, server) = app.serve().await;
    let subscribe = |token: String| {
        let init = json!({ "Authorization": format!("Bearer {token}") });
        ws::subscribe(address, Some(init), query, json!({}))
    };
    let mut archway = subscribe(admin.to_owned()).await;
    let mut tenant = subscribe(root.to_owned()).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for contact in ["lead_b", "contact_a"] {
        let moved = app
            .graphql_with(
                root,
                "mutation($c: ID!, $s: ID!) { moveContactToStep(input: { contactId: $c, stepId: $s }) { id } }",
                json!({ "c": world.id(contact), "s": world.id("qualified") }),
            )
            .await
            .json();
        if !moved["errors"].is_null() {
            return Err(format!("moving {contact}: {moved}"));
        }
    }
    let seen = first_event(&mut archway).await;
    let full = first_event(&mut tenant).await;
    server.abort();
    if full != "Beacon lead" {
        return Err(format!("the tenant-wide subscriber saw {full} first"));
    }
    if seen != "Archway contact" {
        return Err(format!("Archway's subscriber saw {seen} first"));
    }
    Ok(())
}

api_test!(
    async fn no_root_field_shows_or_changes_another_companys_records(app) {
        let (app, world, admin, root) = world(app).await;
        let mut failures = Vec::new();
        for probe in probes() {
            if let Err(problem) = run(&app, &world, &admin, &root, &probe).await {
                failures.push(format!("{} ({}): {problem}", probe.field, probe.query.split_whitespace().take(8).collect::<Vec<_>>().join(" ")));
            }
        }
        assert!(failures.is_empty(), "{} probes failed:\n{}", failures.len(), failures.join("\n\n"));

        // Document downloads: Beacon's document is absent for Archway's bearer.
        let download = |token: String| {
            let app = &app;
            let path = world.download.clone();
            async move {
                let request = Request::get(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .expect("request");
                app.send(request).await.status
            }
        };
        assert_eq!(download(root.clone()).await, StatusCode::OK);
        assert_eq!(download(admin.clone()).await, StatusCode::NOT_FOUND);
    }
);
