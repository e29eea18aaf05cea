//! Insert and update forms of contacts and their details. An insert form holds a new record's
//! own fields (the contact a detail belongs to is given to the store beside it); an update form
//! holds `Option`s: `None` keeps a value, `Some(None)` clears an optional one.

use diesel::prelude::*;

use super::model::ContactStatus;
use crate::db::schema::{
    contact_addresses, contact_bank_accounts, contact_emails, contact_phones, contact_records,
};
use crate::ids::{
    CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, StepId, TemplateId, UserId,
};
use crate::time::Timestamp;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contact_records)]
pub struct NewContact {
    pub name: String,
    pub full_name: Option<String>,
    pub scoring: Option<f64>,
    pub company_id: Option<CompanyId>,
    pub segmentation_id: Option<SegmentationId>,
    pub reason_code_id: Option<ReasonCodeId>,
    pub owner_id: Option<UserId>,
    pub lifecycle_template_id: Option<TemplateId>,
    pub current_step_id: Option<StepId>,
    pub status: ContactStatus,
    pub stage_changed_at: Option<Timestamp>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Who created the contact (set by the operation, not the input).
    pub created_by: Option<UserId>,
    pub updated_by: Option<UserId>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = contact_records)]
pub struct ContactChanges {
    pub name: Option<String>,
    pub full_name: Option<Option<String>>,
    pub scoring: Option<Option<f64>>,
    pub company_id: Option<Option<CompanyId>>,
    pub segmentation_id: Option<Option<SegmentationId>>,
    pub reason_code_id: Option<Option<ReasonCodeId>>,
    pub owner_id: Option<Option<UserId>>,
}

/// Where a move or an assignment puts a contact.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = contact_records)]
pub struct Placement {
    /// `None` keeps the contact's lifecycle.
    pub lifecycle_template_id: Option<Option<TemplateId>>,
    pub current_step_id: StepId,
    pub status: ContactStatus,
    pub stage_changed_at: Timestamp,
    /// `None` keeps the contact's reason code.
    pub reason_code_id: Option<Option<ReasonCodeId>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contact_emails)]
pub struct NewEmail {
    pub email: String,
    pub type_id: Option<DetailTypeId>,
    pub is_primary: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = contact_emails)]
pub struct EmailChanges {
    pub email: Option<String>,
    pub type_id: Option<Option<DetailTypeId>>,
    pub is_primary: Option<bool>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contact_phones)]
pub struct NewPhone {
    pub number: String,
    pub type_id: Option<DetailTypeId>,
    pub is_primary: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = contact_phones)]
pub struct PhoneChanges {
    pub number: Option<String>,
    pub type_id: Option<Option<DetailTypeId>>,
    pub is_primary: Option<bool>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contact_addresses)]
pub struct NewAddress {
    pub address: String,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub zip_code: String,
    pub locality: String,
    pub type_id: Option<DetailTypeId>,
    pub is_primary: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = contact_addresses)]
pub struct AddressChanges {
    pub address: Option<String>,
    pub country: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub zip_code: Option<String>,
    pub locality: Option<String>,
    pub type_id: Option<Option<DetailTypeId>>,
    pub is_primary: Option<bool>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contact_bank_accounts)]
pub struct NewBankAccount {
    pub name: String,
    pub iban: String,
    pub swift: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = contact_bank_accounts)]
pub struct BankAccountChanges {
    pub name: Option<String>,
    pub iban: Option<String>,
    pub swift: Option<Option<String>>,
    pub updated_at: Timestamp,
}
