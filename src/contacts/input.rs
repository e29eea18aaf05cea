//! Mutation inputs of contacts and their details, validated into insert and update forms.
//! Every problem is collected with its path (`emails[1].email`); references to other records
//! are listed for the operation to check inside the transaction.

use async_graphql::{ID, InputObject, MaybeUndefined};

use super::forms::*;
use super::model::ContactStatus;
use super::rules;
use crate::ids::{
    AccountId, CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, TemplateId, UserId,
};
use crate::settings::model::DetailKind;
use crate::time::Timestamp;
use crate::validation::{
    MAX_NAME, Validator, code, parse_bic, parse_country, parse_iban, parse_phone,
};

/// A reference of the input to another record, checked against the contact's company.
#[derive(Debug, Clone)]
pub enum Reference {
    Segmentation(String, SegmentationId),
    ReasonCode(String, ReasonCodeId),
    Owner(String, UserId),
    Template(String, TemplateId),
    Account(String, AccountId),
    DetailType(String, DetailTypeId, DetailKind),
}

impl Reference {
    /// The input field that names the record.
    pub fn path(&self) -> &str {
        match self {
            Reference::Segmentation(p, _)
            | Reference::ReasonCode(p, _)
            | Reference::Owner(p, _)
            | Reference::Template(p, _)
            | Reference::Account(p, _)
            | Reference::DetailType(p, _, _) => p,
        }
    }
}

// ---- inputs -----------------------------------------------------------------------------------

#[derive(Debug, InputObject)]
pub struct CreateContactInput {
    /// Required: the contact's main identifier (at most 200 characters).
    pub name: String,
    pub full_name: Option<String>,
    pub scoring: Option<f64>,
    /// Absent: tenant-wide.
    pub company_id: Option<ID>,
    pub segmentation_id: Option<ID>,
    pub reason_code_id: Option<ID>,
    pub owner_id: Option<ID>,
    /// The lifecycle to follow; absent: the company's default, else the tenant-wide default.
    pub lifecycle_template_id: Option<ID>,
    #[graphql(default)]
    pub account_ids: Vec<ID>,
    #[graphql(default)]
    pub emails: Vec<ContactEmailInput>,
    #[graphql(default)]
    pub phones: Vec<ContactPhoneInput>,
    #[graphql(default)]
    pub addresses: Vec<ContactAddressInput>,
    #[graphql(default)]
    pub bank_accounts: Vec<ContactBankAccountInput>,
}

/// Changes to a contact: an absent field keeps its value, `null` clears it.
#[derive(Debug, InputObject)]
pub struct UpdateContactInput {
    pub name: Option<String>,
    pub full_name: MaybeUndefined<String>,
    pub scoring: MaybeUndefined<f64>,
    pub company_id: MaybeUndefined<ID>,
    pub segmentation_id: MaybeUndefined<ID>,
    pub reason_code_id: MaybeUndefined<ID>,
    pub owner_id: MaybeUndefined<ID>,
}

#[derive(Debug, InputObject)]
pub struct ContactEmailInput {
    pub email: String,
    /// A detail type of kind EMAIL.
    pub type_id: Option<ID>,
    /// The first email is always primary; marking another primary unmarks the old one.
    pub is_primary: Option<bool>,
}

#[derive(Debug, InputObject)]
pub struct UpdateContactEmailInput {
    pub email: Option<String>,
    pub type_id: MaybeUndefined<ID>,
    pub is_primary: Option<bool>,
}

#[derive(Debug, InputObject)]
pub struct ContactPhoneInput {
    /// With a country prefix (`+351 …`), or national in the contact's primary address country
    /// (else the server's default region). Stored in E.164.
    pub number: String,
    /// A detail type of kind PHONE.
    pub type_id: Option<ID>,
    pub is_primary: Option<bool>,
}

#[derive(Debug, InputObject)]
pub struct UpdateContactPhoneInput {
    pub number: Option<String>,
    pub type_id: MaybeUndefined<ID>,
    pub is_primary: Option<bool>,
}

#[derive(Debug, InputObject)]
pub struct ContactAddressInput {
    pub address: String,
    /// ISO 3166-1 alpha-2, e.g. `PT`.
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub zip_code: String,
    pub locality: String,
    /// A detail type of kind ADDRESS.
    pub type_id: Option<ID>,
    pub is_primary: Option<bool>,
}

#[derive(Debug, InputObject)]
pub struct UpdateContactAddressInput {
    pub address: Option<String>,
    pub country: MaybeUndefined<String>,
    pub state: MaybeUndefined<String>,
    pub city: MaybeUndefined<String>,
    pub zip_code: Option<String>,
    pub locality: Option<String>,
    pub type_id: MaybeUndefined<ID>,
    pub is_primary: Option<bool>,
}

#[derive(Debug, InputObject)]
pub struct ContactBankAccountInput {
    /// The account's label.
    pub name: String,
    /// Checked and stored without spaces; shown grouped by four.
    pub iban: String,
    /// SWIFT/BIC: 8 or 11 characters.
    pub swift: Option<String>,
}

#[derive(Debug, InputObject)]
pub struct UpdateContactBankAccountInput {
    pub name: Option<String>,
    pub iban: Option<String>,
    pub swift: MaybeUndefined<String>,
}

/// A validated `createContact` input.
pub struct ContactDraft {
    pub contact: NewContact,
    pub template: Option<TemplateId>,
    pub account_ids: Vec<AccountId>,
    pub emails: Vec<NewEmail>,
    pub phones: Vec<NewPhone>,
    pub addresses: Vec<NewAddress>,
    pub bank_accounts: Vec<NewBankAccount>,
    pub references: Vec<Reference>,
}

/// A validated `updateContact` input.
pub struct ContactUpdate {
    pub changes: ContactChanges,
    pub references: Vec<Reference>,
}

// ---- validation -------------------------------------------------------------------------------

fn scoring(v: &mut Validator, path: &str, value: f64) -> f64 {
    if !value.is_finite() {
        v.push(path, code::INVALID, "must be a finite number");
    }
    value
}

fn reference<T: crate::ids::TypedId>(
    v: &mut Validator,
    refs: &mut Vec<Reference>,
    path: &str,
    id: Option<&ID>,
    make: impl FnOnce(String, T) -> Reference,
) -> Option<T> {
    let parsed = v.optional_id::<T>(path, id)?;
    refs.push(make(path.to_owned(), parsed));
    Some(parsed)
}

fn type_reference(
    v: &mut Validator,
    refs: &mut Vec<Reference>,
    path: &str,
    id: Option<&ID>,
    kind: DetailKind,
) -> Option<DetailTypeId> {
    reference(v, refs, path, id, |p, t| Reference::DetailType(p, t, kind))
}

fn required_text(v: &mut Validator, path: &str, value: &str) -> String {
    v.name(path, value)
}

fn optional_text(v: &mut Validator, path: &str, value: Option<&str>) -> Option<String> {
    v.text(path, value, MAX_NAME)
}

fn country(v: &mut Validator, path: &str, value: Option<&str>) -> Option<String> {
    let raw = value.map(str::trim).filter(|c| !c.is_empty())?;
    match parse_country(raw) {
        Ok(code) => Some(code),
        Err(message) => {
            v.push(path, code::INVALID, message);
            None
        }
    }
}

pub fn email_row(
    v: &mut Validator,
    refs: &mut Vec<Reference>,
    path: &str,
    input: &ContactEmailInput,
) -> NewEmail {
    let now = Timestamp::now();
    NewEmail {
        email: v.email(&format!("{path}email"), &input.email),
        type_id: type_reference(
            v,
            refs,
            &format!("{path}typeId"),
            input.type_id.as_ref(),
            DetailKind::Email,
        ),
        is_primary: input.is_primary.unwrap_or(false),
        created_at: now,
        updated_at: now,
    }
}

pub fn phone_row(
    v: &mut Validator,
    refs: &mut Vec<Reference>,
    path: &str,
    input: &ContactPhoneInput,
    region: Option<&str>,
) -> NewPhone {
    let now = Timestamp::now();
    NewPhone {
        number: phone(v, &format!("{path}number"), &input.number, region),
        type_id: type_reference(
            v,
            refs,
            &format!("{path}typeId"),
            input.type_id.as_ref(),
            DetailKind::Phone,
        ),
        is_primary: input.is_primary.unwrap_or(false),
        created_at: now,
        updated_at: now,
    }
}

pub fn phone(v: &mut Validator, path: &str, raw: &str, region: Option<&str>) -> String {
    if raw.trim().is_empty() {
        v.push(path, code::REQUIRED, "must not be empty");
        return String::new();
    }
    parse_phone(raw, region).unwrap_or_else(|message| {
        v.push(path, code::INVALID, message);
        raw.trim().to_owned()
    })
}

pub fn address_row(
    v: &mut Validator,
    refs: &mut Vec<Reference>,
    path: &str,
    input: &ContactAddressInput,
) -> NewAddress {
    let now = Timestamp::now();
    NewAddress {
        address: required_text(v, &format!("{path}address"), &input.address),
        country: country(v, &format!("{path}country"), input.country.as_deref()),
        state: optional_text(v, &format!("{path}state"), input.state.as_deref()),
        city: optional_text(v, &format!("{path}city"), input.city.as_deref()),
        zip_code: required_text(v, &format!("{path}zipCode"), &input.zip_code),
        locality: required_text(v, &format!("{path}locality"), &input.locality),
        type_id: type_reference(
            v,
            refs,
            &format!("{path}typeId"),
            input.type_id.as_ref(),
            DetailKind::Address,
        ),
        is_primary: input.is_primary.unwrap_or(false),
        created_at: now,
        updated_at: now,
    }
}

pub fn iban(v: &mut Validator, path: &str, raw: &str) -> String {
    if raw.trim().is_empty() {
        v.push(path, code::REQUIRED, "must not be empty");
        return String::new();
    }
    parse_iban(raw).unwrap_or_else(|message| {
        v.push(path, code::INVALID, message);
        raw.trim().to_owned()
    })
}

pub fn swift(v: &mut Validator, path: &str, raw: Option<&str>) -> Option<String> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    match parse_bic(raw) {
        Ok(bic) => Some(bic),
        Err(message) => {
            v.push(path, code::INVALID, message);
            None
        }
    }
}

pub fn bank_account_row(
    v: &mut Validator,
    path: &str,
    input: &ContactBankAccountInput,
) -> NewBankAccount {
    let now = Timestamp::now();
    NewBankAccount {
        name: required_text(v, &format!("{path}name"), &input.name),
        iban: iban(v, &format!("{path}iban"), &input.iban),
        swift: swift(v, &format!("{path}swift"), input.swift.as_deref()),
        created_at: now,
        updated_at: now,
    }
}

/// Marks exactly one detail of a nested list primary, reporting extra flags.
fn settle_primaries<T>(
    v: &mut Validator,
    list: &str,
    rows: &mut [T],
    flag: impl Fn(&mut T) -> &mut bool,
) -> Option<usize> {
    let flags: Vec<bool> = rows.iter_mut().map(|row| *flag(row)).collect();
    let (primary, extra) = rules::choose_primary(&flags);
    for i in extra {
        v.push(
            format!("{list}[{i}].isPrimary"),
            code::INVALID,
            "only one can be primary",
        );
    }
    for (i, row) in rows.iter_mut().enumerate() {
        *flag(row) = Some(i) == primary;
    }
    primary
}

/// The accounts a contact is assigned to (`accountIds`), each also a reference to check.
pub fn accounts(v: &mut Validator, refs: &mut Vec<Reference>, ids: &[ID]) -> Vec<AccountId> {
    for (i, id) in ids.iter().enumerate() {
        if let Ok(account) = crate::ids::parse::<AccountId>(id) {
            refs.push(Reference::Account(format!("accountIds[{i}]"), account));
        }
    }
    v.ids("accountIds", ids)
}

impl CreateContactInput {
    /// Validates everything that needs no database; `default_region` reads national phone
    /// numbers when no address gives a country.
    pub fn validate(&self, v: &mut Validator, default_region: Option<&str>) -> ContactDraft {
        let mut refs = Vec::new();
        let now = Timestamp::now();
        let contact = NewContact {
            name: v.name("name", &self.name),
            full_name: optional_text(v, "fullName", self.full_name.as_deref()),
            scoring: self.scoring.map(|s| scoring(v, "scoring", s)),
            company_id: v.optional_id::<CompanyId>("companyId", self.company_id.as_ref()),
            segmentation_id: reference(
                v,
                &mut refs,
                "segmentationId",
                self.segmentation_id.as_ref(),
                Reference::Segmentation,
            ),
            reason_code_id: reference(
                v,
                &mut refs,
                "reasonCodeId",
                self.reason_code_id.as_ref(),
                Reference::ReasonCode,
            ),
            owner_id: reference(
                v,
                &mut refs,
                "ownerId",
                self.owner_id.as_ref(),
                Reference::Owner,
            ),
            lifecycle_template_id: None,
            current_step_id: None,
            status: ContactStatus::Open,
            stage_changed_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            created_by: None,
            updated_by: None,
        };
        let template = reference(
            v,
            &mut refs,
            "lifecycleTemplateId",
            self.lifecycle_template_id.as_ref(),
            Reference::Template,
        );
        let account_ids = accounts(v, &mut refs, &self.account_ids);

        let mut addresses: Vec<NewAddress> = self
            .addresses
            .iter()
            .enumerate()
            .map(|(i, a)| address_row(v, &mut refs, &format!("addresses[{i}]."), a))
            .collect();
        let primary_address =
            settle_primaries(v, "addresses", &mut addresses, |a| &mut a.is_primary);
        let region = primary_address
            .and_then(|i| addresses[i].country.clone())
            .or_else(|| default_region.map(str::to_owned));

        let mut emails: Vec<NewEmail> = self
            .emails
            .iter()
            .enumerate()
            .map(|(i, e)| email_row(v, &mut refs, &format!("emails[{i}]."), e))
            .collect();
        settle_primaries(v, "emails", &mut emails, |e| &mut e.is_primary);
        for (i, email) in emails.iter().enumerate() {
            let first = emails[..i]
                .iter()
                .any(|earlier| earlier.email.eq_ignore_ascii_case(&email.email));
            if first {
                v.push(
                    format!("emails[{i}].email"),
                    code::DUPLICATE,
                    "repeats an earlier email",
                );
            }
        }

        let mut phones: Vec<NewPhone> = self
            .phones
            .iter()
            .enumerate()
            .map(|(i, p)| phone_row(v, &mut refs, &format!("phones[{i}]."), p, region.as_deref()))
            .collect();
        settle_primaries(v, "phones", &mut phones, |p| &mut p.is_primary);

        let bank_accounts = self
            .bank_accounts
            .iter()
            .enumerate()
            .map(|(i, b)| bank_account_row(v, &format!("bankAccounts[{i}]."), b))
            .collect();

        ContactDraft {
            contact,
            template,
            account_ids,
            emails,
            phones,
            addresses,
            bank_accounts,
            references: refs,
        }
    }
}

fn reference_update<T: crate::ids::TypedId>(
    v: &mut Validator,
    refs: &mut Vec<Reference>,
    path: &str,
    id: &MaybeUndefined<ID>,
    make: impl FnOnce(String, T) -> Reference,
) -> Option<Option<T>> {
    let change = v.id_update::<T>(path, id)?;
    if let Some(parsed) = change {
        refs.push(make(path.to_owned(), parsed));
    }
    Some(change)
}

impl UpdateContactInput {
    pub fn validate(&self, v: &mut Validator) -> ContactUpdate {
        let mut refs = Vec::new();
        let changes = ContactChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            full_name: v.text_update("fullName", &self.full_name, MAX_NAME),
            scoring: match self.scoring {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(s) => Some(Some(scoring(v, "scoring", s))),
            },
            company_id: v.id_update::<CompanyId>("companyId", &self.company_id),
            segmentation_id: reference_update(
                v,
                &mut refs,
                "segmentationId",
                &self.segmentation_id,
                Reference::Segmentation,
            ),
            reason_code_id: reference_update(
                v,
                &mut refs,
                "reasonCodeId",
                &self.reason_code_id,
                Reference::ReasonCode,
            ),
            owner_id: reference_update(v, &mut refs, "ownerId", &self.owner_id, Reference::Owner),
        };
        ContactUpdate {
            changes,
            references: refs,
        }
    }
}

/// A change of a detail's type: absent keeps, `null` clears, an id must be of `kind`.
fn detail_type_update(
    v: &mut Validator,
    refs: &mut Vec<Reference>,
    id: &MaybeUndefined<ID>,
    kind: DetailKind,
) -> Option<Option<DetailTypeId>> {
    reference_update(v, refs, "typeId", id, |path, t| {
        Reference::DetailType(path, t, kind)
    })
}

fn country_update(v: &mut Validator, raw: &MaybeUndefined<String>) -> Option<Option<String>> {
    match raw {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(raw) => Some(country(v, "country", Some(raw))),
    }
}

impl UpdateContactEmailInput {
    pub fn validate(&self, v: &mut Validator, refs: &mut Vec<Reference>) -> EmailChanges {
        EmailChanges {
            email: self.email.as_deref().map(|e| v.email("email", e)),
            type_id: detail_type_update(v, refs, &self.type_id, DetailKind::Email),
            is_primary: self.is_primary,
            updated_at: Timestamp::now(),
        }
    }
}

impl UpdateContactPhoneInput {
    /// `region` reads a national number (the contact's primary address country, else the
    /// server's default).
    pub fn validate(
        &self,
        v: &mut Validator,
        refs: &mut Vec<Reference>,
        region: Option<&str>,
    ) -> PhoneChanges {
        PhoneChanges {
            number: self
                .number
                .as_deref()
                .map(|n| phone(v, "number", n, region)),
            type_id: detail_type_update(v, refs, &self.type_id, DetailKind::Phone),
            is_primary: self.is_primary,
            updated_at: Timestamp::now(),
        }
    }
}

impl UpdateContactAddressInput {
    pub fn validate(&self, v: &mut Validator, refs: &mut Vec<Reference>) -> AddressChanges {
        AddressChanges {
            address: self.address.as_deref().map(|a| v.name("address", a)),
            country: country_update(v, &self.country),
            state: v.text_update("state", &self.state, MAX_NAME),
            city: v.text_update("city", &self.city, MAX_NAME),
            zip_code: self.zip_code.as_deref().map(|z| v.name("zipCode", z)),
            locality: self.locality.as_deref().map(|l| v.name("locality", l)),
            type_id: detail_type_update(v, refs, &self.type_id, DetailKind::Address),
            is_primary: self.is_primary,
            updated_at: Timestamp::now(),
        }
    }
}

impl UpdateContactBankAccountInput {
    pub fn validate(&self, v: &mut Validator) -> BankAccountChanges {
        BankAccountChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            iban: self.iban.as_deref().map(|i| iban(v, "iban", i)),
            swift: match &self.swift {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(raw) => Some(swift(v, "swift", Some(raw))),
            },
            updated_at: Timestamp::now(),
        }
    }
}
