//! The viewer: who a request runs for, which companies it may see, and what its role lets it do.
//! Every store query filters by the viewer's scope, so records outside it behave as absent; every
//! operation asks one of the `may_*` questions here before it changes anything.

use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, UserId};
use crate::text_enum;
use crate::time::Timestamp;

text_enum!(
    /// What a user may do (see the permission matrix in the README).
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
    /// The user acting; `None` only for the built-in local administrator.
    pub user_id: Option<UserId>,
    pub role: Role,
    pub scope: CompanyScope,
    /// Credentials that may only read (a read-only API token).
    pub read_only: bool,
    /// When the credentials expire (`None`: they do not, or there were none); a subscription
    /// ends then.
    pub expires_at: Option<Timestamp>,
}

impl Viewer {
    /// The built-in administrator the server runs as when no authentication is configured (and
    /// then only on loopback).
    pub fn local_admin() -> Self {
        Self {
            user_id: None,
            role: Role::Admin,
            scope: CompanyScope::All,
            read_only: false,
            expires_at: None,
        }
    }

    /// A user of `role` limited to `scope`.
    pub fn user(id: UserId, role: Role, scope: CompanyScope) -> Self {
        Self {
            user_id: Some(id),
            role,
            scope,
            read_only: false,
            expires_at: None,
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

    /// Any change at all: read-only tokens and the VIEWER role only read.
    pub fn may_write(&self) -> AppResult<()> {
        if self.read_only {
            return Err(forbidden("this API token is read-only"));
        }
        if self.role == Role::Viewer {
            return Err(forbidden("the VIEWER role only reads"));
        }
        Ok(())
    }

    /// Changing configuration (companies, segmentations, reason codes, detail types, accounts,
    /// lifecycle templates) or users of `company` (`None` = tenant-wide): the ADMIN role, and
    /// for tenant-wide records an administrator who sees every company.
    pub fn may_configure(&self, company: Option<CompanyId>) -> AppResult<()> {
        self.may_write()?;
        if self.role != Role::Admin {
            return Err(forbidden(format!(
                "changing configuration or users needs the ADMIN role (you are {})",
                self.role.as_str()
            )));
        }
        if company.is_none() && self.scope != CompanyScope::All {
            return Err(forbidden(
                "tenant-wide records can only be changed by a tenant-wide administrator",
            ));
        }
        Ok(())
    }

    /// Reading reason-code statistics, contact statistics and funnels: MANAGER or ADMIN.
    pub fn may_read_analytics(&self) -> AppResult<()> {
        match self.role {
            Role::Admin | Role::Manager => Ok(()),
            other => Err(forbidden(format!(
                "analytics need the MANAGER or ADMIN role (you are {})",
                other.as_str()
            ))),
        }
    }

    /// Deleting a contact in the trash for good: ADMIN and MANAGER (who may change it).
    pub fn may_purge(&self, owner: Option<UserId>) -> AppResult<()> {
        self.may_change_contact(owner)?;
        match self.role {
            Role::Admin | Role::Manager => Ok(()),
            other => Err(forbidden(format!(
                "purging contacts needs the MANAGER or ADMIN role (you are {})",
                other.as_str()
            ))),
        }
    }

    /// Reading the audit log across records: ADMIN.
    pub fn may_read_audit_log(&self) -> AppResult<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(forbidden(format!(
                "the audit log needs the ADMIN role (you are {})",
                self.role.as_str()
            )))
        }
    }

    /// Changing a contact owned by `owner` (its details, lifecycle and documents too):
    /// ADMIN and MANAGER change any contact they see; SALES only its own and unowned ones.
    pub fn may_change_contact(&self, owner: Option<UserId>) -> AppResult<()> {
        self.may_write()?;
        if self.role == Role::Sales && owner.is_some() && owner != self.user_id {
            return Err(forbidden(
                "the SALES role changes only contacts it owns or that have no owner",
            ));
        }
        Ok(())
    }
}

fn forbidden(message: impl Into<String>) -> AppError {
    AppError::Forbidden(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> Viewer {
        Viewer::user(UserId(7), role, CompanyScope::Only(vec![CompanyId(1)]))
    }

    #[test]
    fn read_only_credentials_never_write() {
        let viewer = Viewer {
            read_only: true,
            ..Viewer::local_admin()
        };
        assert!(viewer.may_write().is_err());
        assert!(viewer.may_configure(Some(CompanyId(1))).is_err());
        assert!(viewer.may_change_contact(None).is_err());
        assert!(viewer.may_read_analytics().is_ok());
    }

    #[test]
    fn only_administrators_configure_and_only_tenant_wide_ones_configure_tenant_wide_records() {
        assert!(user(Role::Admin).may_configure(Some(CompanyId(1))).is_ok());
        assert!(user(Role::Admin).may_configure(None).is_err());
        assert!(Viewer::local_admin().may_configure(None).is_ok());
        for role in [Role::Manager, Role::Sales, Role::Viewer] {
            assert!(
                user(role).may_configure(Some(CompanyId(1))).is_err(),
                "{role:?}"
            );
        }
    }

    #[test]
    fn sales_changes_its_own_and_unowned_contacts_only() {
        let sales = user(Role::Sales);
        assert!(sales.may_change_contact(None).is_ok());
        assert!(sales.may_change_contact(Some(UserId(7))).is_ok());
        assert!(sales.may_change_contact(Some(UserId(8))).is_err());
        assert!(
            user(Role::Manager)
                .may_change_contact(Some(UserId(8)))
                .is_ok()
        );
        assert!(user(Role::Viewer).may_change_contact(None).is_err());
    }

    #[test]
    fn analytics_are_for_managers_and_administrators() {
        assert!(user(Role::Admin).may_read_analytics().is_ok());
        assert!(user(Role::Manager).may_read_analytics().is_ok());
        assert!(user(Role::Sales).may_read_analytics().is_err());
        assert!(user(Role::Viewer).may_read_analytics().is_err());
    }
}
