//! SQL of the configuration tables. Every read filters by the viewer's scope.

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::input::*;
use super::model::*;
use super::ops::ConfigRecord;
use crate::db::Conn;
use crate::db::schema::{
    accounts, companies, contact_accounts, contact_addresses, contact_emails, contact_phones,
    contacts, detail_types, lifecycle_templates, reason_codes, segmentations, stage_transitions,
    user_companies, users,
};
use crate::db::scope::ListScope;
use crate::error::{AppResult, Usage};
use crate::ids::{AccountId, CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, UserId};
use crate::viewer::Viewer;
use crate::{listed, outside_company, visible, with_conn};

fn usage(kind: &'static str, count: i64) -> Option<Usage> {
    (count > 0).then_some(Usage { kind, count })
}

/// Implements [`ConfigRecord`] for a configuration table: batch reads limited to the viewer's
/// scope, and the plain insert, update and delete every kind shares.
macro_rules! config_table {
    ($record:ty, $table:ident, $id:ty, $new:ty, $changes:ty, $entity:literal,
     visible: $visible:ident, company: $company:tt, usage: $usage:path) => {
        impl ConfigRecord for $record {
            type Id = $id;
            type New = $new;
            type Changes = $changes;
            const ENTITY: &'static str = $entity;
            const OWNED_BY_COMPANY: bool = $company;

            fn id(&self) -> $id {
                self.id
            }

            fn company_of(_new: &$new) -> Option<CompanyId> {
                config_table!(@company $company, _new)
            }

            fn company_change(_changes: &$changes) -> Option<Option<CompanyId>> {
                config_table!(@company $company, _changes)
            }

            fn governing_company(&self) -> Option<CompanyId> {
                config_table!(@governing $company, self)
            }

            async fn by_ids(c: &mut Conn, viewer: &Viewer, ids: &[$id]) -> AppResult<Vec<Self>> {
                Ok(with_conn!(c, |c| $table::table
                    .filter($table::id.eq_any(ids))
                    .filter(config_table!(@visible $visible, $table, viewer))
                    .select(<$record>::as_select())
                    .load(c)
                    .await)?)
            }

            async fn insert(c: &mut Conn, new: &$new) -> AppResult<Self> {
                Ok(with_conn!(c, |c| diesel::insert_into($table::table)
                    .values(new)
                    .returning(<$record>::as_returning())
                    .get_result(c)
                    .await)?)
            }

            async fn update(c: &mut Conn, id: $id, changes: &$changes) -> AppResult<Self> {
                Ok(with_conn!(c, |c| diesel::update($table::table.find(id))
                    .set(changes)
                    .returning(<$record>::as_returning())
                    .get_result(c)
                    .await)?)
            }

            async fn delete(c: &mut Conn, id: $id) -> AppResult<()> {
                with_conn!(c, |c| diesel::delete($table::table.find(id)).execute(c).await)?;
                Ok(())
            }

            async fn usage(
                c: &mut Conn,
                id: $id,
                outside: Option<CompanyId>,
            ) -> AppResult<Vec<Usage>> {
                $usage(c, id, outside).await
            }
        }
    };
    (@company true, $form:ident) => { $form.company_id };
    (@company false, $form:ident) => { None };
    (@governing true, $record:ident) => { $record.company_id };
    (@governing false, $record:ident) => { Some($record.id) };
    (@visible by_company, $table:ident, $viewer:ident) => { visible!($table::company_id, $viewer) };
    (@visible company, $table:ident, $viewer:ident) => { company_visible!(companies::id, $viewer) };
}

// ---- companies ------------------------------------------------------------------------------

/// Company visibility: a viewer limited to some companies sees only those.
macro_rules! company_visible {
    ($company_id:expr, $viewer:expr) => {{
        let (all, ids) = $crate::db::scope::viewer_params($viewer);
        $company_id
            .eq_any(ids)
            .or(diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(all))
    }};
}

pub async fn list_companies(conn: &mut Conn, viewer: &Viewer) -> AppResult<Vec<Company>> {
    Ok(with_conn!(conn, |c| companies::table
        .filter(company_visible!(companies::id, viewer))
        .order((companies::name, companies::id))
        .select(Company::as_select())
        .load(c)
        .await)?)
}

/// Every record that belongs to the company. (Companies do not move, so there is no `outside`.)
async fn company_usage(
    conn: &mut Conn,
    id: CompanyId,
    _outside: Option<CompanyId>,
) -> AppResult<Vec<Usage>> {
    // The rows of one table that belong to the company.
    macro_rules! of_company {
        ($c:ident, $table:ident) => {
            $table::table
                .filter($table::company_id.eq(id))
                .select(count_star())
                .get_result::<i64>($c)
                .await?
        };
    }
    let counts = with_conn!(conn, |c| {
        diesel::QueryResult::Ok([
            ("contacts", of_company!(c, contacts)),
            ("users", of_company!(c, users)),
            ("segmentations", of_company!(c, segmentations)),
            ("reason codes", of_company!(c, reason_codes)),
            ("detail types", of_company!(c, detail_types)),
            ("accounts", of_company!(c, accounts)),
            ("lifecycle templates", of_company!(c, lifecycle_templates)),
            (
                "users of other companies working for it",
                of_company!(c, user_companies),
            ),
        ])
    })?;
    Ok(counts
        .into_iter()
        .filter_map(|(kind, n)| usage(kind, n))
        .collect())
}

// ---- users ----------------------------------------------------------------------------------

pub async fn list_users(
    conn: &mut Conn,
    viewer: &Viewer,
    list: &ListScope,
) -> AppResult<Vec<User>> {
    Ok(with_conn!(conn, |c| users::table
        .filter(visible!(users::company_id, viewer))
        .filter(listed!(users::company_id, list))
        .order((users::name, users::id))
        .select(User::as_select())
        .load(c)
        .await)?)
}

/// Contacts the user owns. (History and documents keep working without their actor.)
/// Ownership is not bound to a company: a user may move while owning contacts of others.
async fn user_usage(
    conn: &mut Conn,
    id: UserId,
    outside: Option<CompanyId>,
) -> AppResult<Vec<Usage>> {
    if outside.is_some() {
        return Ok(Vec::new());
    }
    let owned = with_conn!(conn, |c| contacts::table
        .filter(contacts::owner_id.eq(id))
        .select(count_star())
        .get_result::<i64>(c)
        .await)?;
    Ok(usage("contacts", owned).into_iter().collect())
}

// ---- the further companies of users ---------------------------------------------------------

/// A company a user works for besides their own, for the `otherCompanies` loader.
#[derive(Debug, Clone)]
pub struct Membership {
    pub user_id: UserId,
    pub company: Company,
}

/// The further companies of these users, among those the viewer can see, by name.
pub async fn other_companies_of(
    conn: &mut Conn,
    viewer: &Viewer,
    user_ids: &[UserId],
) -> AppResult<Vec<Membership>> {
    let rows: Vec<(UserId, Company)> = with_conn!(conn, |c| user_companies::table
        .inner_join(companies::table)
        .filter(user_companies::user_id.eq_any(user_ids))
        .filter(company_visible!(companies::id, viewer))
        .order((user_companies::user_id, companies::name, companies::id))
        .select((user_companies::user_id, Company::as_select()))
        .load(c)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, company)| Membership { user_id, company })
        .collect())
}

/// Replaces the user's further companies among those the viewer can see with `company_ids`;
/// memberships of companies outside the viewer's scope stay as they are.
pub async fn set_other_companies(
    conn: &mut Conn,
    viewer: &Viewer,
    user_id: UserId,
    company_ids: &[CompanyId],
) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(
        user_companies::table
            .filter(user_companies::user_id.eq(user_id))
            .filter(company_visible!(user_companies::company_id, viewer)),
    )
    .execute(c)
    .await)?;
    for company_id in company_ids {
        with_conn!(conn, |c| diesel::insert_into(user_companies::table)
            .values((
                user_companies::user_id.eq(user_id),
                user_companies::company_id.eq(*company_id),
            ))
            .execute(c)
            .await)?;
    }
    Ok(())
}

// ---- segmentations --------------------------------------------------------------------------

pub async fn list_segmentations(
    conn: &mut Conn,
    viewer: &Viewer,
    list: &ListScope,
) -> AppResult<Vec<Segmentation>> {
    Ok(with_conn!(conn, |c| segmentations::table
        .filter(visible!(segmentations::company_id, viewer))
        .filter(listed!(segmentations::company_id, list))
        .order((segmentations::name, segmentations::id))
        .select(Segmentation::as_select())
        .load(c)
        .await)?)
}

/// Contacts in the segment; with `outside`, only those not of that company.
async fn segmentation_usage(
    conn: &mut Conn,
    id: SegmentationId,
    outside: Option<CompanyId>,
) -> AppResult<Vec<Usage>> {
    let (only_outside, company) = (outside.is_some(), outside.map_or(0, |c| c.0));
    let n = with_conn!(conn, |c| contacts::table
        .filter(contacts::segmentation_id.eq(id))
        .filter(outside_company!(
            contacts::company_id,
            only_outside,
            company
        ))
        .select(count_star())
        .get_result::<i64>(c)
        .await)?;
    Ok(usage("contacts", n).into_iter().collect())
}

// ---- reason codes ---------------------------------------------------------------------------

pub async fn list_reason_codes(
    conn: &mut Conn,
    viewer: &Viewer,
    list: &ListScope,
    include_archived: bool,
) -> AppResult<Vec<ReasonCode>> {
    Ok(with_conn!(conn, |c| reason_codes::table
        .filter(visible!(reason_codes::company_id, viewer))
        .filter(listed!(reason_codes::company_id, list))
        .filter(
            reason_codes::archived
                .eq(false)
                .or(include_archived.into_sql::<diesel::sql_types::Bool>())
        )
        .order((reason_codes::code, reason_codes::id))
        .select(ReasonCode::as_select())
        .load(c)
        .await)?)
}

/// Contacts that carry the reason and, unless only contacts `outside` a company are asked for,
/// stage transitions that recorded it.
async fn reason_code_usage(
    conn: &mut Conn,
    id: ReasonCodeId,
    outside: Option<CompanyId>,
) -> AppResult<Vec<Usage>> {
    let (only_outside, company) = (outside.is_some(), outside.map_or(0, |c| c.0));
    let (contacts_n, transitions_n) = with_conn!(conn, |c| {
        let contacts_n = contacts::table
            .filter(contacts::reason_code_id.eq(id))
            .filter(outside_company!(
                contacts::company_id,
                only_outside,
                company
            ))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let transitions_n = stage_transitions::table
            .inner_join(contacts::table)
            .filter(stage_transitions::reason_code_id.eq(id))
            .filter(outside_company!(
                contacts::company_id,
                only_outside,
                company
            ))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        diesel::QueryResult::Ok((contacts_n, transitions_n))
    })?;
    Ok(usage("contacts", contacts_n)
        .into_iter()
        .chain(usage("stage transitions", transitions_n))
        .collect())
}

// ---- detail types ---------------------------------------------------------------------------

pub async fn list_detail_types(
    conn: &mut Conn,
    viewer: &Viewer,
    list: &ListScope,
    kind: Option<DetailKind>,
) -> AppResult<Vec<DetailType>> {
    let (any_kind, kind) = (kind.is_none(), kind.unwrap_or(DetailKind::Address));
    Ok(with_conn!(conn, |c| detail_types::table
        .filter(visible!(detail_types::company_id, viewer))
        .filter(listed!(detail_types::company_id, list))
        .filter(
            detail_types::kind
                .eq(kind)
                .or(any_kind.into_sql::<diesel::sql_types::Bool>())
        )
        .order((detail_types::kind, detail_types::name, detail_types::id))
        .select(DetailType::as_select())
        .load(c)
        .await)?)
}

/// Addresses, emails and phones labelled with the type.
async fn detail_type_usage(
    conn: &mut Conn,
    id: DetailTypeId,
    outside: Option<CompanyId>,
) -> AppResult<Vec<Usage>> {
    let (only_outside, company) = (outside.is_some(), outside.map_or(0, |c| c.0));
    let counts = with_conn!(conn, |c| {
        let addresses = contact_addresses::table
            .inner_join(contacts::table)
            .filter(contact_addresses::type_id.eq(id))
            .filter(outside_company!(
                contacts::company_id,
                only_outside,
                company
            ))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let emails = contact_emails::table
            .inner_join(contacts::table)
            .filter(contact_emails::type_id.eq(id))
            .filter(outside_company!(
                contacts::company_id,
                only_outside,
                company
            ))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let phones = contact_phones::table
            .inner_join(contacts::table)
            .filter(contact_phones::type_id.eq(id))
            .filter(outside_company!(
                contacts::company_id,
                only_outside,
                company
            ))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        diesel::QueryResult::Ok([
            ("contact addresses", addresses),
            ("contact emails", emails),
            ("contact phones", phones),
        ])
    })?;
    Ok(counts
        .into_iter()
        .filter_map(|(kind, n)| usage(kind, n))
        .collect())
}

// ---- accounts -------------------------------------------------------------------------------

pub async fn list_accounts(
    conn: &mut Conn,
    viewer: &Viewer,
    list: &ListScope,
) -> AppResult<Vec<Account>> {
    Ok(with_conn!(conn, |c| accounts::table
        .filter(visible!(accounts::company_id, viewer))
        .filter(listed!(accounts::company_id, list))
        .order((accounts::name, accounts::id))
        .select(Account::as_select())
        .load(c)
        .await)?)
}

/// Contacts assigned to the account.
async fn account_usage(
    conn: &mut Conn,
    id: AccountId,
    outside: Option<CompanyId>,
) -> AppResult<Vec<Usage>> {
    let (only_outside, company) = (outside.is_some(), outside.map_or(0, |c| c.0));
    let n = with_conn!(conn, |c| contact_accounts::table
        .inner_join(contacts::table)
        .filter(contact_accounts::account_id.eq(id))
        .filter(outside_company!(
            contacts::company_id,
            only_outside,
            company
        ))
        .select(count_star())
        .get_result::<i64>(c)
        .await)?;
    Ok(usage("contacts", n).into_iter().collect())
}

// ---- the kinds -------------------------------------------------------------------------------

config_table!(Company, companies, CompanyId, NewCompany, CompanyChanges, "company",
    visible: company, company: false, usage: company_usage);
config_table!(User, users, UserId, NewUser, UserChanges, "user",
    visible: by_company, company: true, usage: user_usage);
config_table!(Segmentation, segmentations, SegmentationId, NewSegmentation, SegmentationChanges,
    "segmentation", visible: by_company, company: true, usage: segmentation_usage);
config_table!(ReasonCode, reason_codes, ReasonCodeId, NewReasonCode, ReasonCodeChanges,
    "reason code", visible: by_company, company: true, usage: reason_code_usage);
config_table!(DetailType, detail_types, DetailTypeId, NewDetailType, DetailTypeChanges,
    "detail type", visible: by_company, company: true, usage: detail_type_usage);
config_table!(Account, accounts, AccountId, NewAccount, AccountChanges, "account",
    visible: by_company, company: true, usage: account_usage);
