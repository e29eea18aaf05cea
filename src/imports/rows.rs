//! One row of an import: its cells turned into the input `createContact` takes (names resolved
//! to ids), then checked into the rows that create its contact, or in UPSERT_BY_EMAIL mode
//! applied to the contact that already has one of its emails. The same rules as the API judge
//! it, every bad field at once.

use async_graphql::{ID, MaybeUndefined};

use super::file::{ImportField, ImportFile};
use super::model::RowError;
use super::store::{ByName, Names};
use crate::contacts::bulk::ContactRows;
use crate::contacts::input::{
    ContactAddressInput, ContactBankAccountInput, ContactEmailInput, ContactPhoneInput,
    CreateContactInput, UpdateContactInput,
};
use crate::contacts::known::Known;
use crate::contacts::model::{ContactEmail, ContactPhone};
use crate::contacts::ops;
use crate::db::Conn;
use crate::error::{AppError, AppResult, FieldError};
use crate::ids::{CompanyId, ContactId, TypedId};
use crate::validation::{Parsed, Validator, code};
use crate::viewer::Viewer;

/// A row read: the contact input, and what could not be resolved.
pub struct RowInput {
    pub create: CreateContactInput,
    pub problems: Vec<FieldError>,
}

/// The record of `options` for a contact of `company`: the company's own, else tenant-wide.
fn pick<I: Copy>(
    options: Option<&Vec<(I, Option<CompanyId>)>>,
    company: Option<CompanyId>,
) -> Option<I> {
    let options = options?;
    options
        .iter()
        .find(|(_, c)| c.is_some() && *c == company)
        .or_else(|| options.iter().find(|(_, c)| c.is_none()))
        .or_else(|| options.first())
        .map(|(id, _)| *id)
}

/// The record the cell of `field` names, or a problem reported through `missing`.
fn resolve<I: Copy>(
    file: &ImportFile,
    row: &[String],
    missing: &mut impl FnMut(&str, &str, &str),
    field: ImportField,
    what: &str,
    table: &ByName<I>,
    company: Option<CompanyId>,
) -> Option<I> {
    let (column, name) = file.cell(row, field)?;
    let found = pick(table.get(&name.to_lowercase()), company);
    if found.is_none() {
        missing(column, what, name);
    }
    found
}

fn split(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// Reads one row of `file`.
pub fn read(file: &ImportFile, row: &[String], names: &Names) -> RowInput {
    let mut problems = Vec::new();
    let mut missing = |column: &str, what: &str, name: &str| {
        problems.push(FieldError {
            path: column.to_owned(),
            code: code::NOT_FOUND,
            message: format!("no {what} {name:?} you can use"),
        });
    };
    let text = |field| file.cell(row, field).map(|(_, cell)| cell.to_owned());

    let company = file
        .cell(row, ImportField::Company)
        .and_then(|(column, name)| {
            let found = names.companies.get(&name.to_lowercase()).copied();
            if found.is_none() {
                missing(column, "company", name);
            }
            found
        });
    let segmentation = resolve(
        file,
        row,
        &mut missing,
        ImportField::Segmentation,
        "segmentation",
        &names.segmentations,
        company,
    );
    let reason_code = resolve(
        file,
        row,
        &mut missing,
        ImportField::ReasonCode,
        "reason code",
        &names.reason_codes,
        company,
    );
    let template = resolve(
        file,
        row,
        &mut missing,
        ImportField::Lifecycle,
        "lifecycle",
        &names.templates,
        company,
    );
    let mut account_ids = Vec::new();
    for (column, cell) in file.cells(row, ImportField::Accounts) {
        for name in split(cell) {
            match pick(names.accounts.get(&name.to_lowercase()), company) {
                Some(id) => account_ids.push(id.to_id()),
                None => missing(column, "account", name),
            }
        }
    }
    let owner = file
        .cell(row, ImportField::Owner)
        .and_then(|(column, email)| {
            let found = names.users.get(&email.to_lowercase()).copied();
            if found.is_none() {
                missing(column, "user with the email", email);
            }
            found
        });
    let scoring = file
        .cell(row, ImportField::Scoring)
        .and_then(|(column, cell)| {
            let parsed = cell.replace(',', ".").parse::<f64>().ok();
            if parsed.is_none() {
                problems.push(FieldError {
                    path: column.to_owned(),
                    code: code::INVALID,
                    message: format!("{cell:?} is not a number"),
                });
            }
            parsed
        });

    let emails = file
        .cells(row, ImportField::Email)
        .map(|(_, cell)| cell)
        .chain(
            file.cells(row, ImportField::Emails)
                .flat_map(|(_, cell)| split(cell)),
        )
        .map(|email| ContactEmailInput {
            email: email.to_owned(),
            type_id: None,
            is_primary: None,
        })
        .collect();
    let phones = file
        .cells(row, ImportField::Phone)
        .map(|(_, cell)| cell)
        .chain(
            file.cells(row, ImportField::Phones)
                .flat_map(|(_, cell)| split(cell)),
        )
        .map(|number| ContactPhoneInput {
            number: number.to_owned(),
            type_id: None,
            is_primary: None,
        })
        .collect();
    let addresses = text(ImportField::Address)
        .map(|address| ContactAddressInput {
            address,
            zip_code: text(ImportField::ZipCode).unwrap_or_default(),
            locality: text(ImportField::Locality).unwrap_or_default(),
            city: text(ImportField::City),
            state: text(ImportField::State),
            country: text(ImportField::Country),
            type_id: None,
            is_primary: None,
        })
        .into_iter()
        .collect();
    let bank_accounts = file
        .cells(row, ImportField::BankAccounts)
        .flat_map(|(_, cell)| split(cell))
        .map(|entry| {
            let (name, rest) = entry.rsplit_once(": ").unwrap_or(("", entry));
            let (iban, swift) = match rest.split_once(" / ") {
                Some((iban, swift)) => (iban, Some(swift.trim().to_owned())),
                None => (rest, None),
            };
            ContactBankAccountInput {
                name: name.trim().to_owned(),
                iban: iban.trim().to_owned(),
                swift,
            }
        })
        .collect();

    RowInput {
        create: CreateContactInput {
            name: text(ImportField::Name).unwrap_or_default(),
            full_name: text(ImportField::FullName),
            scoring,
            company_id: company.map(TypedId::to_id),
            segmentation_id: segmentation.map(TypedId::to_id),
            reason_code_id: reason_code.map(TypedId::to_id),
            owner_id: owner.map(TypedId::to_id),
            lifecycle_template_id: template.map(TypedId::to_id),
            account_ids,
            emails,
            phones,
            addresses,
            bank_accounts,
        },
        problems,
    }
}

impl RowInput {
    /// The row's emails, lower-cased.
    pub fn emails(&self) -> impl Iterator<Item = String> + '_ {
        self.create.emails.iter().map(|e| e.email.to_lowercase())
    }

    /// Reports the names the row could not resolve beside the input's own problems.
    fn with_problems(&self, v: &mut Validator) {
        for problem in &self.problems {
            v.push(problem.path.clone(), problem.code, problem.message.clone());
        }
    }
}

/// The rows that create the row's contact, checked by `createContact`'s rules.
pub async fn prepare(
    c: &mut Conn,
    viewer: &Viewer,
    input: &RowInput,
    region: Option<&str>,
    known: &mut Known,
) -> AppResult<ContactRows> {
    let parsed = Parsed::new(|v| {
        input.with_problems(v);
        input.create.validate(v, region)
    });
    ops::prepare(c, viewer, parsed, known).await
}

/// What an import batch knows of a contact it may update: the digits of its phone numbers,
/// and the region its national numbers are read in (its primary address country, else the
/// server's default).
#[derive(Debug, Default, Clone)]
pub struct Reachable {
    pub phones: Vec<String>,
    pub region: Option<String>,
}

/// The digits of a phone number, as rows and contacts are compared.
pub fn digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// Applies the row to the contact that has one of its emails: its non-empty fields replace the
/// contact's; `new_emails` (the row's emails the contact lacks) and the phones it lacks are
/// added, and noted in `reachable`.
pub async fn update(
    c: &mut Conn,
    viewer: &Viewer,
    id: ContactId,
    input: &RowInput,
    new_emails: &[&ContactEmailInput],
    reachable: &mut Reachable,
    known: &mut Known,
) -> AppResult<()> {
    let row = &input.create;
    let set = |value: &Option<ID>| {
        value
            .clone()
            .map_or(MaybeUndefined::Undefined, MaybeUndefined::Value)
    };
    let changes = UpdateContactInput {
        name: Some(row.name.clone()).filter(|n| !n.is_empty()),
        full_name: row
            .full_name
            .clone()
            .map_or(MaybeUndefined::Undefined, MaybeUndefined::Value),
        scoring: row
            .scoring
            .map_or(MaybeUndefined::Undefined, MaybeUndefined::Value),
        company_id: set(&row.company_id),
        segmentation_id: set(&row.segmentation_id),
        reason_code_id: set(&row.reason_code_id),
        owner_id: set(&row.owner_id),
    };
    let parsed = Parsed::new(|v| {
        input.with_problems(v);
        changes.validate(v)
    });
    let contact = ops::update(c, viewer, id, parsed, None, known).await?;
    // The contact was found by one of its emails, so it has at least one.
    ops::add_to_changed::<ContactEmail>(c, viewer, &contact, 1, new_emails, None, known).await?;

    let have = &reachable.phones;
    let phones: Vec<&ContactPhoneInput> = row
        .phones
        .iter()
        .filter(|phone| {
            let number = digits(&phone.number);
            !have
                .iter()
                .any(|h| h.ends_with(&number) || number.ends_with(h.as_str()))
        })
        .collect();
    let region = reachable.region.as_deref();
    ops::add_to_changed::<ContactPhone>(c, viewer, &contact, have.len(), &phones, region, known)
        .await?;
    reachable
        .phones
        .extend(phones.iter().map(|phone| digits(&phone.number)));
    Ok(())
}

/// What a failed row reports: each bad field under the file's column it came from.
pub fn errors_of(error: &AppError, file: &ImportFile) -> Vec<RowError> {
    match error {
        AppError::BadUserInput(fields) => fields
            .iter()
            .map(|f| RowError {
                path: column_of(&f.path, file).unwrap_or_else(|| f.path.clone()),
                code: f.code.to_owned(),
                message: f.message.clone(),
            })
            .collect(),
        other => vec![RowError {
            path: String::new(),
            code: other.code().as_str().to_owned(),
            message: other.message(),
        }],
    }
}

/// The column behind an input path such as `emails[1].email` or `addresses[0].zipCode`.
fn column_of(path: &str, file: &ImportFile) -> Option<String> {
    use ImportField as F;
    let top = path.split(['[', '.']).next().unwrap_or(path);
    let last = path.rsplit('.').next().unwrap_or(path);
    let fields: &[ImportField] = match top {
        "name" => &[F::Name],
        "fullName" => &[F::FullName],
        "scoring" => &[F::Scoring],
        "companyId" => &[F::Company],
        "segmentationId" => &[F::Segmentation],
        "reasonCodeId" => &[F::ReasonCode],
        "ownerId" => &[F::Owner],
        "lifecycleTemplateId" => &[F::Lifecycle],
        "accountIds" => &[F::Accounts],
        "emails" => &[F::Email, F::Emails],
        "phones" => &[F::Phone, F::Phones],
        "bankAccounts" => &[F::BankAccounts],
        "addresses" => match last {
            "zipCode" => &[F::ZipCode],
            "locality" => &[F::Locality],
            "city" => &[F::City],
            "state" => &[F::State],
            "country" => &[F::Country],
            _ => &[F::Address],
        },
        _ => &[],
    };
    fields
        .iter()
        .find_map(|f| file.column_of(*f))
        .map(str::to_owned)
}
