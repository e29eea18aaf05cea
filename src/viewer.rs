//! The viewer: who a request runs for, and which companies it may see.
//! Every store query filters by the viewer's scope, so records outside it behave as absent.

use crate::ids::{CompanyId, UserId};
use crate::text_enum;

text_enum!(
    /// What a user may do. (Enforced once authentication exists.)
    Role { Admin = "ADMIN", Manager = "MANAGER", Sales = "SALES", Viewer = "VIEWER" }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyScope {
    /// Every company and tenant-wide records.
    All,
    /// Tenant-wide records and these companies.
    Only(Vec<CompanyId>),
}

#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: Option<UserId>,
    pub role: Role,
    pub scope: CompanyScope,
}

impl Viewer {
    /// The built-in administrator the server runs as until authentication exists
    /// (and only on loopback).
    pub fn local_admin() -> Self {
        Self {
            user_id: None,
            role: Role::Admin,
            scope: CompanyScope::All,
        }
    }

    /// The companies the viewer is limited to, or `None` when it sees all of them.
    pub fn company_ids(&self) -> Option<&[CompanyId]> {
        match &self.scope {
            CompanyScope::All => None,
            CompanyScope::Only(ids) => Some(ids),
        }
    }

    /// Whether a record of `company_id` (`None` = tenant-wide) is visible.
    pub fn sees(&self, company_id: Option<CompanyId>) -> bool {
        match (company_id, &self.scope) {
            (None, _) | (_, CompanyScope::All) => true,
            (Some(id), CompanyScope::Only(ids)) => ids.contains(&id),
        }
    }
}
