//! The two demo companies (with their users, accounts and key-accounts segment) and where
//! their contacts come from; creating whatever part of them a database is missing.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::locales::{DE, ES, FR, GB, Locale, NL, PT, US};
use crate::db::Conn;
use crate::db::schema::{accounts, companies, segmentations, users};
use crate::error::AppResult;
use crate::ids::{CompanyId, TypedId};
use crate::settings::input::{NewAccount, NewCompany, NewSegmentation, NewUser};
use crate::settings::model::{Account, Company, Segmentation, User};
use crate::settings::ops::{self, ConfigRecord};
use crate::time::Timestamp;
use crate::validation::Parsed;
use crate::viewer::{Role, Viewer};
use crate::with_conn;

diesel::define_sql_function! {
    /// `lower(text)`, to find demo records the way the unique indexes compare them.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

pub(super) struct DemoCompany {
    pub(super) name: &'static str,
    pub(super) code: &'static str,
    pub(super) users: &'static [(&'static str, &'static str, Role)],
    pub(super) accounts: &'static [&'static str],
    /// Where its contacts live; repeated entries weigh more.
    pub(super) locales: &'static [&'static Locale],
    /// Email domains of its contacts' organisations.
    pub(super) domains: &'static [&'static str],
}

pub(super) const COMPANIES: &[DemoCompany] = &[
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
pub(super) const TENANT_LOCALES: &[&Locale] = &[&PT, &GB, &DE, &ES, &FR, &NL, &US];
pub(super) const TENANT_DOMAINS: &[&str] = &[
    "adventure-works.example",
    "proseware.example",
    "lucerne-publishing.example",
    "margies-travel.example",
];

/// Creates whatever part of the demo companies is missing: the companies, their users,
/// accounts and "<company> Key Accounts" segment. Existing records are kept as they are.
pub(super) async fn ensure_demo_companies(c: &mut Conn, now: Timestamp) -> AppResult<()> {
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
                create::<Company>(c, new).await?.id.get()
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
                create::<User>(c, new).await?;
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
                create::<Account>(c, new).await?;
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
            create::<Segmentation>(c, new).await?;
        }
    }
    Ok(())
}

/// Creates a configuration record the way the API does, as the local administrator.
async fn create<R: ConfigRecord>(c: &mut Conn, new: R::New) -> AppResult<R> {
    ops::create::<R>(c, &Viewer::local_admin(), Parsed::new(|_| new)).await
}
