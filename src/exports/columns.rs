//! The columns an export can hold, and the cells of one contact: what each column shows and
//! which relations a page must load for it.

use std::collections::HashMap;

use async_graphql::Enum;
use async_graphql::dataloader::Loader;
use serde::{Deserialize, Serialize};

use crate::contacts::AssignedAccount;
use crate::contacts::Contact;
use crate::contacts::loaders::{AccountsOf, AddressesOf, BankAccountsOf, EmailsOf, PhonesOf};
use crate::contacts::model::{ContactAddress, ContactBankAccount, ContactEmail, ContactPhone};
use crate::db::loader::{LoadError, Reader};
use crate::ids::{
    CategoryId, CompanyId, ContactId, ReasonCodeId, SegmentationId, StepId, TemplateId, UserId,
};
use crate::lifecycle::model::{LifecycleCategory, LifecycleStep, LifecycleTemplate};
use crate::settings::model::{Company, ReasonCode, Segmentation, User};

/// A column of the contact list, as "Adjust visible columns" offers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
pub enum ContactColumn {
    Name,
    FullName,
    PrimaryEmail,
    PrimaryPhone,
    /// Six cells: address, ZIP code, locality, city, state, country.
    PrimaryAddress,
    /// Every email, primary first, separated by `; `.
    Emails,
    /// Every phone, primary first, separated by `; `.
    Phones,
    /// Every bank account as `name: IBAN` (with ` / SWIFT` when known), separated by `; `.
    BankAccounts,
    /// The company's name; empty for a tenant-wide contact.
    Company,
    Status,
    Segmentation,
    ReasonCode,
    /// The owner's email.
    Owner,
    /// Names of the assigned accounts, separated by `; `.
    Accounts,
    Lifecycle,
    Category,
    Step,
    Scoring,
    StageChangedAt,
    CreatedAt,
    UpdatedAt,
}

impl ContactColumn {
    /// The header cells of the column.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Self::Name => &["Name"],
            Self::FullName => &["Full name"],
            Self::PrimaryEmail => &["Primary email"],
            Self::PrimaryPhone => &["Primary phone"],
            Self::PrimaryAddress => &[
                "Address", "ZIP code", "Locality", "City", "State", "Country",
            ],
            Self::Emails => &["Emails"],
            Self::Phones => &["Phones"],
            Self::BankAccounts => &["Bank accounts"],
            Self::Company => &["Company"],
            Self::Status => &["Status"],
            Self::Segmentation => &["Segmentation"],
            Self::ReasonCode => &["Reason code"],
            Self::Owner => &["Owner"],
            Self::Accounts => &["Accounts"],
            Self::Lifecycle => &["Lifecycle"],
            Self::Category => &["Category"],
            Self::Step => &["Step"],
            Self::Scoring => &["Scoring"],
            Self::StageChangedAt => &["Stage changed at"],
            Self::CreatedAt => &["Created at"],
            Self::UpdatedAt => &["Updated at"],
        }
    }
}

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    /// Text a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab or carriage return
    /// first) gets a leading `'`, so it shows as typed and never runs; imports remove it again.
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            Self::Text(format!("'{text}"))
        } else {
            Self::Text(text)
        }
    }

    fn optional(text: Option<&str>) -> Self {
        text.map_or(Self::Empty, Self::text)
    }

    fn joined<'a>(parts: impl IntoIterator<Item = &'a str>) -> Self {
        let parts: Vec<&str> = parts.into_iter().collect();
        if parts.is_empty() {
            Self::Empty
        } else {
            Self::text(parts.join("; "))
        }
    }
}

/// The relations of one page of contacts that the chosen columns show, loaded in one batch
/// per relation (so an export runs the same few statements per page, whatever its size).
#[derive(Default)]
pub struct PageRelations {
    emails: HashMap<EmailsOf, Vec<ContactEmail>>,
    phones: HashMap<PhonesOf, Vec<ContactPhone>>,
    addresses: HashMap<AddressesOf, Vec<ContactAddress>>,
    bank_accounts: HashMap<BankAccountsOf, Vec<ContactBankAccount>>,
    accounts: HashMap<AccountsOf, Vec<AssignedAccount>>,
    companies: HashMap<CompanyId, Company>,
    segmentations: HashMap<SegmentationId, Segmentation>,
    reason_codes: HashMap<ReasonCodeId, ReasonCode>,
    owners: HashMap<UserId, User>,
    templates: HashMap<TemplateId, LifecycleTemplate>,
    steps: HashMap<StepId, LifecycleStep>,
    categories: HashMap<CategoryId, LifecycleCategory>,
}

/// The distinct values of `key` among `contacts`.
fn keys<K: Copy + Eq + std::hash::Hash>(
    contacts: &[Contact],
    key: impl Fn(&Contact) -> Option<K>,
) -> Vec<K> {
    let mut seen = std::collections::HashSet::new();
    contacts
        .iter()
        .filter_map(key)
        .filter(|k| seen.insert(*k))
        .collect()
}

fn children<K>(contacts: &[Contact], key: fn(ContactId) -> K) -> Vec<K> {
    contacts.iter().map(|c| key(c.id)).collect()
}

impl PageRelations {
    /// Loads what `columns` need, all relations at once (each on its own pooled connection),
    /// then the categories of the steps.
    pub async fn load(
        reader: &Reader,
        contacts: &[Contact],
        columns: &[ContactColumn],
    ) -> Result<Self, LoadError> {
        use ContactColumn as C;
        let wants = |wanted: &[ContactColumn]| columns.iter().any(|c| wanted.contains(c));
        /// `reader.load(keys)` when the columns want it, else nothing.
        async fn load_if<K, V>(
            reader: &Reader,
            wanted: bool,
            keys: Vec<K>,
        ) -> Result<HashMap<K, V>, LoadError>
        where
            Reader: Loader<K, Value = V, Error = LoadError>,
            K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
            V: Send + Sync + Clone + 'static,
        {
            if wanted && !keys.is_empty() {
                reader.load(&keys).await
            } else {
                Ok(HashMap::new())
            }
        }
        let (emails, phones, addresses, bank_accounts, accounts, companies) = futures_util::try_join!(
            load_if(
                reader,
                wants(&[C::PrimaryEmail, C::Emails]),
                children(contacts, EmailsOf)
            ),
            load_if(
                reader,
                wants(&[C::PrimaryPhone, C::Phones]),
                children(contacts, PhonesOf)
            ),
            load_if(
                reader,
                wants(&[C::PrimaryAddress]),
                children(contacts, AddressesOf)
            ),
            load_if(
                reader,
                wants(&[C::BankAccounts]),
                children(contacts, BankAccountsOf)
            ),
            load_if(
                reader,
                wants(&[C::Accounts]),
                children(contacts, AccountsOf)
            ),
            load_if(
                reader,
                wants(&[C::Company]),
                keys(contacts, |c| c.company_id)
            ),
        )?;
        let (segmentations, reason_codes, owners, templates, steps) = futures_util::try_join!(
            load_if(
                reader,
                wants(&[C::Segmentation]),
                keys(contacts, |c| c.segmentation_id)
            ),
            load_if(
                reader,
                wants(&[C::ReasonCode]),
                keys(contacts, |c| c.reason_code_id)
            ),
            load_if(reader, wants(&[C::Owner]), keys(contacts, |c| c.owner_id)),
            load_if(
                reader,
                wants(&[C::Lifecycle]),
                keys(contacts, |c| c.lifecycle_template_id)
            ),
            load_if(
                reader,
                wants(&[C::Step, C::Category]),
                keys(contacts, |c| c.current_step_id)
            ),
        )?;
        let mut seen = std::collections::HashSet::new();
        let category_ids: Vec<CategoryId> = steps
            .values()
            .map(|s: &LifecycleStep| s.category_id)
            .filter(|c| seen.insert(*c))
            .collect();
        let categories = load_if(reader, wants(&[C::Category]), category_ids).await?;
        Ok(Self {
            emails,
            phones,
            addresses,
            bank_accounts,
            accounts,
            companies,
            segmentations,
            reason_codes,
            owners,
            templates,
            steps,
            categories,
        })
    }

    /// The cells of `contact` for `columns`, in order.
    pub fn cells(&self, contact: &Contact, columns: &[ContactColumn], out: &mut Vec<Cell>) {
        for column in columns {
            self.push_cells(contact, *column, out);
        }
    }

    fn push_cells(&self, contact: &Contact, column: ContactColumn, out: &mut Vec<Cell>) {
        use ContactColumn as C;
        match column {
            C::Name => out.push(Cell::text(contact.name.as_str())),
            C::FullName => out.push(Cell::optional(contact.full_name.as_deref())),
            C::PrimaryEmail => {
                let emails = self.emails.get(&EmailsOf(contact.id));
                let primary = emails.and_then(|all| all.iter().find(|e| e.is_primary));
                out.push(Cell::optional(primary.map(|e| e.email.as_str())));
            }
            C::Emails => {
                let emails = self.emails.get(&EmailsOf(contact.id));
                out.push(Cell::joined(
                    emails.into_iter().flatten().map(|e| e.email.as_str()),
                ));
            }
            C::PrimaryPhone => {
                let phones = self.phones.get(&PhonesOf(contact.id));
                let primary = phones.and_then(|all| all.iter().find(|p| p.is_primary));
                out.push(Cell::optional(primary.map(|p| p.number.as_str())));
            }
            C::Phones => {
                let phones = self.phones.get(&PhonesOf(contact.id));
                out.push(Cell::joined(
                    phones.into_iter().flatten().map(|p| p.number.as_str()),
                ));
            }
            C::PrimaryAddress => {
                let addresses = self.addresses.get(&AddressesOf(contact.id));
                match addresses.and_then(|all| all.iter().find(|a| a.is_primary)) {
                    Some(a) => out.extend([
                        Cell::text(a.address.as_str()),
                        Cell::text(a.zip_code.as_str()),
                        Cell::text(a.locality.as_str()),
                        Cell::optional(a.city.as_deref()),
                        Cell::optional(a.state.as_deref()),
                        Cell::optional(a.country.as_deref()),
                    ]),
                    None => out.extend(std::iter::repeat_n(Cell::Empty, 6)),
                }
            }
            C::BankAccounts => {
                let accounts = self.bank_accounts.get(&BankAccountsOf(contact.id));
                let entries: Vec<String> = accounts
                    .into_iter()
                    .flatten()
                    .map(|b| match &b.swift {
                        Some(swift) => format!("{}: {} / {swift}", b.name, b.iban),
                        None => format!("{}: {}", b.name, b.iban),
                    })
                    .collect();
                out.push(Cell::joined(entries.iter().map(String::as_str)));
            }
            C::Company => {
                let company = contact.company_id.and_then(|id| self.companies.get(&id));
                out.push(Cell::optional(company.map(|c| c.name.as_str())));
            }
            C::Status => out.push(Cell::text(contact.status.as_str())),
            C::Segmentation => {
                let segmentation = contact
                    .segmentation_id
                    .and_then(|id| self.segmentations.get(&id));
                out.push(Cell::optional(segmentation.map(|s| s.name.as_str())));
            }
            C::ReasonCode => {
                let reason = contact
                    .reason_code_id
                    .and_then(|id| self.reason_codes.get(&id));
                out.push(Cell::optional(reason.map(|r| r.code.as_str())));
            }
            C::Owner => {
                let owner = contact.owner_id.and_then(|id| self.owners.get(&id));
                out.push(Cell::optional(owner.map(|u| u.email.as_str())));
            }
            C::Accounts => {
                let accounts = self.accounts.get(&AccountsOf(contact.id));
                out.push(Cell::joined(
                    accounts
                        .into_iter()
                        .flatten()
                        .map(|a| a.account.name.as_str()),
                ));
            }
            C::Lifecycle => {
                let template = contact
                    .lifecycle_template_id
                    .and_then(|id| self.templates.get(&id));
                out.push(Cell::optional(template.map(|t| t.name.as_str())));
            }
            C::Step => {
                let step = contact.current_step_id.and_then(|id| self.steps.get(&id));
                out.push(Cell::optional(step.map(|s| s.name.as_str())));
            }
            C::Category => {
                let step = contact.current_step_id.and_then(|id| self.steps.get(&id));
                let category = step.and_then(|s| self.categories.get(&s.category_id));
                out.push(Cell::optional(category.map(|c| c.name.as_str())));
            }
            C::Scoring => out.push(contact.scoring.map_or(Cell::Empty, Cell::Number)),
            C::StageChangedAt => out.push(
                contact
                    .stage_changed_at
                    .map_or(Cell::Empty, |t| Cell::Text(t.to_rfc3339())),
            ),
            C::CreatedAt => out.push(Cell::Text(contact.created_at.to_rfc3339())),
            C::UpdatedAt => out.push(Cell::Text(contact.updated_at.to_rfc3339())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_is_neutralised() {
        for risky in [
            "=HYPERLINK(\"x\")",
            "+34 600",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(
                Cell::text(risky),
                Cell::Text(format!("'{risky}")),
                "{risky:?}"
            );
        }
        for plain in ["Ada", "a=b", "'quoted", ""] {
            assert_eq!(Cell::text(plain), Cell::Text(plain.to_owned()));
        }
    }

    #[test]
    fn headers_and_cells_line_up() {
        let empty = PageRelations::default();
        let now = crate::time::Timestamp::now();
        let contact = Contact {
            id: ContactId(1),
            name: "Ada".into(),
            full_name: None,
            scoring: None,
            company_id: None,
            segmentation_id: None,
            reason_code_id: None,
            owner_id: None,
            lifecycle_template_id: None,
            current_step_id: None,
            status: crate::contacts::ContactStatus::Open,
            stage_changed_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            created_by: None,
            updated_by: None,
            deleted_at: None,
            deleted_by: None,
        };
        use async_graphql::resolver_utils::EnumType as _;
        for column in ContactColumn::items() {
            let mut cells = Vec::new();
            empty.cells(&contact, &[column.value], &mut cells);
            assert_eq!(
                cells.len(),
                column.value.headers().len(),
                "{:?}",
                column.value
            );
        }
    }
}
