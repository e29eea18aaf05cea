//! Mutation inputs of the configuration records, and their validation into insert and update
//! forms. References to other records are checked later, inside the transaction.

use async_graphql::{ID, InputObject, MaybeUndefined};
use diesel::prelude::*;

use super::model::{DetailKind, ReasonOutcome};
use crate::db::schema::{accounts, companies, detail_types, reason_codes, segmentations, users};
use crate::ids::CompanyId;
use crate::time::Timestamp;
use crate::validation::{MAX_TEXT, Validator, code};
use crate::viewer::Role;

/// Longest company code.
const MAX_CODE: usize = 32;

fn company_code(v: &mut Validator, path: &str, raw: &str) -> String {
    let code = v.name(path, raw);
    if code.chars().count() > MAX_CODE {
        v.push(
            path,
            code::TOO_LONG,
            format!("must be at most {MAX_CODE} characters"),
        );
    } else if !code
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        v.push(
            path,
            code::INVALID,
            "may contain only letters, digits, '-' and '_'",
        );
    }
    code
}

/// The company a new record belongs to; absent means tenant-wide.
fn owner_company(v: &mut Validator, id: Option<&ID>) -> Option<CompanyId> {
    v.optional_id("companyId", id)
}

// ---- companies ----------------------------------------------------------------------------

#[derive(Debug, InputObject)]
pub struct CreateCompanyInput {
    pub name: String,
    /// Short unique code: letters, digits, `-` and `_`.
    pub code: String,
}

#[derive(Debug, InputObject)]
pub struct UpdateCompanyInput {
    pub name: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = companies)]
pub struct NewCompany {
    pub name: String,
    pub code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = companies)]
pub struct CompanyChanges {
    pub name: Option<String>,
    pub code: Option<String>,
    pub updated_at: Timestamp,
}

impl CreateCompanyInput {
    pub fn validate(&self, v: &mut Validator) -> NewCompany {
        let now = Timestamp::now();
        NewCompany {
            name: v.name("name", &self.name),
            code: company_code(v, "code", &self.code),
            created_at: now,
            updated_at: now,
        }
    }
}

impl UpdateCompanyInput {
    pub fn validate(&self, v: &mut Validator) -> CompanyChanges {
        CompanyChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            code: self.code.as_deref().map(|c| company_code(v, "code", c)),
            updated_at: Timestamp::now(),
        }
    }
}

// ---- users ----------------------------------------------------------------------------------

#[derive(Debug, InputObject)]
pub struct CreateUserInput {
    pub name: String,
    pub email: String,
    #[graphql(default_with = "Role::Sales")]
    pub role: Role,
    /// The user's company; absent for a tenant-wide user.
    pub company_id: Option<ID>,
    #[graphql(default = true)]
    pub active: bool,
}

#[derive(Debug, InputObject)]
pub struct UpdateUserInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    /// `null` makes the user tenant-wide.
    pub company_id: MaybeUndefined<ID>,
    pub active: Option<bool>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub company_id: Option<CompanyId>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub company_id: Option<Option<CompanyId>>,
    pub active: Option<bool>,
    pub updated_at: Timestamp,
}

impl CreateUserInput {
    pub fn validate(&self, v: &mut Validator) -> NewUser {
        let now = Timestamp::now();
        NewUser {
            name: v.name("name", &self.name),
            email: v.email("email", &self.email),
            role: self.role,
            company_id: owner_company(v, self.company_id.as_ref()),
            active: self.active,
            created_at: now,
            updated_at: now,
        }
    }
}

impl UpdateUserInput {
    pub fn validate(&self, v: &mut Validator) -> UserChanges {
        UserChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            email: self.email.as_deref().map(|e| v.email("email", e)),
            role: self.role,
            company_id: company_update(v, &self.company_id),
            active: self.active,
            updated_at: Timestamp::now(),
        }
    }
}

/// A change of owning company: absent keeps, `null` makes the record tenant-wide.
fn company_update(v: &mut Validator, id: &MaybeUndefined<ID>) -> Option<Option<CompanyId>> {
    v.id_update::<CompanyId>("companyId", id)
}

// ---- segmentations --------------------------------------------------------------------------

#[derive(Debug, InputObject)]
pub struct CreateSegmentationInput {
    pub name: String,
    /// Absent: tenant-wide.
    pub company_id: Option<ID>,
}

#[derive(Debug, InputObject)]
pub struct UpdateSegmentationInput {
    pub name: Option<String>,
    /// `null` makes the segmentation tenant-wide.
    pub company_id: MaybeUndefined<ID>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = segmentations)]
pub struct NewSegmentation {
    pub name: String,
    pub company_id: Option<CompanyId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = segmentations)]
pub struct SegmentationChanges {
    pub name: Option<String>,
    pub company_id: Option<Option<CompanyId>>,
    pub updated_at: Timestamp,
}

impl CreateSegmentationInput {
    pub fn validate(&self, v: &mut Validator) -> NewSegmentation {
        let now = Timestamp::now();
        NewSegmentation {
            name: v.name("name", &self.name),
            company_id: owner_company(v, self.company_id.as_ref()),
            created_at: now,
            updated_at: now,
        }
    }
}

impl UpdateSegmentationInput {
    pub fn validate(&self, v: &mut Validator) -> SegmentationChanges {
        SegmentationChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            company_id: company_update(v, &self.company_id),
            updated_at: Timestamp::now(),
        }
    }
}

// ---- reason codes ---------------------------------------------------------------------------

#[derive(Debug, InputObject)]
pub struct CreateReasonCodeInput {
    /// The reason's name, e.g. "Competition".
    pub code: String,
    pub description: Option<String>,
    #[graphql(default_with = "ReasonOutcome::Other")]
    pub outcome: ReasonOutcome,
    /// Absent: tenant-wide.
    pub company_id: Option<ID>,
}

#[derive(Debug, InputObject)]
pub struct UpdateReasonCodeInput {
    pub code: Option<String>,
    /// `null` clears the description.
    pub description: MaybeUndefined<String>,
    pub outcome: Option<ReasonOutcome>,
    /// `null` makes the reason code tenant-wide.
    pub company_id: MaybeUndefined<ID>,
    pub archived: Option<bool>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = reason_codes)]
pub struct NewReasonCode {
    pub code: String,
    pub description: Option<String>,
    pub outcome: ReasonOutcome,
    pub company_id: Option<CompanyId>,
    pub archived: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = reason_codes)]
pub struct ReasonCodeChanges {
    pub code: Option<String>,
    pub description: Option<Option<String>>,
    pub outcome: Option<ReasonOutcome>,
    pub company_id: Option<Option<CompanyId>>,
    pub archived: Option<bool>,
    pub updated_at: Timestamp,
}

impl CreateReasonCodeInput {
    pub fn validate(&self, v: &mut Validator) -> NewReasonCode {
        let now = Timestamp::now();
        NewReasonCode {
            code: v.name("code", &self.code),
            description: v.text("description", self.description.as_deref(), MAX_TEXT),
            outcome: self.outcome,
            company_id: owner_company(v, self.company_id.as_ref()),
            archived: false,
            created_at: now,
            updated_at: now,
        }
    }
}

impl UpdateReasonCodeInput {
    pub fn validate(&self, v: &mut Validator) -> ReasonCodeChanges {
        ReasonCodeChanges {
            code: self.code.as_deref().map(|c| v.name("code", c)),
            description: v.text_update("description", &self.description, MAX_TEXT),
            outcome: self.outcome,
            company_id: company_update(v, &self.company_id),
            archived: self.archived,
            updated_at: Timestamp::now(),
        }
    }
}

// ---- detail types ---------------------------------------------------------------------------

#[derive(Debug, InputObject)]
pub struct CreateDetailTypeInput {
    pub kind: DetailKind,
    pub name: String,
    /// Absent: tenant-wide.
    pub company_id: Option<ID>,
}

#[derive(Debug, InputObject)]
pub struct UpdateDetailTypeInput {
    pub name: Option<String>,
    /// `null` makes the detail type tenant-wide.
    pub company_id: MaybeUndefined<ID>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = detail_types)]
pub struct NewDetailType {
    pub kind: DetailKind,
    pub name: String,
    pub company_id: Option<CompanyId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = detail_types)]
pub struct DetailTypeChanges {
    pub name: Option<String>,
    pub company_id: Option<Option<CompanyId>>,
    pub updated_at: Timestamp,
}

impl CreateDetailTypeInput {
    pub fn validate(&self, v: &mut Validator) -> NewDetailType {
        let now = Timestamp::now();
        NewDetailType {
            kind: self.kind,
            name: v.name("name", &self.name),
            company_id: owner_company(v, self.company_id.as_ref()),
            created_at: now,
            updated_at: now,
        }
    }
}

impl UpdateDetailTypeInput {
    pub fn validate(&self, v: &mut Validator) -> DetailTypeChanges {
        DetailTypeChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            company_id: company_update(v, &self.company_id),
            updated_at: Timestamp::now(),
        }
    }
}

// ---- accounts -------------------------------------------------------------------------------

#[derive(Debug, InputObject)]
pub struct CreateAccountInput {
    pub name: String,
    /// Absent: tenant-wide.
    pub company_id: Option<ID>,
}

#[derive(Debug, InputObject)]
pub struct UpdateAccountInput {
    pub name: Option<String>,
    /// `null` makes the account tenant-wide.
    pub company_id: MaybeUndefined<ID>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount {
    pub name: String,
    pub company_id: Option<CompanyId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = accounts)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub company_id: Option<Option<CompanyId>>,
    pub updated_at: Timestamp,
}

impl CreateAccountInput {
    pub fn validate(&self, v: &mut Validator) -> NewAccount {
        let now = Timestamp::now();
        NewAccount {
            name: v.name("name", &self.name),
            company_id: owner_company(v, self.company_id.as_ref()),
            created_at: now,
            updated_at: now,
        }
    }
}

impl UpdateAccountInput {
    pub fn validate(&self, v: &mut Validator) -> AccountChanges {
        AccountChanges {
            name: self.name.as_deref().map(|n| v.name("name", n)),
            company_id: company_update(v, &self.company_id),
            updated_at: Timestamp::now(),
        }
    }
}
