//! Collects every invalid field of a mutation input, so a client learns all of them at once.
//! Value parsers for contact details (IBAN, BIC, email, phone, country) live beside it.

use async_graphql::{ID, MaybeUndefined};

use crate::error::{AppError, AppResult, FieldError};
use crate::ids::{self, TypedId};

/// Field error codes (`extensions.fields[].code`), documented in the README.
pub mod code {
    pub const REQUIRED: &str = "REQUIRED";
    pub const TOO_LONG: &str = "TOO_LONG";
    pub const INVALID: &str = "INVALID";
    pub const OUT_OF_RANGE: &str = "OUT_OF_RANGE";
    pub const DUPLICATE: &str = "DUPLICATE";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const WRONG_KIND: &str = "WRONG_KIND";
    pub const WRONG_COMPANY: &str = "WRONG_COMPANY";
    pub const ARCHIVED: &str = "ARCHIVED";
}

/// Longest accepted name, code or label (in characters).
pub const MAX_NAME: usize = 200;
/// Longest accepted free text (descriptions, notes).
pub const MAX_TEXT: usize = 2000;

/// An input checked as far as it can be without the database, with every problem found so far.
/// The operation adds what only the database can tell (missing references, wrong companies),
/// then calls `problems.finish()` before it writes.
#[derive(Debug)]
pub struct Parsed<T> {
    pub value: T,
    pub problems: Validator,
}

impl<T> Parsed<T> {
    pub fn new(parse: impl FnOnce(&mut Validator) -> T) -> Self {
        let mut problems = Validator::new();
        let value = parse(&mut problems);
        Self { value, problems }
    }
}

#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(
        &mut self,
        path: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.errors.push(FieldError {
            path: path.into(),
            code,
            message: message.into(),
        });
    }

    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when no field was invalid, else `BAD_USER_INPUT` with every invalid field.
    pub fn finish(self) -> AppResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::BadUserInput(self.errors))
        }
    }

    /// The value of a field that must be valid for the mutation to go on (the id of the record
    /// to change): `None` means it was reported, so fail now with everything found so far.
    pub fn require<T>(&mut self, value: Option<T>) -> AppResult<T> {
        match value {
            Some(value) => Ok(value),
            None => Err(AppError::BadUserInput(std::mem::take(&mut self.errors))),
        }
    }

    /// A required name: trimmed, not empty, at most `MAX_NAME` characters.
    pub fn name(&mut self, path: &str, value: &str) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.push(path, code::REQUIRED, "must not be empty");
        } else {
            self.max_len(path, trimmed, MAX_NAME);
        }
        trimmed.to_owned()
    }

    /// Optional free text: trimmed; empty means absent.
    pub fn text(&mut self, path: &str, value: Option<&str>, max: usize) -> Option<String> {
        let trimmed = value.map(str::trim).filter(|v| !v.is_empty())?;
        self.max_len(path, trimmed, max);
        Some(trimmed.to_owned())
    }

    /// Free text of an update: absent keeps the value, `null` or blank clears it.
    pub fn text_update(
        &mut self,
        path: &str,
        value: &MaybeUndefined<String>,
        max: usize,
    ) -> Option<Option<String>> {
        match value {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(self.text(path, Some(v), max)),
        }
    }

    fn max_len(&mut self, path: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.push(
                path,
                code::TOO_LONG,
                format!("must be at most {max} characters"),
            );
        }
    }

    /// An id that must be of type `T`; `None` (and a field error) otherwise.
    pub fn id<T: TypedId>(&mut self, path: &str, id: &ID) -> Option<T> {
        match ids::parse::<T>(id) {
            Ok(id) => Some(id),
            Err(error) => {
                self.push(path, error.code(), error.message());
                None
            }
        }
    }

    pub fn optional_id<T: TypedId>(&mut self, path: &str, id: Option<&ID>) -> Option<T> {
        id.and_then(|id| self.id(path, id))
    }

    /// An optional reference of an update: absent keeps, `null` clears, a value must parse.
    /// Returns `None` for "keep" (and for an unparseable id, which is reported).
    pub fn id_update<T: TypedId>(
        &mut self,
        path: &str,
        id: &MaybeUndefined<ID>,
    ) -> Option<Option<T>> {
        match id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => self.id(path, id).map(Some),
        }
    }

    /// A list of ids of type `T`, each reported by its index; duplicates collapse.
    pub fn ids<T: TypedId + Ord>(&mut self, path: &str, ids: &[ID]) -> Vec<T> {
        let mut parsed: Vec<T> = ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| self.id(&format!("{path}[{i}]"), id))
            .collect();
        parsed.sort();
        parsed.dedup();
        parsed
    }
}

/// An email address, trimmed, with its domain in lower case (the local part is kept as typed).
pub fn parse_email(raw: &str) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > 254 {
        return Err("must be at most 254 characters");
    }
    let parsed: email_address::EmailAddress = trimmed
        .parse()
        .map_err(|_| "is not a valid email address")?;
    if parsed.display_part() != "" || trimmed.contains('<') {
        return Err("must be a bare address, without a display name");
    }
    Ok(format!(
        "{}@{}",
        parsed.local_part(),
        parsed.domain().to_lowercase()
    ))
}

impl Validator {
    /// A required email address (see [`parse_email`]).
    pub fn email(&mut self, path: &str, raw: &str) -> String {
        if raw.trim().is_empty() {
            self.push(path, code::REQUIRED, "must not be empty");
            return String::new();
        }
        parse_email(raw).unwrap_or_else(|message| {
            self.push(path, code::INVALID, message);
            raw.trim().to_owned()
        })
    }
}

/// An IBAN, checksum-validated, in its electronic form (no spaces, upper case).
pub fn parse_iban(raw: &str) -> Result<String, &'static str> {
    use iban::IbanLike as _;
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let iban: iban::Iban = compact
        .to_uppercase()
        .parse()
        .map_err(|_| "is not a valid IBAN")?;
    Ok(iban.electronic_str().to_owned())
}

/// An IBAN as people read it: groups of four characters.
pub fn group_iban(electronic: &str) -> String {
    electronic
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A SWIFT/BIC code: 4 letters (bank), an ISO country, 2 letters or digits (location) and an
/// optional 3 (branch); returned in upper case.
pub fn parse_bic(raw: &str) -> Result<String, &'static str> {
    let bic = raw.trim().to_uppercase();
    let chars: Vec<char> = bic.chars().collect();
    if chars.len() != 8 && chars.len() != 11 {
        return Err("must be 8 or 11 characters");
    }
    let bank_ok = chars[..4].iter().all(char::is_ascii_uppercase);
    let country: String = chars[4..6].iter().collect();
    let rest_ok = chars[6..]
        .iter()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !bank_ok || !rest_ok || parse_country(&country).is_err() {
        return Err("is not a valid SWIFT/BIC code");
    }
    Ok(bic)
}

/// An ISO 3166-1 alpha-2 country code, returned in upper case.
pub fn parse_country(raw: &str) -> Result<String, &'static str> {
    let code = raw.trim().to_uppercase();
    if code.len() != 2 {
        return Err("must be an ISO 3166-1 alpha-2 country code");
    }
    celes::Country::from_alpha2(&code)
        .map(|_| code)
        .map_err(|_| "is not an ISO 3166-1 alpha-2 country code")
}

/// A phone number in E.164 (`+351912345678`). Numbers without a `+` prefix are read in
/// `region` (an alpha-2 code); without a region they must carry the prefix.
pub fn parse_phone(raw: &str, region: Option<&str>) -> Result<String, &'static str> {
    let raw = raw.trim();
    let region: Option<phonenumber::country::Id> = region.and_then(|r| r.parse().ok());
    if region.is_none() && !raw.starts_with('+') && !raw.starts_with("00") {
        return Err("needs a country prefix such as +351 (the contact has no address country)");
    }
    let number = phonenumber::parse(region, raw).map_err(|_| "is not a phone number")?;
    if !phonenumber::is_valid(&number) {
        return Err("is not a valid phone number");
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Joins a parent path and a child field: `path("categories[1]", "name")`.
pub fn path(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CompanyId, ContactId};

    fn codes(v: Validator) -> Vec<(String, &'static str)> {
        match v.finish() {
            Ok(()) => vec![],
            Err(AppError::BadUserInput(fields)) => {
                fields.into_iter().map(|f| (f.path, f.code)).collect()
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_are_trimmed_required_and_bounded() {
        let mut v = Validator::new();
        assert_eq!(v.name("name", "  Ada  "), "Ada");
        v.name("blank", "   ");
        v.name("long", &"x".repeat(MAX_NAME + 1));
        v.name("fits", &"é".repeat(MAX_NAME));
        assert_eq!(
            codes(v),
            vec![
                ("blank".into(), code::REQUIRED),
                ("long".into(), code::TOO_LONG)
            ]
        );
    }

    #[test]
    fn text_blank_means_absent_and_updates_distinguish_null() {
        let mut v = Validator::new();
        assert_eq!(v.text("d", Some("  "), 10), None);
        assert_eq!(v.text("d", Some(" x "), 10), Some("x".into()));
        assert_eq!(v.text_update("d", &MaybeUndefined::Undefined, 10), None);
        assert_eq!(v.text_update("d", &MaybeUndefined::Null, 10), Some(None));
        assert!(v.is_valid());
    }

    #[test]
    fn ids_report_every_bad_entry_by_index() {
        let mut v = Validator::new();
        let parsed: Vec<CompanyId> = v.ids(
            "companyIds",
            &[
                ID::from("Company:2"),
                ID::from("Contact:1"),
                ID::from("Company:2"),
                ID::from("x"),
            ],
        );
        assert_eq!(parsed, vec![CompanyId(2)]);
        assert_eq!(
            codes(v),
            vec![
                ("companyIds[1]".into(), "WRONG_ID_TYPE"),
                ("companyIds[3]".into(), "INVALID_ID")
            ]
        );
    }

    #[test]
    fn emails_are_validated_and_domain_lowercased() {
        assert_eq!(
            parse_email("  Ada.Lovelace@Example.COM "),
            Ok("Ada.Lovelace@example.com".into())
        );
        for bad in ["", "ada", "ada@", "@x.io", "a b@x.io", "Ada <ada@x.io>"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ibans_are_checked_and_normalised() {
        assert_eq!(
            parse_iban("de44 5001 0517 5407 3249 31"),
            Ok("DE44500105175407324931".into())
        );
        assert_eq!(
            group_iban("DE44500105175407324931"),
            "DE44 5001 0517 5407 3249 31"
        );
        assert!(
            parse_iban("DE45 5001 0517 5407 3249 31").is_err(),
            "bad checksum"
        );
        assert!(parse_iban("hello").is_err());
    }

    #[test]
    fn bics_have_the_right_shape() {
        assert_eq!(parse_bic("deutdeff"), Ok("DEUTDEFF".into()));
        assert_eq!(parse_bic("DEUTDEFF500"), Ok("DEUTDEFF500".into()));
        for bad in ["DEUTDEF", "DEUTDEFF5", "1EUTDEFF", "DEUTZZFF", "DEUTDE-F"] {
            assert!(parse_bic(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn countries_are_iso_alpha2() {
        assert_eq!(parse_country(" pt "), Ok("PT".into()));
        assert!(parse_country("PRT").is_err());
        assert!(parse_country("ZZ").is_err());
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            parse_phone("+351 912 345 678", None),
            Ok("+351912345678".into())
        );
        assert_eq!(
            parse_phone("912 345 678", Some("PT")),
            Ok("+351912345678".into())
        );
        assert_eq!(
            parse_phone("(202) 555-0143", Some("US")),
            Ok("+12025550143".into())
        );
        assert!(
            parse_phone("912 345 678", None).is_err(),
            "no region, no prefix"
        );
        assert!(parse_phone("+351 12", None).is_err());
        assert!(parse_phone("call me", Some("PT")).is_err());
    }

    #[test]
    fn id_update_keeps_clears_or_sets() {
        let mut v = Validator::new();
        assert_eq!(
            v.id_update::<ContactId>("c", &MaybeUndefined::Undefined),
            None
        );
        assert_eq!(
            v.id_update::<ContactId>("c", &MaybeUndefined::Null),
            Some(None)
        );
        assert_eq!(
            v.id_update::<ContactId>("c", &MaybeUndefined::Value(ID::from("Contact:3"))),
            Some(Some(ContactId(3)))
        );
        assert!(v.is_valid());
    }
}
