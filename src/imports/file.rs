//! Reading an import file and its column mapping, all before any row is written: UTF-8 text,
//! the delimiter, the header, the mapped columns and the size are checked first, and every
//! problem is reported at once.

use async_graphql::{Enum, InputObject};

use super::model::ImportMode;
use crate::error::{AppError, AppResult, FieldError};
use crate::validation::code;

/// Most data rows one import takes.
pub const MAX_ROWS: usize = 100_000;

/// What a column of the file fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum ImportField {
    Name,
    FullName,
    Scoring,
    /// A company's name or code.
    Company,
    /// A segmentation's name.
    Segmentation,
    /// A reason code's code.
    ReasonCode,
    /// The owner's email.
    Owner,
    /// Account names, separated by `;`.
    Accounts,
    /// A lifecycle template's name (absent: the company's default lifecycle).
    Lifecycle,
    /// One email; several columns may be mapped to it (the first is primary).
    Email,
    /// Emails separated by `;` (the first is primary).
    Emails,
    /// One phone number; several columns may be mapped to it.
    Phone,
    /// Phone numbers separated by `;`.
    Phones,
    /// The primary address: its street line, with the next five fields.
    Address,
    ZipCode,
    Locality,
    City,
    State,
    Country,
    /// Bank accounts as exports write them: `name: IBAN` or `name: IBAN / SWIFT`, `;`-separated.
    BankAccounts,
}

impl ImportField {
    fn repeatable(self) -> bool {
        matches!(self, Self::Email | Self::Phone)
    }
}

/// Which column of the file fills which field.
#[derive(Debug, Clone, InputObject)]
pub struct ImportMapping {
    /// A header of the file, as written there (compared case-insensitively, trimmed).
    pub column: String,
    pub field: ImportField,
}

/// A file read and checked: the header, the data rows, and where each mapped field is.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub rows: Vec<Vec<String>>,
    /// (column index, column header, field) for every mapping.
    pub plan: Vec<(usize, String, ImportField)>,
}

impl ImportFile {
    /// The cells of `field` in `row`, trimmed, without empty ones (a `'` that an export put
    /// before formula-looking text is removed).
    pub fn cells<'a>(
        &'a self,
        row: &'a [String],
        field: ImportField,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.plan
            .iter()
            .filter(move |(_, _, f)| *f == field)
            .filter_map(move |(index, header, _)| {
                let cell = unquote(row.get(*index)?.trim());
                (!cell.is_empty()).then_some((header.as_str(), cell))
            })
    }

    /// The first cell of `field` in `row`, with the column it came from.
    pub fn cell<'a>(&'a self, row: &'a [String], field: ImportField) -> Option<(&'a str, &'a str)> {
        self.cells(row, field).next()
    }

    /// The column `field` is read from, for reporting a row's problems.
    pub fn column_of(&self, field: ImportField) -> Option<&str> {
        self.plan
            .iter()
            .find(|(_, _, f)| *f == field)
            .map(|(_, h, _)| h.as_str())
    }
}

/// Exports put `'` before text starting with `=`, `+`, `-`, `@`, tab or CR; take it off again.
pub fn unquote(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn problem(path: &str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        path: path.to_owned(),
        code,
        message: message.into(),
    }
}

/// Reads `bytes` as CSV separated by `delimiter` and checks `mapping` against its header.
pub fn read(
    bytes: &[u8],
    delimiter: u8,
    mapping: &[ImportMapping],
    mode: ImportMode,
) -> AppResult<ImportFile> {
    let bad = |path: &str, code: &'static str, message: String| {
        AppError::BadUserInput(vec![problem(path, code, message)])
    };
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(bad(
            "file",
            code::INVALID,
            format!(
                "is not UTF-8 text (at byte {}); save it as \"CSV UTF-8\"",
                error.valid_up_to()
            ),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|h| h.trim().to_owned()).collect(),
        Err(error) => {
            return Err(bad(
                "file",
                code::INVALID,
                format!("cannot be read as CSV: {error}"),
            ));
        }
    };
    if header.iter().all(String::is_empty) {
        return Err(bad("file", code::REQUIRED, "has no header row".into()));
    }
    if header.len() == 1 {
        let others = [b',', b';', b'\t'].into_iter().filter(|d| *d != delimiter);
        if let Some(other) = others
            .into_iter()
            .find(|d| header[0].as_bytes().contains(d))
        {
            let shown = if other == b'\t' {
                "\\t".to_owned()
            } else {
                (other as char).to_string()
            };
            return Err(bad(
                "delimiter",
                code::INVALID,
                format!(
                    "the header has one column; the file seems separated by \"{shown}\": send delimiter: \"{shown}\""
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => rows.push(record.iter().map(str::to_owned).collect()),
            Err(error) => {
                return Err(bad(
                    "file",
                    code::INVALID,
                    format!("cannot be read as CSV: {error}"),
                ));
            }
        }
        if rows.len() > MAX_ROWS {
            return Err(bad(
                "file",
                code::TOO_LONG,
                format!("has more than {MAX_ROWS} rows; split it"),
            ));
        }
    }
    if rows.is_empty() {
        return Err(bad(
            "file",
            code::REQUIRED,
            "has no rows after its header".into(),
        ));
    }

    let mut problems = Vec::new();
    let mut plan = Vec::new();
    for (i, mapping) in mapping.iter().enumerate() {
        let wanted = mapping.column.trim();
        match header.iter().position(|h| h.eq_ignore_ascii_case(wanted)) {
            Some(index) => {
                if !mapping.field.repeatable() && plan.iter().any(|(_, _, f)| *f == mapping.field) {
                    problems.push(problem(
                        &format!("mapping[{i}].field"),
                        code::DUPLICATE,
                        "is mapped from another column already",
                    ));
                }
                plan.push((index, header[index].clone(), mapping.field));
            }
            None => problems.push(problem(
                &format!("mapping[{i}].column"),
                code::NOT_FOUND,
                format!(
                    "the file has no column {wanted:?} (its columns: {})",
                    header.join(", ")
                ),
            )),
        }
    }
    if !mapping.iter().any(|m| m.field == ImportField::Name) {
        problems.push(problem("mapping", code::REQUIRED, "map a column to NAME"));
    }
    let has_email = mapping
        .iter()
        .any(|m| matches!(m.field, ImportField::Email | ImportField::Emails));
    if mode == ImportMode::UpsertByEmail && !has_email {
        problems.push(problem(
            "mapping",
            code::REQUIRED,
            "UPSERT_BY_EMAIL needs a column mapped to EMAIL or EMAILS",
        ));
    }
    if problems.is_empty() {
        Ok(ImportFile { rows, plan })
    } else {
        Err(AppError::BadUserInput(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, ImportField)]) -> Vec<ImportMapping> {
        pairs
            .iter()
            .map(|(column, field)| ImportMapping {
                column: (*column).into(),
                field: *field,
            })
            .collect()
    }

    fn paths(result: AppResult<ImportFile>) -> Vec<(String, &'static str)> {
        match result {
            Err(AppError::BadUserInput(fields)) => {
                fields.into_iter().map(|f| (f.path, f.code)).collect()
            }
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn a_file_is_judged_whole_before_any_row() {
        let name = map(&[("Name", ImportField::Name)]);
        assert_eq!(
            paths(read(b"Name\n\xff\n", b',', &name, ImportMode::Create)),
            [("file".into(), code::INVALID)]
        );
        assert_eq!(
            paths(read(
                b"Name;Email\nAda;a@x.io\n",
                b',',
                &name,
                ImportMode::Create
            )),
            [("delimiter".into(), code::INVALID)]
        );
        assert_eq!(
            paths(read(b"Name\n", b',', &name, ImportMode::Create)),
            [("file".into(), code::REQUIRED)]
        );
        let wrong = map(&[
            ("Nom", ImportField::Name),
            ("Email", ImportField::Scoring),
            ("Email", ImportField::Scoring),
        ]);
        assert_eq!(
            paths(read(
                b"Name,Email\nAda,a@x.io\n",
                b',',
                &wrong,
                ImportMode::UpsertByEmail
            )),
            [
                ("mapping[0].column".into(), code::NOT_FOUND),
                ("mapping[2].field".into(), code::DUPLICATE),
                ("mapping".into(), code::REQUIRED),
            ]
        );
        let file = read(
            "\u{feff}name;E-mail\nAda;'+34 600\n".as_bytes(),
            b';',
            &map(&[("NAME", ImportField::Name), ("e-mail", ImportField::Phone)]),
            ImportMode::Create,
        )
        .expect("read");
        assert_eq!(
            file.cell(&file.rows[0], ImportField::Phone),
            Some(("E-mail", "+34 600"))
        );
    }

    #[test]
    fn only_the_quote_an_export_adds_is_removed() {
        assert_eq!(unquote("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unquote("'quoted'"), "'quoted'");
        assert_eq!(unquote("plain"), "plain");
    }
}
