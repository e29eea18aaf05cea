//! The company rule: a contact may use a configuration record (segmentation, reason code,
//! lifecycle template, account, detail type) only when the record is tenant-wide or of the
//! contact's own company.

use crate::ids::CompanyId;
use crate::validation::code;

/// Whether a record of `record` (`None`: tenant-wide) may be used by a contact of `contact`.
pub fn may_use(record: Option<CompanyId>, contact: Option<CompanyId>) -> bool {
    record.is_none() || record == contact
}

/// The field problem reported when a contact may not use a `what` of another company.
pub fn wrong_company(what: &str) -> (&'static str, String) {
    (
        code::WRONG_COMPANY,
        format!("this {what} belongs to another company than the contact"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARCH: Option<CompanyId> = Some(CompanyId(1));
    const BOLT: Option<CompanyId> = Some(CompanyId(2));

    #[test]
    fn tenant_wide_records_fit_every_contact() {
        assert!(may_use(None, ARCH));
        assert!(may_use(None, None));
    }

    #[test]
    fn company_records_fit_only_their_company() {
        assert!(may_use(ARCH, ARCH));
        assert!(!may_use(ARCH, BOLT));
    }

    #[test]
    fn tenant_wide_contacts_use_only_tenant_wide_records() {
        assert!(!may_use(ARCH, None));
    }

    #[test]
    fn the_problem_names_the_record() {
        let (field_code, message) = wrong_company("segmentation");
        assert_eq!(field_code, code::WRONG_COMPANY);
        assert!(message.contains("segmentation"), "{message}");
    }
}
