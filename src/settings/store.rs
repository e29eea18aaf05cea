//! SQL of the configuration tables. Every read filters by the viewer's scope.

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::input::*;
use super::model::*;
use crate::db::Conn;
use crate::db::schema::{
    accounts, companies, contact_accounts, contact_addresses, contact_emails, contact_phones,
    contacts, detail_types, lifecycle_templates, reason_codes, segmentations, stage_transitions,
    users,
};
use crate::db::scope::ListScope;
use crate::error::{AppResult, Usage};
use crate::ids::{AccountId, CompanyId, DetailTypeId, ReasonCodeId, SegmentationId, UserId};
use crate::viewer::Viewer;
use crate::{listed, outside_company, visible, with_conn};

fn usage(kind: &'static str, count: i64) -> Option<Usage> {
    (count > 0).then_some(Usage { kind, count })
}

// ---- companies ------------------------------------------------------------------------------

/// Company visibility: a viewer limited to some companies sees only those.
macro_rules! company_visible {
    ($viewer:expr) => {{
        let (all, ids) = $crate::db::scope::viewer_params($viewer);
        companies::id
            .eq_any(ids)
            .or(diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(all))
    }};
}

pub async fn list_companies(conn: &mut Conn, viewer: &Viewer) -> AppResult<Vec<Company>> {
    Ok(with_conn!(conn, |c| companies::table
        .filter(company_visible!(viewer))
        .order((companies::name, companies::id))
        .select(Company::as_select())
        .load(c)
        .await)?)
}

pub async fn companies_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[CompanyId],
) -> AppResult<Vec<Company>> {
    Ok(with_conn!(conn, |c| companies::table
        .filter(companies::id.eq_any(ids))
        .filter(company_visible!(viewer))
        .select(Company::as_select())
        .load(c)
        .await)?)
}

pub async fn find_company(
    conn: &mut Conn,
    viewer: &Viewer,
    id: CompanyId,
) -> AppResult<Option<Company>> {
    Ok(companies_by_ids(conn, viewer, &[id]).await?.pop())
}

pub async fn insert_company(conn: &mut Conn, new: &NewCompany) -> AppResult<Company> {
    Ok(with_conn!(conn, |c| diesel::insert_into(companies::table)
        .values(new)
        .returning(Company::as_returning())
        .get_result(c)
        .await)?)
}

pub async fn update_company(
    conn: &mut Conn,
    id: CompanyId,
    changes: &CompanyChanges,
) -> AppResult<Company> {
    Ok(with_conn!(conn, |c| diesel::update(
        companies::table.find(id)
    )
    .set(changes)
    .returning(Company::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn delete_company(conn: &mut Conn, id: CompanyId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(companies::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Every record that belongs to the company.
pub async fn company_usage(conn: &mut Conn, id: CompanyId) -> AppResult<Vec<Usage>> {
    let counts = with_conn!(conn, |c| {
        let contacts = contacts::table
            .filter(contacts::company_id.eq(id))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let users = users::table
            .filter(users::company_id.eq(id))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let segmentations = segmentations::table
            .filter(segmentations::company_id.eq(id))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let reason_codes = reason_codes::table
            .filter(reason_codes::company_id.eq(id))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let detail_types = detail_types::table
            .filter(detail_types::company_id.eq(id))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let accounts = accounts::table
            .filter(accounts::company_id.eq(id))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        let templates = lifecycle_templates::table
            .filter(lifecycle_templates::company_id.eq(id))
            .select(count_star())
            .get_result::<i64>(c)
            .await?;
        diesel::QueryResult::Ok([
            ("contacts", contacts),
            ("users", users),
            ("segmentations", segmentations),
            ("reason codes", reason_codes),
            ("detail types", detail_types),
            ("accounts", accounts),
            ("lifecycle templates", templates),
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

pub async fn users_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[UserId],
) -> AppResult<Vec<User>> {
    Ok(with_conn!(conn, |c| users::table
        .filter(users::id.eq_any(ids))
        .filter(visible!(users::company_id, viewer))
        .select(User::as_select())
        .load(c)
        .await)?)
}

pub async fn find_user(conn: &mut Conn, viewer: &Viewer, id: UserId) -> AppResult<Option<User>> {
    Ok(users_by_ids(conn, viewer, &[id]).await?.pop())
}

pub async fn insert_user(conn: &mut Conn, new: &NewUser) -> AppResult<User> {
    Ok(with_conn!(conn, |c| diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(c)
        .await)?)
}

pub async fn update_user(conn: &mut Conn, id: UserId, changes: &UserChanges) -> AppResult<User> {
    Ok(with_conn!(conn, |c| diesel::update(users::table.find(id))
        .set(changes)
        .returning(User::as_returning())
        .get_result(c)
        .await)?)
}

pub async fn delete_user(conn: &mut Conn, id: UserId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(users::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Contacts the user owns. (History and documents keep working without their actor.)
pub async fn user_usage(conn: &mut Conn, id: UserId) -> AppResult<Vec<Usage>> {
    let owned = with_conn!(conn, |c| contacts::table
        .filter(contacts::owner_id.eq(id))
        .select(count_star())
        .get_result::<i64>(c)
        .await)?;
    Ok(usage("contacts", owned).into_iter().collect())
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

pub async fn segmentations_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[SegmentationId],
) -> AppResult<Vec<Segmentation>> {
    Ok(with_conn!(conn, |c| segmentations::table
        .filter(segmentations::id.eq_any(ids))
        .filter(visible!(segmentations::company_id, viewer))
        .select(Segmentation::as_select())
        .load(c)
        .await)?)
}

pub async fn find_segmentation(
    conn: &mut Conn,
    viewer: &Viewer,
    id: SegmentationId,
) -> AppResult<Option<Segmentation>> {
    Ok(segmentations_by_ids(conn, viewer, &[id]).await?.pop())
}

pub async fn insert_segmentation(
    conn: &mut Conn,
    new: &NewSegmentation,
) -> AppResult<Segmentation> {
    Ok(with_conn!(conn, |c| diesel::insert_into(
        segmentations::table
    )
    .values(new)
    .returning(Segmentation::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn update_segmentation(
    conn: &mut Conn,
    id: SegmentationId,
    changes: &SegmentationChanges,
) -> AppResult<Segmentation> {
    Ok(with_conn!(conn, |c| diesel::update(
        segmentations::table.find(id)
    )
    .set(changes)
    .returning(Segmentation::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn delete_segmentation(conn: &mut Conn, id: SegmentationId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(segmentations::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Contacts in the segment; with `outside`, only those not of that company.
pub async fn segmentation_usage(
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

pub async fn reason_codes_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[ReasonCodeId],
) -> AppResult<Vec<ReasonCode>> {
    Ok(with_conn!(conn, |c| reason_codes::table
        .filter(reason_codes::id.eq_any(ids))
        .filter(visible!(reason_codes::company_id, viewer))
        .select(ReasonCode::as_select())
        .load(c)
        .await)?)
}

pub async fn find_reason_code(
    conn: &mut Conn,
    viewer: &Viewer,
    id: ReasonCodeId,
) -> AppResult<Option<ReasonCode>> {
    Ok(reason_codes_by_ids(conn, viewer, &[id]).await?.pop())
}

pub async fn insert_reason_code(conn: &mut Conn, new: &NewReasonCode) -> AppResult<ReasonCode> {
    Ok(with_conn!(conn, |c| diesel::insert_into(
        reason_codes::table
    )
    .values(new)
    .returning(ReasonCode::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn update_reason_code(
    conn: &mut Conn,
    id: ReasonCodeId,
    changes: &ReasonCodeChanges,
) -> AppResult<ReasonCode> {
    Ok(with_conn!(conn, |c| diesel::update(
        reason_codes::table.find(id)
    )
    .set(changes)
    .returning(ReasonCode::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn delete_reason_code(conn: &mut Conn, id: ReasonCodeId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(reason_codes::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Contacts that carry the reason and, unless only contacts `outside` a company are asked for,
/// stage transitions that recorded it.
pub async fn reason_code_usage(
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

pub async fn detail_types_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[DetailTypeId],
) -> AppResult<Vec<DetailType>> {
    Ok(with_conn!(conn, |c| detail_types::table
        .filter(detail_types::id.eq_any(ids))
        .filter(visible!(detail_types::company_id, viewer))
        .select(DetailType::as_select())
        .load(c)
        .await)?)
}

pub async fn find_detail_type(
    conn: &mut Conn,
    viewer: &Viewer,
    id: DetailTypeId,
) -> AppResult<Option<DetailType>> {
    Ok(detail_types_by_ids(conn, viewer, &[id]).await?.pop())
}

pub async fn insert_detail_type(conn: &mut Conn, new: &NewDetailType) -> AppResult<DetailType> {
    Ok(with_conn!(conn, |c| diesel::insert_into(
        detail_types::table
    )
    .values(new)
    .returning(DetailType::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn update_detail_type(
    conn: &mut Conn,
    id: DetailTypeId,
    changes: &DetailTypeChanges,
) -> AppResult<DetailType> {
    Ok(with_conn!(conn, |c| diesel::update(
        detail_types::table.find(id)
    )
    .set(changes)
    .returning(DetailType::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn delete_detail_type(conn: &mut Conn, id: DetailTypeId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(detail_types::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Addresses, emails and phones labelled with the type.
pub async fn detail_type_usage(
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

pub async fn accounts_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[AccountId],
) -> AppResult<Vec<Account>> {
    Ok(with_conn!(conn, |c| accounts::table
        .filter(accounts::id.eq_any(ids))
        .filter(visible!(accounts::company_id, viewer))
        .select(Account::as_select())
        .load(c)
        .await)?)
}

pub async fn find_account(
    conn: &mut Conn,
    viewer: &Viewer,
    id: AccountId,
) -> AppResult<Option<Account>> {
    Ok(accounts_by_ids(conn, viewer, &[id]).await?.pop())
}

pub async fn insert_account(conn: &mut Conn, new: &NewAccount) -> AppResult<Account> {
    Ok(with_conn!(conn, |c| diesel::insert_into(accounts::table)
        .values(new)
        .returning(Account::as_returning())
        .get_result(c)
        .await)?)
}

pub async fn update_account(
    conn: &mut Conn,
    id: AccountId,
    changes: &AccountChanges,
) -> AppResult<Account> {
    Ok(with_conn!(conn, |c| diesel::update(
        accounts::table.find(id)
    )
    .set(changes)
    .returning(Account::as_returning())
    .get_result(c)
    .await)?)
}

pub async fn delete_account(conn: &mut Conn, id: AccountId) -> AppResult<()> {
    with_conn!(conn, |c| diesel::delete(accounts::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Contacts assigned to the account.
pub async fn account_usage(
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
