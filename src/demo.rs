//! Demo data: the two demo companies with their users, accounts and a segment, and realistic
//! contacts with details and stage histories along the tenant-wide default lifecycle.
//!
//! `rapport seed-demo --contacts N` adds N contacts every time it runs; `rapport serve --demo`
//! seeds [`SERVE_DEMO_CONTACTS`] only into a database without contacts. Every random choice
//! comes from a generator seeded by the number of contacts already stored, so the same database
//! and count always give the same data (and a second run does not repeat the first).
//!
//! Contacts are written in chunks of [`CHUNK`], one transaction each: memory stays bounded and
//! the server never sees half a contact. PostgreSQL gets multi-row `INSERT`s from two writers;
//! the async SQLite wrapper cannot compile those, so SQLite inserts row by row inside the same
//! transaction, on the connection's blocking thread. Figures are in `BENCHMARKS.md`.

use std::fmt;

use chrono::TimeDelta;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::StreamExt as _;

use crate::contacts::count_all;
use crate::contacts::forms::{NewAddress, NewBankAccount, NewContact, NewEmail, NewPhone};
use crate::contacts::model::ContactStatus;
use crate::db::schema::{
    accounts, companies, contact_accounts, contact_addresses, contact_bank_accounts,
    contact_emails, contact_phones, contacts, detail_types, lifecycle_categories, lifecycle_steps,
    lifecycle_templates, reason_codes, segmentations, stage_transitions, users,
};
use crate::db::{Backend, BackendKind, Conn, Db, PgConn, SqliteConn};
use crate::error::{AppError, AppResult};
use crate::ids::{
    CompanyId, ContactId, DetailTypeId, ReasonCodeId, SegmentationId, StepId, TemplateId, TypedId,
    UserId,
};
use crate::lifecycle::NewTransition;
use crate::lifecycle::model::StepOutcome;
use crate::settings::ConfigRecord;
use crate::settings::input::{NewAccount, NewCompany, NewSegmentation, NewUser};
use crate::settings::model::{Account, Company, Segmentation, User};
use crate::settings::model::{DetailKind, ReasonOutcome};
use crate::time::Timestamp;
use crate::viewer::Role;
use crate::with_conn;

/// Contacts `serve --demo` loads into a database that has none: enough to page and filter.
pub const SERVE_DEMO_CONTACTS: usize = 200;

/// Contacts per transaction.
const CHUNK: usize = 1_000;

/// Rows per multi-row `INSERT` on PostgreSQL, which takes at most 65,535 bind parameters per
/// statement: the widest demo row has 14 columns, and 14 × 4,000 = 56,000.
const ROWS_PER_STATEMENT: usize = 4_000;

/// How far back contacts were created: about 18 months.
const HISTORY_DAYS: i64 = 540;

diesel::define_sql_function! {
    /// `lower(text)`, to find demo records the way the unique indexes compare them.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// How many rows a seeding run wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedSummary {
    pub contacts: u64,
    pub emails: u64,
    pub phones: u64,
    pub addresses: u64,
    pub bank_accounts: u64,
    pub account_links: u64,
    pub transitions: u64,
}

impl SeedSummary {
    fn add(&mut self, other: SeedSummary) {
        self.contacts += other.contacts;
        self.emails += other.emails;
        self.phones += other.phones;
        self.addresses += other.addresses;
        self.bank_accounts += other.bank_accounts;
        self.account_links += other.account_links;
        self.transitions += other.transitions;
    }
}

impl fmt::Display for SeedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} contacts, {} emails, {} phones, {} addresses, {} bank accounts, \
             {} account links, {} stage transitions",
            self.contacts,
            self.emails,
            self.phones,
            self.addresses,
            self.bank_accounts,
            self.account_links,
            self.transitions
        )
    }
}

/// `serve --demo`: seeds [`SERVE_DEMO_CONTACTS`] contacts when the database has none.
pub async fn load_if_empty(db: &Db) -> anyhow::Result<()> {
    if count_contacts(db).await? > 0 {
        return Ok(());
    }
    let summary = seed(db, SERVE_DEMO_CONTACTS).await?;
    tracing::info!("loaded demo data: {summary}");
    Ok(())
}

/// Adds `count` demo contacts, creating the demo companies, users, accounts and segments first
/// when they are missing.
pub async fn seed(db: &Db, count: usize) -> anyhow::Result<SeedSummary> {
    let now = Timestamp::now();
    let catalog = db
        .transaction(async |c| {
            ensure_demo_companies(c, now).await?;
            Catalog::load(c).await
        })
        .await
        .map_err(|e| cli_error("preparing the demo companies", e))?;
    if catalog.lifecycle.is_none() {
        tracing::warn!("no tenant-wide default lifecycle: demo contacts get no stage history");
    }
    let existing = count_contacts(db).await?;
    let mut rng = Rng::new(0x5EED_DE30_u64 ^ existing.unsigned_abs());
    let mut remaining = count;
    let chunks = std::iter::from_fn(|| {
        let size = remaining.min(CHUNK);
        remaining -= size;
        (size > 0).then(|| {
            (0..size)
                .map(|_| generate_contact(&mut rng, &catalog, now))
                .collect::<Vec<_>>()
        })
    });
    // PostgreSQL spends its time in index upkeep and foreign-key checks, one core per
    // connection: two writers keep two cores busy. SQLite has one writer whatever we do.
    let writers = match db.kind() {
        BackendKind::Postgres => 2,
        BackendKind::Sqlite => 1,
    };
    let mut written = futures_util::stream::iter(chunks)
        .map(|chunk| write_chunk(db, chunk))
        .buffer_unordered(writers);
    let mut summary = SeedSummary::default();
    while let Some(chunk) = written.next().await {
        let before = summary.contacts;
        summary.add(chunk?);
        if summary.contacts / 10_000 > before / 10_000 && summary.contacts < count as u64 {
            tracing::info!("{} of {count} demo contacts written", summary.contacts);
        }
    }
    // Histories went in by the thousand, past the per-move bookkeeping: progress along each
    // lifecycle is rebuilt from them, one pass per template.
    db.transaction(async |c| {
        let templates: Vec<i64> = with_conn!(c, |c| lifecycle_templates::table
            .select(lifecycle_templates::id)
            .load(c)
            .await)?;
        for template in templates {
            crate::lifecycle::rebuild_progress(c, TemplateId(template)).await?;
        }
        Ok(())
    })
    .await
    .map_err(|e| cli_error("recording lifecycle progress", e))?;
    Ok(summary)
}

/// Writes one chunk of contacts in its own transaction.
async fn write_chunk(db: &Db, chunk: Vec<DemoContact>) -> anyhow::Result<SeedSummary> {
    db.transaction(async |c| match c.backend() {
        Backend::Postgres(pg) => Ok(insert_chunk_pg(pg, chunk).await?),
        Backend::Sqlite(lite) => Ok(insert_chunk_sqlite(lite, chunk).await?),
    })
    .await
    .map_err(|e| cli_error("inserting demo contacts", e))
}

async fn count_contacts(db: &Db) -> anyhow::Result<i64> {
    let counted = async { count_all(&mut db.conn().await?).await };
    counted.await.map_err(|e| cli_error("counting contacts", e))
}

/// A command-line error: internal errors keep their cause (a client would never see it here).
fn cli_error(doing: &str, error: AppError) -> anyhow::Error {
    match error {
        AppError::Internal(cause) => anyhow::anyhow!("{doing}: {cause:#}"),
        other => anyhow::anyhow!("{doing}: {}", other.message()),
    }
}

// ---- demo companies ----------------------------------------------------------------------------

struct DemoCompany {
    name: &'static str,
    code: &'static str,
    users: &'static [(&'static str, &'static str, Role)],
    accounts: &'static [&'static str],
    /// Where its contacts live; repeated entries weigh more.
    locales: &'static [&'static Locale],
    /// Email domains of its contacts' organisations.
    domains: &'static [&'static str],
}

const COMPANIES: &[DemoCompany] = &[
    DemoCompany {
        name: "Architecture Company",
        code: "ARCH",
        users: &[
            ("Maria Santos", "maria.santos@arch.example", Role::Manager),
            ("Tiago Reis", "tiago.reis@arch.example", Role::Sales),
        ],
        accounts: &["Lisbon Riverside Offices", "Porto Design Hub"],
        locales: &[&PT, &PT, &PT, &PT, &ES, &ES, &FR, &GB],
        domains: &[
            "riverside-offices.example",
            "porto-design.example",
            "tejo-engenharia.example",
            "atlantico-imobiliaria.example",
            "casa-nova.example",
        ],
    },
    DemoCompany {
        name: "Northwind Supplies",
        code: "NWS",
        users: &[
            ("Ada Brooks", "ada.brooks@northwind.example", Role::Manager),
            ("Ken Ito", "ken.ito@northwind.example", Role::Sales),
        ],
        accounts: &["Contoso Retail", "Fabrikam Industrial"],
        locales: &[&GB, &GB, &GB, &US, &US, &NL, &DE, &DE],
        domains: &[
            "contoso.example",
            "fabrikam.example",
            "tailspin-toys.example",
            "wingtip.example",
            "litware.example",
        ],
    },
];

/// Tenant-wide contacts come from everywhere.
const TENANT_LOCALES: &[&Locale] = &[&PT, &GB, &DE, &ES, &FR, &NL, &US];
const TENANT_DOMAINS: &[&str] = &[
    "adventure-works.example",
    "proseware.example",
    "lucerne-publishing.example",
    "margies-travel.example",
];

/// Creates whatever part of the demo companies is missing: the companies, their users,
/// accounts and "<company> Key Accounts" segment. Existing records are kept as they are.
async fn ensure_demo_companies(c: &mut Conn, now: Timestamp) -> AppResult<()> {
    for demo in COMPANIES {
        let (name, code) = (demo.name.to_lowercase(), demo.code.to_lowercase());
        let found: Option<i64> = with_conn!(c, |conn| companies::table
            .filter(
                lower(companies::code)
                    .eq(&code)
                    .or(lower(companies::name).eq(&name))
            )
            .select(companies::id)
            .order(companies::id)
            .first(conn)
            .await
            .optional())?;
        let company_id = match found {
            Some(id) => id,
            None => {
                let new = NewCompany {
                    name: demo.name.into(),
                    code: demo.code.into(),
                    created_at: now,
                    updated_at: now,
                };
                Company::insert(c, &new).await?.id.get()
            }
        };
        for (user, email, role) in demo.users {
            let exists: Option<i64> = with_conn!(c, |conn| users::table
                .filter(lower(users::email).eq(email.to_lowercase()))
                .select(users::id)
                .first(conn)
                .await
                .optional())?;
            if exists.is_none() {
                let new = NewUser {
                    name: (*user).into(),
                    email: (*email).into(),
                    role: *role,
                    company_id: Some(CompanyId(company_id)),
                    active: true,
                    created_at: now,
                    updated_at: now,
                };
                User::insert(c, &new).await?;
            }
        }
        for account in demo.accounts {
            let exists: Option<i64> = with_conn!(c, |conn| accounts::table
                .filter(accounts::company_id.eq(company_id))
                .filter(lower(accounts::name).eq(account.to_lowercase()))
                .select(accounts::id)
                .first(conn)
                .await
                .optional())?;
            if exists.is_none() {
                let new = NewAccount {
                    name: (*account).into(),
                    company_id: Some(CompanyId(company_id)),
                    created_at: now,
                    updated_at: now,
                };
                Account::insert(c, &new).await?;
            }
        }
        let segment = format!("{} Key Accounts", demo.name);
        let exists: Option<i64> = with_conn!(c, |conn| segmentations::table
            .filter(segmentations::company_id.eq(company_id))
            .filter(lower(segmentations::name).eq(segment.to_lowercase()))
            .select(segmentations::id)
            .first(conn)
            .await
            .optional())?;
        if exists.is_none() {
            let new = NewSegmentation {
                name: segment,
                company_id: Some(CompanyId(company_id)),
                created_at: now,
                updated_at: now,
            };
            Segmentation::insert(c, &new).await?;
        }
    }
    Ok(())
}

// ---- what contacts may refer to ----------------------------------------------------------------

/// Who and what a contact of one scope (a demo company, or tenant-wide) may refer to.
struct Scope {
    company_id: Option<i64>,
    /// Active users of the scope: owners and actors.
    users: Vec<i64>,
    accounts: Vec<i64>,
    /// Tenant-wide segments, plus the company's own.
    segmentations: Vec<i64>,
    locales: &'static [&'static Locale],
    domains: &'static [&'static str],
}

/// The tenant-wide default lifecycle, its steps in path order.
struct Lifecycle {
    template_id: i64,
    first: (i64, StepOutcome),
    /// The open steps, in path order.
    open: Vec<i64>,
    won: Option<i64>,
    lost: Option<i64>,
}

impl Lifecycle {
    fn from_path(template_id: i64, path: &[(i64, StepOutcome)]) -> Option<Self> {
        // `<[_]>::first`: diesel's `RunQueryDsl::first` would shadow the slice method.
        let first = *<[_]>::first(path)?;
        let with = |outcome: StepOutcome| {
            path.iter()
                .filter(move |(_, o)| *o == outcome)
                .map(|(id, _)| *id)
        };
        Some(Self {
            template_id,
            first,
            open: with(StepOutcome::Open).collect(),
            won: with(StepOutcome::Won).next(),
            lost: with(StepOutcome::Lost).next(),
        })
    }
}

/// Everything generated contacts refer to, read once before seeding.
struct Catalog {
    /// The two demo companies, then tenant-wide.
    scopes: Vec<Scope>,
    lifecycle: Option<Lifecycle>,
    won_reasons: Vec<i64>,
    lost_reasons: Vec<i64>,
    types: DetailTypes,
}

/// Tenant-wide detail types by the name they go with (valid for every contact).
#[derive(Default)]
struct DetailTypes {
    business_email: Option<i64>,
    personal_email: Option<i64>,
    mobile: Option<i64>,
    office: Option<i64>,
    addresses: Vec<i64>,
}

impl Catalog {
    async fn load(c: &mut Conn) -> AppResult<Self> {
        let tenant_segments: Vec<i64> = with_conn!(c, |conn| segmentations::table
            .filter(segmentations::company_id.is_null())
            .order(segmentations::id)
            .select(segmentations::id)
            .load(conn)
            .await)?;
        let mut scopes = Vec::new();
        for demo in COMPANIES {
            let company_id: i64 = with_conn!(c, |conn| companies::table
                .filter(lower(companies::code).eq(demo.code.to_lowercase()))
                .select(companies::id)
                .first(conn)
                .await)?;
            let mut scope = Scope::load(c, Some(company_id), demo.locales, demo.domains).await?;
            scope
                .segmentations
                .splice(0..0, tenant_segments.iter().copied());
            scopes.push(scope);
        }
        scopes.push(Scope::load(c, None, TENANT_LOCALES, TENANT_DOMAINS).await?);

        let path: Vec<(i64, i64, StepOutcome)> = with_conn!(c, |conn| lifecycle_steps::table
            .inner_join(lifecycle_categories::table.inner_join(lifecycle_templates::table))
            .filter(lifecycle_templates::is_default.eq(true))
            .filter(lifecycle_templates::company_id.is_null())
            .order((
                lifecycle_categories::position,
                lifecycle_categories::id,
                lifecycle_steps::position,
                lifecycle_steps::id,
            ))
            .select((
                lifecycle_templates::id,
                lifecycle_steps::id,
                lifecycle_steps::outcome,
            ))
            .load(conn)
            .await)?;
        let lifecycle = <[_]>::first(&path).and_then(|(template_id, _, _)| {
            let steps: Vec<(i64, StepOutcome)> = path.iter().map(|(_, s, o)| (*s, *o)).collect();
            Lifecycle::from_path(*template_id, &steps)
        });

        let reasons: Vec<(i64, ReasonOutcome)> = with_conn!(c, |conn| reason_codes::table
            .filter(reason_codes::company_id.is_null())
            .filter(reason_codes::archived.eq(false))
            .order(reason_codes::id)
            .select((reason_codes::id, reason_codes::outcome))
            .load(conn)
            .await)?;
        let with = |outcome| {
            reasons
                .iter()
                .filter(|(_, o)| *o == outcome)
                .map(|(id, _)| *id)
                .collect()
        };

        let rows: Vec<(i64, DetailKind, String)> = with_conn!(c, |conn| detail_types::table
            .filter(detail_types::company_id.is_null())
            .order(detail_types::id)
            .select((detail_types::id, detail_types::kind, detail_types::name))
            .load(conn)
            .await)?;
        let named = |kind: DetailKind, name: &str| {
            rows.iter()
                .find(|(_, k, n)| *k == kind && n.eq_ignore_ascii_case(name))
                .map(|(id, _, _)| *id)
        };
        let types = DetailTypes {
            business_email: named(DetailKind::Email, "Business"),
            personal_email: named(DetailKind::Email, "Personal"),
            mobile: named(DetailKind::Phone, "Mobile"),
            office: named(DetailKind::Phone, "Office"),
            addresses: rows
                .iter()
                .filter(|(_, k, _)| *k == DetailKind::Address)
                .map(|(id, _, _)| *id)
                .collect(),
        };

        Ok(Self {
            scopes,
            lifecycle,
            won_reasons: with(ReasonOutcome::Won),
            lost_reasons: with(ReasonOutcome::Lost),
            types,
        })
    }
}

impl Scope {
    /// The users, accounts and segments of a company, or the tenant-wide ones (`None`).
    async fn load(
        c: &mut Conn,
        company_id: Option<i64>,
        locales: &'static [&'static Locale],
        domains: &'static [&'static str],
    ) -> AppResult<Self> {
        let (tenant_wide, company) = (company_id.is_none(), company_id.unwrap_or(0));
        // The company's rows, or the tenant-wide ones: one query shape for both.
        macro_rules! in_scope {
            ($column:expr) => {
                $column
                    .eq(company)
                    .or($column.is_null().and(
                        diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(tenant_wide),
                    ))
            };
        }
        let users = with_conn!(c, |conn| users::table
            .filter(in_scope!(users::company_id))
            .filter(users::active.eq(true))
            .order(users::id)
            .select(users::id)
            .load::<i64>(conn)
            .await)?;
        let accounts = with_conn!(c, |conn| accounts::table
            .filter(in_scope!(accounts::company_id))
            .order(accounts::id)
            .select(accounts::id)
            .load::<i64>(conn)
            .await)?;
        let segmentations = with_conn!(c, |conn| segmentations::table
            .filter(in_scope!(segmentations::company_id))
            .order(segmentations::id)
            .select(segmentations::id)
            .load::<i64>(conn)
            .await)?;
        Ok(Self {
            company_id,
            users,
            accounts,
            segmentations,
            locales,
            domains,
        })
    }
}

// ---- generating a contact ----------------------------------------------------------------------

/// A contact with its details and history, before it has an id (`contact_id` is 0 until
/// inserted).
struct DemoContact {
    contact: NewContact,
    account_ids: Vec<i64>,
    emails: Vec<NewEmail>,
    phones: Vec<NewPhone>,
    addresses: Vec<NewAddress>,
    bank_accounts: Vec<NewBankAccount>,
    transitions: Vec<NewTransition>,
}

fn generate_contact(rng: &mut Rng, catalog: &Catalog, now: Timestamp) -> DemoContact {
    // Two in five contacts per demo company, one in five tenant-wide.
    let scope = &catalog.scopes[match rng.below(5) {
        0 | 1 => 0,
        2 | 3 => 1,
        _ => 2,
    }
    .min(catalog.scopes.len() - 1)];
    let locale = *rng.pick(scope.locales).unwrap_or(&&PT);
    let first = *rng.pick(locale.first_names).unwrap_or(&"Alex");
    let last = *rng.pick(locale.last_names).unwrap_or(&"Silva");
    let middle = *rng.pick(locale.last_names).unwrap_or(&last);
    let full_name = (rng.chance(0.7) && middle != last).then(|| format!("{first} {middle} {last}"));
    let created_at = Timestamp(now.0 - rng.micros(TimeDelta::days(HISTORY_DAYS)));
    let owner = if rng.chance(0.85) {
        rng.pick(&scope.users).copied()
    } else {
        None
    };
    let history = catalog
        .lifecycle
        .as_ref()
        .map(|lifecycle| walk_lifecycle(rng, lifecycle, catalog, scope, owner, created_at, now));
    let stage_changed_at = history.as_ref().map(|h| h.changed_at);
    let scoring = rng
        .chance(0.8)
        .then(|| (rng.unit() * 1000.0).round() / 10.0);
    let segmentation_id = if rng.chance(0.8) {
        rng.pick(&scope.segmentations).copied()
    } else {
        None
    };
    let types = &catalog.types;
    DemoContact {
        contact: NewContact {
            name: format!("{first} {last}"),
            full_name,
            scoring,
            company_id: scope.company_id.map(CompanyId),
            segmentation_id: segmentation_id.map(SegmentationId),
            reason_code_id: history.as_ref().and_then(|h| h.reason).map(ReasonCodeId),
            owner_id: owner.map(UserId),
            lifecycle_template_id: catalog
                .lifecycle
                .as_ref()
                .map(|l| TemplateId(l.template_id)),
            current_step_id: history.as_ref().map(|h| StepId(h.step)),
            status: history.as_ref().map_or(ContactStatus::Open, |h| h.status),
            stage_changed_at,
            version: 1,
            created_at,
            updated_at: stage_changed_at.unwrap_or(created_at),
        },
        account_ids: pick_accounts(rng, &scope.accounts),
        emails: emails(
            rng,
            &email_local(first, last),
            scope,
            locale,
            types,
            created_at,
        ),
        phones: phones(rng, locale, types, created_at),
        addresses: address(rng, locale, types, created_at)
            .into_iter()
            .collect(),
        bank_accounts: bank_account(rng, locale, created_at).into_iter().collect(),
        transitions: history.map(|h| h.transitions).unwrap_or_default(),
    }
}

/// None, one or two distinct accounts of the contact's scope.
fn pick_accounts(rng: &mut Rng, accounts: &[i64]) -> Vec<i64> {
    let wanted = [0, 0, 1, 1, 1, 2][rng.index(6)].min(accounts.len());
    let mut picked = Vec::with_capacity(wanted);
    while picked.len() < wanted {
        if let Some(id) = rng.pick(accounts)
            && !picked.contains(id)
        {
            picked.push(*id);
        }
    }
    picked
}

/// None to two emails: the first (primary) at the contact's organisation, a second one
/// personal, so they never repeat.
fn emails(
    rng: &mut Rng,
    local: &str,
    scope: &Scope,
    locale: &Locale,
    types: &DetailTypes,
    at: Timestamp,
) -> Vec<NewEmail> {
    (0..[0, 1, 1, 1, 2, 2][rng.index(6)])
        .map(|n| {
            let (email, type_id) = if n == 0 {
                let domain = rng.pick(scope.domains).unwrap_or(&"work.example");
                (format!("{local}@{domain}"), types.business_email)
            } else {
                let domain = rng.pick(locale.mail_domains).unwrap_or(&"mail.example");
                let year = 60 + rng.below(40);
                (format!("{local}{year}@{domain}"), types.personal_email)
            };
            NewEmail {
                email,
                type_id: type_id.map(DetailTypeId),
                is_primary: n == 0,
                created_at: at,
                updated_at: at,
            }
        })
        .collect()
}

/// None to two phones in E.164: a mobile (primary), then an office line.
fn phones(rng: &mut Rng, locale: &Locale, types: &DetailTypes, at: Timestamp) -> Vec<NewPhone> {
    (0..[0, 1, 1, 2][rng.index(4)])
        .map(|n| {
            let ((prefixes, digits), type_id) = if n == 0 {
                (locale.mobile, types.mobile)
            } else {
                (locale.landline, types.office)
            };
            let prefix = rng.pick(prefixes).unwrap_or(&"+35191");
            NewPhone {
                number: format!("{prefix}{}", rng.digits(digits)),
                type_id: type_id.map(DetailTypeId),
                is_primary: n == 0,
                created_at: at,
                updated_at: at,
            }
        })
        .collect()
}

/// An address in the contact's country, for three contacts in five.
fn address(
    rng: &mut Rng,
    locale: &Locale,
    types: &DetailTypes,
    at: Timestamp,
) -> Option<NewAddress> {
    if !rng.chance(0.6) {
        return None;
    }
    let (city, state, zip) = *rng.pick(locale.cities)?;
    let street = rng.pick(locale.streets)?;
    let number = 1 + rng.below(250);
    Some(NewAddress {
        address: locale.street_line(street, number),
        country: Some(locale.country.into()),
        state: state.map(Into::into),
        city: Some(city.into()),
        zip_code: rng.pattern(zip),
        locality: city.into(),
        type_id: rng.pick(&types.addresses).copied().map(DetailTypeId),
        is_primary: true,
        created_at: at,
        updated_at: at,
    })
}

/// A bank account with a valid IBAN of the contact's country, for two contacts in five where
/// the country has a usable IBAN format.
fn bank_account(rng: &mut Rng, locale: &Locale, at: Timestamp) -> Option<NewBankAccount> {
    let bank = locale.bank?;
    if !rng.chance(0.4) {
        return None;
    }
    let (code, bic) = *rng.pick(bank.banks)?;
    let bban = format!("{code}{}", rng.digits(bank.account_digits));
    let label = rng.pick(&["Main account", "Operations", "Payroll", "Savings"])?;
    Some(NewBankAccount {
        name: (*label).into(),
        iban: iban(bank.country, &bban),
        swift: rng.chance(0.6).then(|| bic.to_owned()),
        created_at: at,
        updated_at: at,
    })
}

/// Where a walk along the lifecycle left the contact.
struct History {
    transitions: Vec<NewTransition>,
    step: i64,
    status: ContactStatus,
    /// The contact's reason code: the last one given on a move, as `moveContactToStep` keeps
    /// it (a reopened contact still says why it was lost).
    reason: Option<i64>,
    changed_at: Timestamp,
}

impl History {
    /// Records a move to `to`, `dwell` after the previous one; `false` (and nothing recorded)
    /// when that moment is still in the future, so the contact stays where it is.
    fn advance(
        &mut self,
        to: (i64, ContactStatus),
        reason: Option<i64>,
        note: Option<&str>,
        actor: Option<i64>,
        dwell: TimeDelta,
        now: Timestamp,
    ) -> bool {
        let at = Timestamp(self.changed_at.0 + dwell);
        if at > now {
            return false;
        }
        if let Some(stay) = self.transitions.last_mut() {
            stay.dwell_seconds = Some((at.0 - stay.occurred_at.0).num_seconds());
        }
        self.transitions.push(NewTransition {
            contact_id: ContactId(0),
            from_step_id: Some(StepId(self.step)),
            to_step_id: StepId(to.0),
            reason_code_id: reason.map(ReasonCodeId),
            note: note.map(Into::into),
            actor_id: actor.map(UserId),
            occurred_at: at,
            dwell_seconds: None,
            created_at: at,
            updated_at: at,
        });
        (self.step, self.status, self.changed_at) = (to.0, to.1, at);
        self.reason = reason.or(self.reason);
        true
    }
}

/// A random walk forward along the lifecycle, starting on its first step at `created_at`:
/// some contacts stay open somewhere on the path, some are won, some lost (with a reason),
/// and a few closed ones are reopened. Moves never lie in the future.
fn walk_lifecycle(
    rng: &mut Rng,
    lifecycle: &Lifecycle,
    catalog: &Catalog,
    scope: &Scope,
    owner: Option<i64>,
    created_at: Timestamp,
    now: Timestamp,
) -> History {
    let status_of = |outcome| match outcome {
        StepOutcome::Open => ContactStatus::Open,
        StepOutcome::Won => ContactStatus::Won,
        StepOutcome::Lost => ContactStatus::Lost,
    };
    let actor = |rng: &mut Rng| match rng.below(10) {
        0..=6 => owner.or_else(|| rng.pick(&scope.users).copied()),
        7 | 8 => rng.pick(&scope.users).copied(),
        _ => None,
    };
    let (first, first_outcome) = lifecycle.first;
    let mut history = History {
        transitions: vec![NewTransition {
            contact_id: ContactId(0),
            from_step_id: None,
            to_step_id: StepId(first),
            reason_code_id: None,
            note: None,
            actor_id: actor(rng).map(UserId),
            occurred_at: created_at,
            dwell_seconds: None,
            created_at,
            updated_at: created_at,
        }],
        step: first,
        status: status_of(first_outcome),
        reason: None,
        changed_at: created_at,
    };
    let Some(start) = lifecycle.open.iter().position(|id| *id == first) else {
        return history;
    };
    let last_open = lifecycle.open.len() - 1;
    // 25 % won, 30 % lost (from any open step), the rest stays open somewhere on the path.
    let roll = rng.below(100);
    let close_to = match roll {
        0..25 => lifecycle.won.map(|id| (id, ContactStatus::Won)),
        25..55 => lifecycle.lost.map(|id| (id, ContactStatus::Lost)),
        _ => None,
    };
    let target = match close_to {
        Some((_, ContactStatus::Won)) => last_open,
        _ => start + rng.index(last_open - start + 1),
    };

    let mut at = start;
    while at < target {
        // Setbacks: more often than not a deal slips back a step before moving on again (a
        // proposal reworked, a negotiation restarted); about ten moves a contact in all.
        if at > start && rng.chance(0.6) {
            let dwell = rng.dwell(TimeDelta::hours(1), TimeDelta::weeks(2));
            let who = actor(rng);
            let back = (lifecycle.open[at - 1], ContactStatus::Open);
            let again = (lifecycle.open[at], ContactStatus::Open);
            if !history.advance(back, None, None, who, dwell, now)
                || !history.advance(again, None, None, who, dwell, now)
            {
                return history;
            }
        }
        at = (at + if rng.chance(0.15) { 2 } else { 1 }).min(target);
        let dwell = rng.dwell(TimeDelta::hours(1), TimeDelta::weeks(3));
        let who = actor(rng);
        let to = (lifecycle.open[at], ContactStatus::Open);
        if !history.advance(to, None, None, who, dwell, now) {
            return history;
        }
    }
    let Some(close_to) = close_to else {
        return history;
    };
    let (reason, note) = match close_to.1 {
        ContactStatus::Lost => match rng.pick(&catalog.lost_reasons) {
            Some(reason) => (Some(*reason), None),
            // The closed-lost step requires a reason; without one the contact stays open.
            None => return history,
        },
        _ => {
            let reason = if rng.chance(0.5) {
                rng.pick(&catalog.won_reasons).copied()
            } else {
                None
            };
            (reason, rng.chance(0.3).then_some("Contract signed"))
        }
    };
    let dwell = rng.dwell(TimeDelta::hours(2), TimeDelta::weeks(4));
    let who = actor(rng);
    if !history.advance(close_to, reason, note, who, dwell, now) {
        return history;
    }
    if rng.chance(0.08) {
        let back = at.saturating_sub(rng.index(3));
        let to = (lifecycle.open[back], ContactStatus::Open);
        let note = rng.pick(&[
            "Reopened: new budget approved",
            "Reopened: decision maker changed",
            "Reopened: asked for a new proposal",
        ]);
        let dwell = rng.dwell(TimeDelta::weeks(1), TimeDelta::weeks(16));
        let who = actor(rng);
        history.advance(to, None, note.copied(), who, dwell, now);
    }
    history
}

// ---- writing chunks ----------------------------------------------------------------------------

#[derive(Insertable)]
#[diesel(table_name = contact_accounts)]
struct AccountLink {
    contact_id: i64,
    account_id: i64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// The detail rows of a chunk, by table, with their contact ids set.
#[derive(Default)]
struct DetailRows {
    links: Vec<AccountLink>,
    emails: Vec<Owned<contact_emails::contact_id, NewEmail>>,
    phones: Vec<Owned<contact_phones::contact_id, NewPhone>>,
    addresses: Vec<Owned<contact_addresses::contact_id, NewAddress>>,
    bank_accounts: Vec<Owned<contact_bank_accounts::contact_id, NewBankAccount>>,
    transitions: Vec<NewTransition>,
}

/// A detail's insert form with the contact it belongs to.
type Owned<Column, Form> = (diesel::dsl::Eq<Column, ContactId>, Form);

impl DetailRows {
    fn push(&mut self, id: i64, contact: DemoContact) {
        let at = contact.contact.created_at;
        self.links.extend(
            contact
                .account_ids
                .into_iter()
                .map(|account_id| AccountLink {
                    contact_id: id,
                    account_id,
                    created_at: at,
                    updated_at: at,
                }),
        );
        let contact_id = ContactId(id);
        self.emails.extend(
            contact
                .emails
                .into_iter()
                .map(|row| (contact_emails::contact_id.eq(contact_id), row)),
        );
        self.phones.extend(
            contact
                .phones
                .into_iter()
                .map(|row| (contact_phones::contact_id.eq(contact_id), row)),
        );
        self.addresses.extend(
            contact
                .addresses
                .into_iter()
                .map(|row| (contact_addresses::contact_id.eq(contact_id), row)),
        );
        self.bank_accounts.extend(
            contact
                .bank_accounts
                .into_iter()
                .map(|row| (contact_bank_accounts::contact_id.eq(contact_id), row)),
        );
        self.transitions.extend(
            contact
                .transitions
                .into_iter()
                .map(|row| NewTransition { contact_id, ..row }),
        );
    }

    fn summary(&self, contacts: usize) -> SeedSummary {
        let n = |len: usize| len as u64;
        SeedSummary {
            contacts: n(contacts),
            emails: n(self.emails.len()),
            phones: n(self.phones.len()),
            addresses: n(self.addresses.len()),
            bank_accounts: n(self.bank_accounts.len()),
            account_links: n(self.links.len()),
            transitions: n(self.transitions.len()),
        }
    }
}

/// Multi-row `INSERT`s of at most [`ROWS_PER_STATEMENT`] rows each.
macro_rules! insert_batches {
    ($conn:expr, $table:path, $rows:expr) => {
        for batch in $rows.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into($table)
                .values(batch)
                .execute($conn)
                .await?;
        }
    };
}

/// PostgreSQL: the contacts in one statement (their ids come back in insertion order), then
/// each kind of detail in as few statements as the bind-parameter limit allows.
async fn insert_chunk_pg(c: &mut PgConn, chunk: Vec<DemoContact>) -> QueryResult<SeedSummary> {
    let new: Vec<NewContact> = chunk.iter().map(|d| d.contact.clone()).collect();
    let mut ids: Vec<i64> = Vec::with_capacity(new.len());
    for batch in new.chunks(ROWS_PER_STATEMENT) {
        let batch_ids: Vec<i64> = diesel::insert_into(contacts::table)
            .values(batch)
            .returning(contacts::id)
            .get_results(c)
            .await?;
        ids.extend(batch_ids);
    }
    if ids.len() != chunk.len() {
        return Err(diesel::result::Error::QueryBuilderError(
            "the contact insert returned fewer ids than rows".into(),
        ));
    }
    let count = chunk.len();
    let mut rows = DetailRows::default();
    for (id, contact) in ids.into_iter().zip(chunk) {
        rows.push(id, contact);
    }
    insert_batches!(c, contact_accounts::table, rows.links);
    insert_batches!(c, contact_emails::table, rows.emails);
    insert_batches!(c, contact_phones::table, rows.phones);
    insert_batches!(c, contact_addresses::table, rows.addresses);
    insert_batches!(c, contact_bank_accounts::table, rows.bank_accounts);
    insert_batches!(c, stage_transitions::table, rows.transitions);
    Ok(rows.summary(count))
}

/// SQLite: the same rows, one statement each, inside the chunk's transaction. The whole chunk
/// runs in one go on the wrapped connection's blocking thread: a thread hop per statement
/// would cost more than the statement itself.
async fn insert_chunk_sqlite(
    c: &mut SqliteConn,
    chunk: Vec<DemoContact>,
) -> QueryResult<SeedSummary> {
    c.spawn_blocking(move |c| blocking::insert_chunk(c, chunk))
        .await
}

/// The synchronous side of [`insert_chunk_sqlite`] (diesel's blocking `RunQueryDsl`).
mod blocking {
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    use super::{DemoContact, DetailRows, SeedSummary};
    use crate::db::schema::{
        contact_accounts, contact_addresses, contact_bank_accounts, contact_emails, contact_phones,
        contacts, stage_transitions,
    };

    pub(super) fn insert_chunk(
        c: &mut SqliteConnection,
        chunk: Vec<DemoContact>,
    ) -> QueryResult<SeedSummary> {
        let count = chunk.len();
        let mut rows = DetailRows::default();
        for contact in chunk {
            let id: i64 = diesel::insert_into(contacts::table)
                .values(&contact.contact)
                .returning(contacts::id)
                .get_result(c)?;
            rows.push(id, contact);
        }
        macro_rules! one_by_one {
            ($table:path, $rows:expr) => {
                for row in &$rows {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            };
        }
        one_by_one!(contact_accounts::table, rows.links);
        one_by_one!(contact_emails::table, rows.emails);
        one_by_one!(contact_phones::table, rows.phones);
        one_by_one!(contact_addresses::table, rows.addresses);
        one_by_one!(contact_bank_accounts::table, rows.bank_accounts);
        one_by_one!(stage_transitions::table, rows.transitions);
        Ok(rows.summary(count))
    }
}

// ---- locales -----------------------------------------------------------------------------------

/// Names, places and number formats of one country.
struct Locale {
    /// ISO 3166-1 alpha-2.
    country: &'static str,
    first_names: &'static [&'static str],
    last_names: &'static [&'static str],
    streets: &'static [&'static str],
    /// Whether the house number comes before the street (`221 Baker Street`).
    number_first: bool,
    /// City, state and a postcode pattern (`#` a digit, `@` a letter).
    cities: &'static [(&'static str, Option<&'static str>, &'static str)],
    /// E.164 prefixes and how many digits follow them.
    mobile: (&'static [&'static str], usize),
    landline: (&'static [&'static str], usize),
    mail_domains: &'static [&'static str],
    /// The country's IBAN format; `None` where IBANs are not used or the BBAN carries a
    /// national check digit (ES, FR), so its contacts have no bank account.
    bank: Option<&'static BankFormat>,
}

impl Locale {
    fn street_line(&self, street: &str, number: u64) -> String {
        if self.number_first {
            format!("{number} {street}")
        } else {
            format!("{street} {number}")
        }
    }
}

/// An IBAN country format whose BBAN is a bank code followed by digits (no national check
/// digit, so any digits make a valid BBAN).
struct BankFormat {
    country: &'static str,
    /// Bank codes (the start of the BBAN) with the bank's SWIFT/BIC.
    banks: &'static [(&'static str, &'static str)],
    account_digits: usize,
}

// Data tables, laid out by hand: one line per kind of value reads better than one per name.
#[rustfmt::skip]
const PT: Locale = Locale {
    country: "PT",
    first_names: &["Ana", "João", "Maria", "Tiago", "Inês", "Pedro", "Beatriz", "Miguel", "Sofia",
        "Rui", "Catarina", "Duarte", "Mariana", "Gonçalo", "Leonor", "Francisco"],
    last_names: &["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues",
        "Martins", "Sousa", "Gonçalves", "Lopes", "Marques"],
    streets: &["Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Rua do Ouro",
        "Avenida dos Aliados"],
    number_first: false,
    cities: &[("Lisboa", None, "1###-###"), ("Porto", None, "4###-###"),
        ("Braga", None, "47##-###"), ("Coimbra", None, "30##-###")],
    mobile: (&["+35191", "+35192", "+35193", "+35196"], 7),
    landline: (&["+35121", "+35122"], 7),
    mail_domains: &["correio.example", "mail.example"],
    bank: Some(&BankFormat {
        country: "PT",
        banks: &[("0035", "CGDIPTPL"), ("0033", "BCOMPTPL"), ("0010", "BBPIPTPL"),
            ("0007", "BESCPTPL")],
        account_digits: 17,
    }),
};

#[rustfmt::skip]
const GB: Locale = Locale {
    country: "GB",
    first_names: &["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily",
        "Charlotte", "Thomas", "Grace", "William"],
    last_names: &["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas",
        "Roberts", "Walker", "Wright", "Hughes"],
    streets: &["Baker Street", "High Street", "Station Road", "Church Lane", "Victoria Road"],
    number_first: true,
    cities: &[("London", None, "EC1A #@@"), ("Manchester", None, "M# #@@"),
        ("Leeds", None, "LS# #@@"), ("Bristol", None, "BS# #@@")],
    mobile: (&["+44771", "+44777", "+44781", "+44795"], 7),
    landline: (&["+44203", "+44207", "+44208"], 7),
    mail_domains: &["post.example", "mail.example"],
    bank: Some(&BankFormat {
        country: "GB",
        banks: &[("BARC", "BARCGB22"), ("NWBK", "NWBKGB2L"), ("LOYD", "LOYDGB2L"),
            ("HBUK", "HBUKGB4B")],
        // A six-digit sort code and an eight-digit account number.
        account_digits: 14,
    }),
};

#[rustfmt::skip]
const DE: Locale = Locale {
    country: "DE",
    first_names: &["Lukas", "Hannah", "Jonas", "Lea", "Felix", "Mia", "Leon", "Emma", "Paul",
        "Lina", "Maximilian", "Sophie"],
    last_names: &["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
        "Becker", "Hoffmann", "Schulz", "Koch", "Richter"],
    streets: &["Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Lindenallee"],
    number_first: false,
    cities: &[("Berlin", None, "10###"), ("München", None, "80###"), ("Hamburg", None, "20###"),
        ("Köln", None, "50###")],
    mobile: (&["+49151", "+49157", "+49176"], 8),
    landline: (&["+4930", "+4940"], 8),
    mail_domains: &["post.example", "mail.example"],
    bank: Some(&BankFormat {
        country: "DE",
        banks: &[("37040044", "COBADEFFXXX"), ("50010517", "INGDDEFFXXX"),
            ("10070000", "DEUTDEBBXXX"), ("70150000", "SSKMDEMMXXX")],
        account_digits: 10,
    }),
};

#[rustfmt::skip]
const ES: Locale = Locale {
    country: "ES",
    first_names: &["Lucía", "Javier", "Carmen", "Mateo", "Sofía", "Hugo", "Martina", "Pablo",
        "Elena", "Diego"],
    last_names: &["García", "Martínez", "López", "Sánchez", "Fernández", "González", "Pérez",
        "Romero", "Navarro", "Torres"],
    streets: &["Calle Mayor", "Gran Vía", "Calle de Alcalá", "Paseo de Gracia"],
    number_first: false,
    cities: &[("Madrid", None, "280##"), ("Barcelona", None, "080##"),
        ("Valencia", None, "460##"), ("Sevilla", None, "410##")],
    mobile: (&["+3460", "+3461", "+3465", "+3467"], 7),
    landline: (&["+3491", "+3493"], 7),
    mail_domains: &["correo.example", "mail.example"],
    bank: None,
};

#[rustfmt::skip]
const FR: Locale = Locale {
    country: "FR",
    first_names: &["Louis", "Camille", "Hugo", "Élodie", "Jules", "Chloé", "Gabriel", "Manon",
        "Arthur", "Léa"],
    last_names: &["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
        "Durand", "Lefèvre", "Moreau"],
    streets: &["Rue de Rivoli", "Avenue Victor Hugo", "Rue de la République",
        "Boulevard Voltaire"],
    number_first: true,
    cities: &[("Paris", None, "750##"), ("Lyon", None, "6900#"), ("Marseille", None, "130##"),
        ("Bordeaux", None, "330##")],
    // +33 69x is Réunion and the Antilles, not metropolitan France.
    mobile: (&["+3361", "+3362", "+3365", "+3366", "+3367", "+3368"], 7),
    landline: (&["+3314", "+3347"], 7),
    mail_domains: &["courriel.example", "mail.example"],
    bank: None,
};

#[rustfmt::skip]
const NL: Locale = Locale {
    country: "NL",
    first_names: &["Daan", "Sanne", "Sem", "Julia", "Lucas", "Fleur", "Bram", "Lotte", "Thijs",
        "Noor"],
    last_names: &["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit",
        "Meijer", "de Boer", "Mulder"],
    streets: &["Kalverstraat", "Damrak", "Herengracht", "Coolsingel"],
    number_first: false,
    cities: &[("Amsterdam", None, "10## @@"), ("Rotterdam", None, "30## @@"),
        ("Utrecht", None, "35## @@")],
    // 06-1 to 06-5 are the mobile blocks in use.
    mobile: (&["+3161", "+3162", "+3163", "+3164", "+3165"], 7),
    landline: (&["+3120", "+3110"], 7),
    mail_domains: &["post.example", "mail.example"],
    bank: Some(&BankFormat {
        country: "NL",
        banks: &[("INGB", "INGBNL2A"), ("RABO", "RABONL2U"), ("ABNA", "ABNANL2A")],
        account_digits: 10,
    }),
};

#[rustfmt::skip]
const US: Locale = Locale {
    country: "US",
    first_names: &["Emma", "Noah", "Olivia", "Liam", "Ethan", "Madison", "James", "Abigail",
        "Mason", "Harper"],
    last_names: &["Johnson", "Miller", "Davis", "Clark", "Young", "Allen", "King", "Scott",
        "Green", "Baker"],
    streets: &["Main Street", "Park Avenue", "Oak Street", "Maple Avenue", "Washington Street"],
    number_first: true,
    cities: &[("New York", Some("NY"), "100##"), ("Boston", Some("MA"), "021##"),
        ("Chicago", Some("IL"), "606##"), ("Seattle", Some("WA"), "981##")],
    // NANP exchanges start with 2..9, so the prefixes include the first exchange digit.
    mobile: (&["+16462", "+19173", "+16174"], 6),
    landline: (&["+12127", "+13124"], 6),
    mail_domains: &["mail.example", "inbox.example"],
    bank: None,
};

/// The part of an email address before the `@`: the names without accents, in lower case,
/// joined by a dot (`joao.goncalves`).
fn email_local(first: &str, last: &str) -> String {
    let fold = |text: &str| -> String {
        text.chars()
            .filter_map(|c| match c {
                'á' | 'à' | 'â' | 'ã' | 'ä' | 'Á' => Some('a'),
                'é' | 'è' | 'ê' | 'ë' | 'É' => Some('e'),
                'í' | 'ì' | 'î' | 'ï' => Some('i'),
                'ó' | 'ò' | 'ô' | 'õ' | 'ö' => Some('o'),
                'ú' | 'ù' | 'û' | 'ü' => Some('u'),
                'ç' => Some('c'),
                'ñ' => Some('n'),
                'ß' => Some('s'),
                c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect()
    };
    format!("{}.{}", fold(first), fold(last))
}

/// The IBAN of `bban` in `country`, in electronic form, with its ISO 13616 check digits:
/// 98 minus (BBAN + country + "00", letters as 10..35) mod 97.
fn iban(country: &str, bban: &str) -> String {
    let remainder = bban
        .chars()
        .chain(country.chars())
        .chain("00".chars())
        .fold(0_u32, |rem, c| {
            // Callers pass ASCII letters and digits only; base 36 maps them to 0..35.
            let value = c.to_digit(36).unwrap_or(0);
            if value < 10 {
                (rem * 10 + value) % 97
            } else {
                (rem * 100 + value) % 97
            }
        });
    format!("{country}{:02}{bban}", 98 - remainder)
}

// ---- randomness --------------------------------------------------------------------------------

/// SplitMix64: a tiny, fast, seedable generator. Demo data needs repeatability, not secrecy.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.index(items.len()))
    }

    /// A uniform duration in `[0, span)`, to the microsecond.
    fn micros(&mut self, span: TimeDelta) -> TimeDelta {
        let span = span.num_microseconds().unwrap_or(i64::MAX).max(0);
        TimeDelta::microseconds(self.below(span.unsigned_abs()) as i64)
    }

    /// A duration between `min` and `max`, log-uniform (hours are as common as weeks), with
    /// a microsecond part so that timestamps do not all fall on whole seconds.
    fn dwell(&mut self, min: TimeDelta, max: TimeDelta) -> TimeDelta {
        let (lo, hi) = (min.num_seconds() as f64, max.num_seconds() as f64);
        let seconds = (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp();
        TimeDelta::seconds(seconds as i64) + self.micros(TimeDelta::seconds(1))
    }

    fn digits(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// Fills a pattern: `#` becomes a digit, `@` an upper-case letter, the rest stays.
    fn pattern(&mut self, pattern: &str) -> String {
        pattern
            .chars()
            .map(|c| match c {
                '#' => char::from(b'0' + self.below(10) as u8),
                '@' => char::from(b'A' + self.below(26) as u8),
                other => other,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::Timelike;

    use super::*;
    use crate::validation::{parse_bic, parse_email, parse_iban, parse_phone};

    const LOCALES: &[&Locale] = &[&PT, &GB, &DE, &ES, &FR, &NL, &US];

    #[test]
    fn iban_check_digits_match_the_standard_examples() {
        assert_eq!(iban("DE", "370400440532013000"), "DE89370400440532013000");
        assert_eq!(iban("GB", "WEST12345698765432"), "GB82WEST12345698765432");
        assert_eq!(iban("NL", "ABNA0417164300"), "NL91ABNA0417164300");
    }

    #[test]
    fn generated_ibans_are_valid_and_electronic() {
        let mut rng = Rng::new(7);
        for bank in LOCALES.iter().filter_map(|l| l.bank) {
            for _ in 0..500 {
                let (code, bic) = rng.pick(bank.banks).expect("every format has banks");
                assert_eq!(parse_bic(bic).as_deref(), Ok(*bic));
                let bban = format!("{code}{}", rng.digits(bank.account_digits));
                let value = iban(bank.country, &bban);
                assert_eq!(parse_iban(&value).as_deref(), Ok(value.as_str()));
            }
        }
    }

    #[test]
    fn generated_phones_are_valid_e164() {
        let mut rng = Rng::new(11);
        let mut invalid = Vec::new();
        for locale in LOCALES {
            for (prefixes, digits) in [locale.mobile, locale.landline] {
                for prefix in prefixes {
                    for _ in 0..200 {
                        let number = format!("{prefix}{}", rng.digits(digits));
                        if parse_phone(&number, None).as_deref() != Ok(number.as_str()) {
                            invalid.push(number);
                        }
                    }
                }
            }
        }
        assert!(invalid.is_empty(), "{invalid:?}");
    }

    /// A catalog like the reference configuration, with made-up ids.
    fn catalog() -> Catalog {
        let scope = |company_id, users: Vec<i64>, locales, domains| Scope {
            company_id,
            accounts: if company_id.is_some() {
                vec![50, 51]
            } else {
                vec![]
            },
            users,
            segmentations: vec![1, 2, 3, 4],
            locales,
            domains,
        };
        let path: Vec<(i64, StepOutcome)> = (100..109)
            .map(|id| (id, StepOutcome::Open))
            .chain([(109, StepOutcome::Won), (110, StepOutcome::Lost)])
            .collect();
        Catalog {
            scopes: vec![
                scope(
                    Some(1),
                    vec![10, 11],
                    COMPANIES[0].locales,
                    COMPANIES[0].domains,
                ),
                scope(
                    Some(2),
                    vec![20, 21],
                    COMPANIES[1].locales,
                    COMPANIES[1].domains,
                ),
                scope(None, vec![], TENANT_LOCALES, TENANT_DOMAINS),
            ],
            lifecycle: Lifecycle::from_path(7, &path),
            won_reasons: vec![30],
            lost_reasons: vec![31, 32, 33, 34, 35],
            types: DetailTypes {
                business_email: Some(40),
                personal_email: Some(41),
                mobile: Some(42),
                office: Some(43),
                addresses: vec![44, 45, 46],
            },
        }
    }

    fn generate(seed: u64, count: usize) -> (Vec<DemoContact>, Timestamp) {
        let catalog = catalog();
        let now = Timestamp(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .expect("a valid date"),
        );
        let mut rng = Rng::new(seed);
        let contacts = (0..count)
            .map(|_| generate_contact(&mut rng, &catalog, now))
            .collect();
        (contacts, now)
    }

    #[test]
    fn histories_chain_and_match_the_contact() {
        let (contacts, now) = generate(1, 5_000);
        let outcome = |step: i64| match step {
            109 => ContactStatus::Won,
            110 => ContactStatus::Lost,
            _ => ContactStatus::Open,
        };
        let (mut won, mut lost, mut open, mut reopened) = (0, 0, 0, 0);
        for demo in &contacts {
            let c = &demo.contact;
            let t = &demo.transitions;
            assert_eq!(t[0].from_step_id, None);
            assert_eq!(t[0].to_step_id, StepId(100));
            assert_eq!(t[0].occurred_at, c.created_at);
            for pair in t.windows(2) {
                assert_eq!(pair[1].from_step_id, Some(pair[0].to_step_id));
                assert!(pair[1].occurred_at > pair[0].occurred_at);
            }
            let last = t.last().expect("every contact has a first transition");
            assert!(last.occurred_at <= now);
            assert_eq!(c.current_step_id, Some(last.to_step_id));
            assert_eq!(c.status, outcome(last.to_step_id.0));
            assert_eq!(c.stage_changed_at, Some(last.occurred_at));
            assert_eq!(c.lifecycle_template_id, Some(TemplateId(7)));
            assert_eq!(c.version, 1);
            for move_ in t {
                assert_eq!(move_.occurred_at.0.nanosecond() % 1_000, 0);
                if move_.to_step_id == StepId(110) {
                    assert!(matches!(move_.reason_code_id, Some(ReasonCodeId(31..=35))));
                }
            }
            match c.status {
                ContactStatus::Lost => {
                    lost += 1;
                    assert_eq!(c.reason_code_id, last.reason_code_id);
                    assert!(c.reason_code_id.is_some());
                }
                ContactStatus::Won => won += 1,
                ContactStatus::Open => open += 1,
            }
            let given = t.iter().rev().find_map(|m| m.reason_code_id);
            assert_eq!(c.reason_code_id, given);
            if t.iter()
                .any(|m| matches!(m.from_step_id, Some(StepId(109 | 110))))
            {
                reopened += 1;
                assert_eq!(c.status, ContactStatus::Open);
            } else if c.status == ContactStatus::Open {
                assert_eq!(c.reason_code_id, None);
            }
        }
        assert!(won > 500 && lost > 500 && open > 500, "{won} {lost} {open}");
        assert!(reopened > 20, "{reopened}");
    }

    #[test]
    fn details_are_valid_and_fit_the_company() {
        let (contacts, _) = generate(2, 2_000);
        for demo in &contacts {
            let c = &demo.contact;
            let emails: HashSet<String> = demo.emails.iter().map(|e| e.email.clone()).collect();
            assert_eq!(emails.len(), demo.emails.len());
            for (n, email) in demo.emails.iter().enumerate() {
                assert_eq!(email.is_primary, n == 0);
                assert_eq!(
                    parse_email(&email.email).as_deref(),
                    Ok(email.email.as_str())
                );
            }
            for (n, phone) in demo.phones.iter().enumerate() {
                assert_eq!(phone.is_primary, n == 0);
            }
            assert!(demo.phones.len() <= 2 && demo.emails.len() <= 2);
            assert!(demo.addresses.len() <= 1 && demo.bank_accounts.len() <= 1);
            for bank in &demo.bank_accounts {
                assert_eq!(parse_iban(&bank.iban).as_deref(), Ok(bank.iban.as_str()));
            }
            match c.company_id {
                Some(CompanyId(1)) => {
                    assert!(matches!(c.owner_id, None | Some(UserId(10 | 11))));
                }
                Some(CompanyId(2)) => {
                    assert!(matches!(c.owner_id, None | Some(UserId(20 | 21))));
                }
                _ => {
                    assert_eq!(c.owner_id, None);
                    assert!(demo.account_ids.is_empty());
                }
            }
            let accounts: HashSet<i64> = demo.account_ids.iter().copied().collect();
            assert_eq!(accounts.len(), demo.account_ids.len());
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_contacts() {
        let summary = |seed| {
            generate(seed, 50)
                .0
                .iter()
                .map(|d| (d.contact.name.clone(), d.transitions.len(), d.emails.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(summary(3), summary(3));
        assert_ne!(summary(3), summary(4));
    }
}
