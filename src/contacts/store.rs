//! SQL of contacts and their details. Reads filter by the viewer's scope through the contact.

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::forms::{ContactChanges, Placement};
use super::model::Contact;
use crate::db::Conn;
use crate::db::schema::{accounts, contact_accounts, contact_records, contacts};
use crate::error::{AppError, AppResult};
use crate::ids::{AccountId, ContactId, UserId};
use crate::settings::model::Account;
use crate::time::Timestamp;
use crate::viewer::Viewer;
use crate::{visible, with_conn};

pub async fn contacts_by_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    ids: &[ContactId],
) -> AppResult<Vec<Contact>> {
    Ok(with_conn!(conn, |c| contacts::table
        .filter(contacts::id.eq_any(ids))
        .filter(visible!(contacts::company_id, viewer))
        .select(Contact::as_select())
        .load(c)
        .await)?)
}

pub async fn find_contact(
    conn: &mut Conn,
    viewer: &Viewer,
    id: ContactId,
) -> AppResult<Option<Contact>> {
    Ok(contacts_by_ids(conn, viewer, &[id]).await?.pop())
}

/// Applies `changes` and bumps the version, provided the version is still `expected` (when
/// given); a stale one is `VERSION_CONFLICT` with the current version.
pub async fn update_contact(
    conn: &mut Conn,
    id: ContactId,
    changes: &ContactChanges,
    expected: Option<i64>,
    actor: Option<UserId>,
) -> AppResult<Contact> {
    let (check, version) = (expected.is_some(), expected.unwrap_or(0));
    let now = Timestamp::now();
    let updated = with_conn!(conn, |c| diesel::update(
        live_record(id).filter(
            contact_records::version
                .eq(version)
                .or(diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(!check))
        )
    )
    .set((
        changes,
        contact_records::version.eq(contact_records::version + 1),
        contact_records::updated_at.eq(now),
        contact_records::updated_by.eq(actor),
    ))
    .returning(contact_records::all_columns)
    .get_result(c)
    .await
    .optional())?;
    if let Some(contact) = updated {
        return Ok(contact);
    }
    let current: Option<i64> = with_conn!(conn, |c| contacts::table
        .find(id)
        .select(contacts::version)
        .first(c)
        .await
        .optional())?;
    Err(match current {
        Some(current_version) => AppError::VersionConflict { current_version },
        None => AppError::not_found("Contact", id.0),
    })
}

/// Bumps the version of a contact whose details changed (see [`update_contact`]).
pub async fn touch_contact(
    conn: &mut Conn,
    id: ContactId,
    expected: Option<i64>,
    actor: Option<UserId>,
) -> AppResult<Contact> {
    update_contact(conn, id, &ContactChanges::default(), expected, actor).await
}

/// The row of a live contact, to change it (`contacts` is a view; writes go to the table).
fn live_record(
    id: ContactId,
) -> diesel::dsl::Filter<
    diesel::dsl::Find<contact_records::table, ContactId>,
    diesel::dsl::IsNull<contact_records::deleted_at>,
> {
    contact_records::table
        .find(id)
        .filter(contact_records::deleted_at.is_null())
}

/// Moves a live contact to the trash (`deleted`), or a trashed one out of it, bumping its
/// version; `None` when there is no such contact in the state it leaves.
pub async fn set_deleted(
    conn: &mut Conn,
    id: ContactId,
    deleted: bool,
    actor: Option<UserId>,
) -> AppResult<Option<Contact>> {
    use diesel::IntoSql as _;
    let now = Timestamp::now();
    let (at, by) = if deleted {
        (Some(now), actor)
    } else {
        (None, None)
    };
    Ok(with_conn!(conn, |c| diesel::update(
        contact_records::table.find(id).filter(
            contact_records::deleted_at
                .is_null()
                .eq(deleted.into_sql::<diesel::sql_types::Bool>())
        )
    )
    .set((
        contact_records::deleted_at.eq(at),
        contact_records::deleted_by.eq(by),
        contact_records::version.eq(contact_records::version + 1),
        contact_records::updated_at.eq(now),
        contact_records::updated_by.eq(actor),
    ))
    .returning(contact_records::all_columns)
    .get_result(c)
    .await
    .optional())?)
}

/// A contact in the trash that the viewer could see if it were live, locked until commit.
pub async fn find_trashed(
    conn: &mut Conn,
    viewer: &Viewer,
    id: ContactId,
) -> AppResult<Option<Contact>> {
    // Locking by writing: `FOR UPDATE` is PostgreSQL-only, and SQLite writers queue anyway.
    let found: Option<Contact> = with_conn!(conn, |c| diesel::update(
        contact_records::table
            .find(id)
            .filter(contact_records::deleted_at.is_not_null())
    )
    .set(contact_records::version.eq(contact_records::version))
    .returning(contact_records::all_columns)
    .get_result(c)
    .await
    .optional())?;
    Ok(found.filter(|contact| viewer.sees(contact.company_id)))
}

/// Deletes a contact for good, live or trashed.
pub async fn purge_contact(conn: &mut Conn, id: ContactId) -> AppResult<()> {
    // Details, account links and history go with it (ON DELETE CASCADE).
    with_conn!(conn, |c| diesel::delete(contact_records::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Contacts in the trash since before `cutoff`, oldest first, at most `limit`.
pub async fn trashed_before(
    conn: &mut Conn,
    cutoff: Timestamp,
    limit: i64,
) -> AppResult<Vec<ContactId>> {
    Ok(with_conn!(conn, |c| contact_records::table
        .filter(contact_records::deleted_at.lt(cutoff))
        .order((contact_records::deleted_at, contact_records::id))
        .select(contact_records::id)
        .limit(limit)
        .load(c)
        .await)?)
}

/// An account with the contact it is assigned to, for the `accounts` loader.
#[derive(Debug, Clone)]
pub struct AssignedAccount {
    pub contact_id: ContactId,
    pub account: Account,
}

pub async fn accounts_of(
    conn: &mut Conn,
    viewer: &Viewer,
    contact_ids: &[ContactId],
) -> AppResult<Vec<AssignedAccount>> {
    let rows: Vec<(ContactId, Account)> = with_conn!(conn, |c| contact_accounts::table
        .inner_join(accounts::table)
        .filter(contact_accounts::contact_id.eq_any(contact_ids))
        .filter(visible!(accounts::company_id, viewer))
        .order((contact_accounts::contact_id, accounts::name, accounts::id))
        .select((contact_accounts::contact_id, Account::as_select()))
        .load(c)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(contact_id, account)| AssignedAccount {
            contact_id,
            account,
        })
        .collect())
}

/// Replaces the contact's accounts with `account_ids`.
pub async fn set_accounts(
    conn: &mut Conn,
    contact_id: ContactId,
    account_ids: &[AccountId],
) -> AppResult<()> {
    let now = Timestamp::now();
    with_conn!(conn, |c| diesel::delete(
        contact_accounts::table.filter(contact_accounts::contact_id.eq(contact_id))
    )
    .execute(c)
    .await)?;
    for account_id in account_ids {
        with_conn!(conn, |c| diesel::insert_into(contact_accounts::table)
            .values((
                contact_accounts::contact_id.eq(contact_id),
                contact_accounts::account_id.eq(*account_id),
                contact_accounts::created_at.eq(now),
                contact_accounts::updated_at.eq(now),
            ))
            .execute(c)
            .await)?;
    }
    Ok(())
}

/// Number of contacts matching nothing but existence, for `serve --demo`.
pub async fn count_all(conn: &mut Conn) -> AppResult<i64> {
    Ok(with_conn!(conn, |c| contacts::table
        .select(count_star())
        .get_result::<i64>(c)
        .await)?)
}

/// The queries every detail table shares: load by contacts, find one (through a visible
/// contact), insert, update, delete; and for details with a primary flag, its upkeep.
macro_rules! detail_table {
    ($module:ident, $table:ident, $row:ty, $id:ty, $new:ty, $changes:ty, primary: $has_primary:tt) => {
        pub mod $module {
            use diesel::prelude::*;
            use diesel_async::RunQueryDsl;

            use crate::db::Conn;
            use crate::db::schema::{$table, contacts};
            use crate::error::AppResult;
            use crate::ids::ContactId;
            use crate::viewer::Viewer;
            use crate::{visible, with_conn};

            /// The details of these contacts, primary first, then oldest first.
            pub async fn of(
                conn: &mut Conn,
                _viewer: &Viewer,
                contact_ids: &[ContactId],
            ) -> AppResult<Vec<$row>> {
                Ok(with_conn!(conn, |c| $table::table
                    .filter($table::contact_id.eq_any(contact_ids))
                    .order(detail_table!(@order $table, $has_primary))
                    .select(<$row>::as_select())
                    .load(c)
                    .await)?)
            }

            /// The details with these ids whose contact the viewer can see.
            pub async fn by_ids(conn: &mut Conn, viewer: &Viewer, ids: &[$id]) -> AppResult<Vec<$row>> {
                Ok(with_conn!(conn, |c| $table::table
                    .inner_join(contacts::table)
                    .filter($table::id.eq_any(ids))
                    .filter(visible!(contacts::company_id, viewer))
                    .select(<$row>::as_select())
                    .load(c)
                    .await)?)
            }

            pub async fn find(conn: &mut Conn, viewer: &Viewer, id: $id) -> AppResult<Option<$row>> {
                Ok(by_ids(conn, viewer, &[id]).await?.pop())
            }

            pub async fn insert(conn: &mut Conn, contact_id: ContactId, new: &$new) -> AppResult<$row> {
                Ok(with_conn!(conn, |c| diesel::insert_into($table::table)
                    .values(($table::contact_id.eq(contact_id), new))
                    .returning(<$row>::as_returning())
                    .get_result(c)
                    .await)?)
            }

            pub async fn update(conn: &mut Conn, id: $id, changes: &$changes) -> AppResult<$row> {
                Ok(with_conn!(conn, |c| diesel::update($table::table.find(id))
                    .set(changes)
                    .returning(<$row>::as_returning())
                    .get_result(c)
                    .await)?)
            }

            pub async fn delete(conn: &mut Conn, id: $id) -> AppResult<()> {
                with_conn!(conn, |c| diesel::delete($table::table.find(id)).execute(c).await)?;
                Ok(())
            }

            detail_table!(@primary $table, $id, $has_primary);

        }
    };
    (@order $table:ident, true) => {
        ($table::contact_id, $table::is_primary.desc(), $table::id)
    };
    (@order $table:ident, false) => {
        ($table::contact_id, $table::id)
    };
    (@primary $table:ident, $id:ty, true) => {
        /// Ids of the contact's details of this kind, except `except`.
        pub async fn other_ids(
            conn: &mut Conn,
            contact_id: ContactId,
            except: Option<$id>,
        ) -> AppResult<Vec<$id>> {
            let except = except.map_or(0, |id| id.0);
            Ok(with_conn!(conn, |c| $table::table
                .filter($table::contact_id.eq(contact_id))
                .filter($table::id.ne(except))
                .select($table::id)
                .load(c)
                .await)?)
        }

        /// Unmarks the contact's primary of this kind (before another is marked).
        pub async fn clear_primary(conn: &mut Conn, contact_id: ContactId) -> AppResult<()> {
            with_conn!(conn, |c| diesel::update(
                $table::table
                    .filter($table::contact_id.eq(contact_id))
                    .filter($table::is_primary.eq(true))
            )
            .set(($table::is_primary.eq(false), $table::updated_at.eq(crate::time::Timestamp::now())))
            .execute(c)
            .await)?;
            Ok(())
        }

        pub async fn mark_primary(conn: &mut Conn, id: $id) -> AppResult<()> {
            with_conn!(conn, |c| diesel::update($table::table.find(id))
                .set(($table::is_primary.eq(true), $table::updated_at.eq(crate::time::Timestamp::now())))
                .execute(c)
                .await)?;
            Ok(())
        }
    };
    (@primary $table:ident, $id:ty, false) => {};
}

detail_table!(emails, contact_emails, crate::contacts::model::ContactEmail, crate::ids::EmailId,
    crate::contacts::forms::NewEmail, crate::contacts::forms::EmailChanges, primary: true);
detail_table!(phones, contact_phones, crate::contacts::model::ContactPhone, crate::ids::PhoneId,
    crate::contacts::forms::NewPhone, crate::contacts::forms::PhoneChanges, primary: true);
detail_table!(addresses, contact_addresses, crate::contacts::model::ContactAddress,
    crate::ids::AddressId, crate::contacts::forms::NewAddress,
    crate::contacts::forms::AddressChanges, primary: true);
detail_table!(bank_accounts, contact_bank_accounts, crate::contacts::model::ContactBankAccount,
    crate::ids::BankAccountId, crate::contacts::forms::NewBankAccount,
    crate::contacts::forms::BankAccountChanges, primary: false);

pub use addresses::of as addresses_of;
pub use bank_accounts::of as bank_accounts_of;
pub use emails::of as emails_of;
pub use phones::of as phones_of;

// ---- the contact list -------------------------------------------------------------------------

diesel::define_sql_function! {
    /// `lower(text)`; on both backends it folds ASCII letters only (PostgreSQL columns use the
    /// "C" collation), so search behaves the same everywhere.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    #[sql_name = "lower"]
    fn lower_nullable(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// The contacts the viewer may see that match `$filter`, as a boxed query of `contacts`.
/// A macro, not a function: the boxed query is typed by the backend of the arm it runs in.
#[macro_export]
macro_rules! filtered_contacts {
    ($viewer:expr, $filter:expr) => {
        $crate::filtered_contacts!(contacts::table.into_boxed(), $viewer, $filter)
    };
    ($base:expr, $viewer:expr, $filter:expr) => {{
        use diesel::IntoSql as _;
        use diesel::sql_types::Bool;
        use $crate::contacts::{lower, lower_nullable};
        use $crate::db::schema::{
            contact_accounts, contact_emails, contact_phones, lifecycle_steps,
        };
        let f: &$crate::contacts::list::FilterSql = $filter;
        let mut query = $base.filter($crate::visible!(contacts::company_id, $viewer));
        if let Some(ids) = &f.company_ids {
            query = query.filter(
                contacts::company_id
                    .eq_any(ids.clone())
                    .or(contacts::company_id
                        .is_null()
                        .and(f.include_tenant_wide.into_sql::<Bool>())),
            );
        } else if !f.include_tenant_wide {
            query = query.filter(contacts::company_id.is_not_null());
        }
        if let Some(pattern) = &f.search {
            let digits = f.search_digits.clone().unwrap_or_default();
            let has_digits = f.search_digits.is_some();
            query = query.filter(
                lower(contacts::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower_nullable(contacts::full_name)
                        .like(pattern.clone())
                        .escape('\\'))
                    .or(diesel::dsl::exists(
                        contact_emails::table
                            .filter(contact_emails::contact_id.eq(contacts::id))
                            .filter(
                                lower(contact_emails::email)
                                    .like(pattern.clone())
                                    .escape('\\'),
                            ),
                    ))
                    .or(diesel::dsl::exists(
                        contact_phones::table
                            .filter(contact_phones::contact_id.eq(contacts::id))
                            .filter(contact_phones::number.like(digits)),
                    )
                    .and(has_digits.into_sql::<Bool>())),
            );
        }
        if let Some(status) = &f.status {
            query = query.filter(contacts::status.eq_any(status.clone()));
        }
        if let Some(ids) = &f.segmentation_ids {
            query = query.filter(contacts::segmentation_id.eq_any(ids.clone()));
        }
        if let Some(ids) = &f.reason_code_ids {
            query = query.filter(contacts::reason_code_id.eq_any(ids.clone()));
        }
        if let Some(ids) = &f.owner_ids {
            query = query.filter(contacts::owner_id.eq_any(ids.clone()));
        }
        if let Some(ids) = &f.template_ids {
            query = query.filter(contacts::lifecycle_template_id.eq_any(ids.clone()));
        }
        if let Some(ids) = &f.step_ids {
            query = query.filter(contacts::current_step_id.eq_any(ids.clone()));
        }
        if let Some(ids) = &f.category_ids {
            query = query.filter(
                contacts::current_step_id.eq_any(
                    lifecycle_steps::table
                        .filter(lifecycle_steps::category_id.eq_any(ids.clone()))
                        .select(lifecycle_steps::id.nullable()),
                ),
            );
        }
        if let Some(ids) = &f.account_ids {
            query = query.filter(diesel::dsl::exists(
                contact_accounts::table
                    .filter(contact_accounts::contact_id.eq(contacts::id))
                    .filter(contact_accounts::account_id.eq_any(ids.clone())),
            ));
        }
        if let Some(min) = f.scoring_min {
            query = query.filter(contacts::scoring.ge(min));
        }
        if let Some(max) = f.scoring_max {
            query = query.filter(contacts::scoring.le(max));
        }
        if let Some(from) = f.created_from {
            query = query.filter(contacts::created_at.ge(from));
        }
        if let Some(to) = f.created_to {
            query = query.filter(contacts::created_at.lt(to));
        }
        if let Some(from) = f.updated_from {
            query = query.filter(contacts::updated_at.ge(from));
        }
        if let Some(to) = f.updated_to {
            query = query.filter(contacts::updated_at.lt(to));
        }
        if let Some(has) = f.has_email {
            let any = diesel::dsl::exists(
                contact_emails::table.filter(contact_emails::contact_id.eq(contacts::id)),
            );
            query = if has {
                query.filter(any)
            } else {
                query.filter(diesel::dsl::not(any))
            };
        }
        if f.deleted {
            // Only `contact_records` has deleted rows (see `on_contacts_of!`).
            query = query.filter(contacts::deleted_at.is_not_null());
        }
        if let Some(has) = f.has_phone {
            let any = diesel::dsl::exists(
                contact_phones::table.filter(contact_phones::contact_id.eq(contacts::id)),
            );
            query = if has {
                query.filter(any)
            } else {
                query.filter(diesel::dsl::not(any))
            };
        }
        query
    }};
}

/// `$body` with `contacts` naming the trash (`contact_records`, which `filtered_contacts!`
/// then limits to deleted rows) when `$deleted`, else the live contacts (the view). Rows are
/// selected with `contacts::all_columns`: both have the columns of [`Contact`] in its order.
macro_rules! on_contacts_of {
    ($deleted:expr, $body:expr) => {
        if $deleted {
            use $crate::db::schema::contact_records as contacts;
            $body
        } else {
            use $crate::db::schema::contacts;
            $body
        }
    };
}

/// Orders a boxed contacts query by a non-null column and keeps the rows after the cursor.
macro_rules! page_by_required {
    ($query:ident, $column:expr, $asc:expr, $cursor:expr) => {{
        if $asc {
            $query = $query
                .order_by($column.asc())
                .then_order_by(contacts::id.asc());
        } else {
            $query = $query
                .order_by($column.desc())
                .then_order_by(contacts::id.desc());
        }
        // The redundant `>=` (`<=`) lets the planner start an index scan at the cursor and
        // stop after the page, instead of collecting every later row and sorting them.
        if let Some((value, id)) = $cursor {
            $query = if $asc {
                $query.filter($column.ge(value.clone())).filter(
                    $column
                        .gt(value.clone())
                        .or($column.eq(value).and(contacts::id.gt(id))),
                )
            } else {
                $query.filter($column.le(value.clone())).filter(
                    $column
                        .lt(value.clone())
                        .or($column.eq(value).and(contacts::id.lt(id))),
                )
            };
        }
    }};
}

/// Orders by a nullable column (empty values last, or first when walking backwards) and keeps
/// the rows after the cursor.
macro_rules! page_by_optional {
    ($query:ident, $column:expr, $asc:expr, $nulls_last:expr, $cursor:expr) => {{
        $query = if $nulls_last {
            $query.order_by($column.is_null().asc())
        } else {
            $query.order_by($column.is_null().desc())
        };
        $query = if $asc {
            $query
                .then_order_by($column.asc())
                .then_order_by(contacts::id.asc())
        } else {
            $query
                .then_order_by($column.desc())
                .then_order_by(contacts::id.desc())
        };
        match ($cursor, $asc, $nulls_last) {
            (None, _, _) => {}
            (Some((Some(value), id)), true, true) => {
                $query = $query.filter(
                    $column
                        .is_null()
                        .or($column.gt(value.clone()))
                        .or($column.eq(value).and(contacts::id.gt(id))),
                );
            }
            (Some((Some(value), id)), false, true) => {
                $query = $query.filter(
                    $column
                        .is_null()
                        .or($column.lt(value.clone()))
                        .or($column.eq(value).and(contacts::id.lt(id))),
                );
            }
            (Some((Some(value), id)), true, false) => {
                $query = $query.filter(
                    $column.is_not_null().and(
                        $column
                            .gt(value.clone())
                            .or($column.eq(value).and(contacts::id.gt(id))),
                    ),
                );
            }
            (Some((Some(value), id)), false, false) => {
                $query = $query.filter(
                    $column.is_not_null().and(
                        $column
                            .lt(value.clone())
                            .or($column.eq(value).and(contacts::id.lt(id))),
                    ),
                );
            }
            (Some((None, id)), true, true) => {
                $query = $query.filter($column.is_null().and(contacts::id.gt(id)));
            }
            (Some((None, id)), false, true) => {
                $query = $query.filter($column.is_null().and(contacts::id.lt(id)));
            }
            (Some((None, id)), true, false) => {
                $query = $query.filter(
                    $column
                        .is_not_null()
                        .or($column.is_null().and(contacts::id.gt(id))),
                );
            }
            (Some((None, id)), false, false) => {
                $query = $query.filter(
                    $column
                        .is_not_null()
                        .or($column.is_null().and(contacts::id.lt(id))),
                );
            }
        }
    }};
}

use super::list::{
    ContactCounts, ContactOrderField, FilterSql, OrderDirection, PageQuery, SortValue,
};

fn text_cursor(cursor: &Option<super::list::Cursor>) -> Option<(Option<String>, i64)> {
    cursor.as_ref().and_then(|c| match &c.value {
        SortValue::Text(v) => Some((v.clone(), c.id)),
        _ => None,
    })
}

fn number_cursor(cursor: &Option<super::list::Cursor>) -> Option<(Option<f64>, i64)> {
    cursor.as_ref().and_then(|c| match &c.value {
        SortValue::Number(v) => Some((*v, c.id)),
        _ => None,
    })
}

fn time_cursor(cursor: &Option<super::list::Cursor>) -> Option<(Option<Timestamp>, i64)> {
    cursor.as_ref().and_then(|c| match &c.value {
        SortValue::Time(v) => Some((*v, c.id)),
        _ => None,
    })
}

fn required<T>(cursor: Option<(Option<T>, i64)>) -> Option<(T, i64)> {
    cursor.and_then(|(value, id)| value.map(|v| (v, id)))
}

/// One page of contacts plus one row, to tell whether another page follows.
pub async fn list_contacts(
    conn: &mut Conn,
    viewer: &Viewer,
    page: &PageQuery,
) -> AppResult<Vec<Contact>> {
    let ascending = (page.order.direction == OrderDirection::Asc) != page.backwards;
    let nulls_last = !page.backwards;
    let fetch = page.limit + 1;
    let status_cursor = required(text_cursor(&page.cursor)).and_then(|(status, id)| {
        status
            .parse::<super::model::ContactStatus>()
            .ok()
            .map(|s| (s, id))
    });
    Ok(on_contacts_of!(
        page.filter.deleted,
        with_conn!(conn, |c| {
            let mut query = filtered_contacts!(viewer, &page.filter);
            match page.order.field {
                ContactOrderField::Name => {
                    page_by_required!(
                        query,
                        contacts::name,
                        ascending,
                        required(text_cursor(&page.cursor))
                    )
                }
                ContactOrderField::Status => {
                    page_by_required!(query, contacts::status, ascending, status_cursor)
                }
                ContactOrderField::CreatedAt => {
                    page_by_required!(
                        query,
                        contacts::created_at,
                        ascending,
                        required(time_cursor(&page.cursor))
                    )
                }
                ContactOrderField::UpdatedAt => {
                    page_by_required!(
                        query,
                        contacts::updated_at,
                        ascending,
                        required(time_cursor(&page.cursor))
                    )
                }
                ContactOrderField::FullName => {
                    page_by_optional!(
                        query,
                        contacts::full_name,
                        ascending,
                        nulls_last,
                        text_cursor(&page.cursor)
                    )
                }
                ContactOrderField::Scoring => {
                    page_by_optional!(
                        query,
                        contacts::scoring,
                        ascending,
                        nulls_last,
                        number_cursor(&page.cursor)
                    )
                }
                ContactOrderField::StageChangedAt => {
                    page_by_optional!(
                        query,
                        contacts::stage_changed_at,
                        ascending,
                        nulls_last,
                        time_cursor(&page.cursor)
                    )
                }
            }
            query
                .limit(fetch)
                .select(contacts::all_columns)
                .load::<Contact>(c)
                .await
        })
    )?)
}

/// The ids of the live contacts matching `filter`, at most `limit`, by id.
pub async fn filtered_ids(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &FilterSql,
    limit: i64,
) -> AppResult<Vec<ContactId>> {
    Ok(with_conn!(conn, |c| filtered_contacts!(viewer, filter)
        .order(contacts::id)
        .select(contacts::id)
        .limit(limit)
        .load(c)
        .await)?)
}

pub async fn count_contacts(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &FilterSql,
) -> AppResult<i64> {
    Ok(on_contacts_of!(
        filter.deleted,
        with_conn!(conn, |c| filtered_contacts!(viewer, filter)
            .select(count_star())
            .get_result::<i64>(c)
            .await)
    )?)
}

/// Contacts per status, for the Open/Closed dashboard (one count per status: boxed queries
/// cannot be grouped).
pub async fn contact_counts(
    conn: &mut Conn,
    viewer: &Viewer,
    filter: &FilterSql,
) -> AppResult<ContactCounts> {
    use super::model::ContactStatus;
    let mut counts = [0_i64; 3];
    for (slot, status) in [ContactStatus::Open, ContactStatus::Won, ContactStatus::Lost]
        .into_iter()
        .enumerate()
    {
        counts[slot] = with_conn!(conn, |c| filtered_contacts!(viewer, filter)
            .filter(contacts::status.eq(status))
            .select(count_star())
            .get_result::<i64>(c)
            .await)?;
    }
    let [open, won, lost] = counts;
    Ok(ContactCounts {
        total: open + won + lost,
        open,
        closed: won + lost,
        won,
        lost,
    })
}

/// The names of the contact's references that belong to a company other than the contact's,
/// after the contact moved to another company.
pub async fn foreign_references(
    conn: &mut Conn,
    contact_id: ContactId,
) -> AppResult<Vec<&'static str>> {
    use crate::db::schema::{
        contact_addresses, contact_emails, contact_phones, detail_types, lifecycle_templates,
        reason_codes, segmentations,
    };
    macro_rules! foreign {
        ($c:ident, $join:expr, $company:expr) => {
            $join
                .filter(contacts::id.eq(contact_id))
                .filter($company.is_not_null())
                .filter(
                    contacts::company_id
                        .is_null()
                        .or(contacts::company_id.ne($company)),
                )
                .select(count_star())
                .get_result::<i64>($c)
                .await
        };
    }
    let counts = with_conn!(conn, |c| {
        let checks = [
            (
                "segmentationId",
                foreign!(
                    c,
                    contacts::table.inner_join(segmentations::table),
                    segmentations::company_id
                )?,
            ),
            (
                "reasonCodeId",
                foreign!(
                    c,
                    contacts::table.inner_join(reason_codes::table),
                    reason_codes::company_id
                )?,
            ),
            (
                "lifecycleTemplateId",
                foreign!(
                    c,
                    contacts::table.inner_join(lifecycle_templates::table),
                    lifecycle_templates::company_id
                )?,
            ),
            (
                "accountIds",
                foreign!(
                    c,
                    contacts::table.inner_join(contact_accounts::table.inner_join(accounts::table)),
                    accounts::company_id
                )?,
            ),
            (
                "emails",
                foreign!(
                    c,
                    contacts::table
                        .inner_join(contact_emails::table.inner_join(detail_types::table)),
                    detail_types::company_id
                )?,
            ),
            (
                "phones",
                foreign!(
                    c,
                    contacts::table
                        .inner_join(contact_phones::table.inner_join(detail_types::table)),
                    detail_types::company_id
                )?,
            ),
            (
                "addresses",
                foreign!(
                    c,
                    contacts::table
                        .inner_join(contact_addresses::table.inner_join(detail_types::table)),
                    detail_types::company_id
                )?,
            ),
        ];
        diesel::QueryResult::Ok(checks)
    })?;
    Ok(counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(field, _)| field)
        .collect())
}

/// Puts a contact on a step (after its version was bumped by `touch_contact`): the step, the
/// status it means, when it moved, and optionally its template and reason code. The lifecycle
/// records the move.
pub async fn place_on_step(
    conn: &mut Conn,
    id: ContactId,
    placement: &Placement,
) -> AppResult<Contact> {
    Ok(with_conn!(conn, |c| diesel::update(live_record(id))
        .set(placement)
        .returning(contact_records::all_columns)
        .get_result(c)
        .await)?)
}

/// For each of `emails` (compared case-insensitively) that a contact the viewer sees has, the
/// first such contact: the lower-cased email with the contact's id.
pub async fn contacts_by_email(
    conn: &mut Conn,
    viewer: &Viewer,
    emails: &[String],
) -> AppResult<std::collections::HashMap<String, ContactId>> {
    use crate::db::schema::contact_emails;
    let emails: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    let found: Vec<(String, ContactId)> = with_conn!(conn, |c| contact_emails::table
        .inner_join(contacts::table)
        .filter(lower(contact_emails::email).eq_any(&emails))
        .filter(visible!(contacts::company_id, viewer))
        .order(contacts::id.desc())
        .select((lower(contact_emails::email), contacts::id))
        .load(c)
        .await)?;
    // Highest id first, so the lowest is inserted last and stays.
    Ok(found.into_iter().collect())
}

// ---- merging ----------------------------------------------------------------------------------

/// Moves the details, account links and documents of `merged` to `survivor`: exact duplicates
/// of what the survivor has by then (the same email case-insensitively, phone number, IBAN,
/// address) are dropped, the rest moves as non-primary, and account links the survivor lacks are
/// added. Then each kind the survivor has without a primary gets its oldest as primary.
pub async fn move_details(
    conn: &mut Conn,
    merged: ContactId,
    survivor: ContactId,
) -> AppResult<()> {
    use crate::db::raw::Sql;
    let same_address = "COALESCE(s.address, '') = COALESCE(d.address, '') \
        AND COALESCE(s.country, '') = COALESCE(d.country, '') \
        AND COALESCE(s.state, '') = COALESCE(d.state, '') \
        AND COALESCE(s.city, '') = COALESCE(d.city, '') \
        AND COALESCE(s.zip_code, '') = COALESCE(d.zip_code, '') \
        AND COALESCE(s.locality, '') = COALESCE(d.locality, '')";
    let kinds = [
        ("contact_emails", "lower(s.email) = lower(d.email)", true),
        ("contact_phones", "s.number = d.number", true),
        ("contact_addresses", same_address, true),
        ("contact_bank_accounts", "s.iban = d.iban", false),
    ];
    for (table, same, has_primary) in kinds {
        let mut drop = Sql::new(conn.kind());
        drop.push(&format!(
            "DELETE FROM {table} WHERE id IN (SELECT d.id FROM {table} d WHERE d.contact_id = "
        ))
        .bind(merged.0)
        .push(&format!(
            " AND EXISTS (SELECT 1 FROM {table} s WHERE s.contact_id = "
        ))
        .bind(survivor.0)
        .push(&format!(" AND {same}))"));
        drop.execute(conn).await?;
        let mut r#move = Sql::new(conn.kind());
        r#move
            .push(&format!("UPDATE {table} SET contact_id = "))
            .bind(survivor.0);
        if has_primary {
            r#move.push(", is_primary = FALSE");
        }
        r#move.push(" WHERE contact_id = ").bind(merged.0);
        r#move.execute(conn).await?;
        if has_primary {
            let mut primary = Sql::new(conn.kind());
            primary
                .push(&format!("UPDATE {table} SET is_primary = TRUE WHERE id = (SELECT min(id) FROM {table} WHERE contact_id = "))
                .bind(survivor.0)
                .push(&format!(") AND NOT EXISTS (SELECT 1 FROM {table} WHERE is_primary AND contact_id = "))
                .bind(survivor.0)
                .push(")");
            primary.execute(conn).await?;
        }
    }
    let mut links = Sql::new(conn.kind());
    links
        .push("INSERT INTO contact_accounts (contact_id, account_id, created_at, updated_at) SELECT ")
        .bind(survivor.0)
        .push(", d.account_id, d.created_at, d.updated_at FROM contact_accounts d WHERE d.contact_id = ")
        .bind(merged.0)
        .push(" AND d.account_id NOT IN (SELECT s.account_id FROM contact_accounts s WHERE s.contact_id = ")
        .bind(survivor.0)
        .push(")");
    links.execute(conn).await?;
    let mut unlink = Sql::new(conn.kind());
    unlink
        .push("DELETE FROM contact_accounts WHERE contact_id = ")
        .bind(merged.0);
    unlink.execute(conn).await?;
    let mut documents = Sql::new(conn.kind());
    documents
        .push("UPDATE contact_documents SET contact_id = ")
        .bind(survivor.0)
        .push(" WHERE contact_id = ")
        .bind(merged.0);
    documents.execute(conn).await?;
    Ok(())
}

/// The rows of `table` (one with a `contact_id`) that belong to `contact`.
pub async fn count_of_contact(
    conn: &mut Conn,
    table: &'static str,
    contact: ContactId,
) -> AppResult<i64> {
    let mut sql = crate::db::raw::Sql::new(conn.kind());
    sql.push(&format!(
        "SELECT count(*) AS n FROM {table} WHERE contact_id = "
    ))
    .bind(contact.0);
    let rows: Vec<crate::db::raw::Count> = sql.load(conn).await?;
    Ok(rows.iter().map(|r| r.n).sum())
}
