//! `exportContacts`: a signed, short-lived link to the contact list as a file.

use async_graphql::{Context, Object, SimpleObject};

use super::columns::ContactColumn;
use super::download::subject;
use super::request::ExportRequest;
use super::sheet::ExportFormat;
use crate::contacts::list::{ContactFilter, ContactOrder, PageArgs};
use crate::documents::UrlSigner;
use crate::documents::signing::URL_LIFETIME_SECS;
use crate::error::AppResult;
use crate::graphql::context::viewer;
use crate::time::Timestamp;
use crate::validation::{Validator, code};

/// Where to fetch an export.
#[derive(Debug, SimpleObject)]
pub struct ContactExport {
    /// A link that works without an Authorization header until `expiresAt`; it reads the list
    /// as you, with your companies at the time it is fetched.
    pub download_url: String,
    pub expires_at: Timestamp,
}

#[derive(Default)]
pub struct ExportQuery;

#[Object]
impl ExportQuery {
    /// Every contact matching `filter`, in `orderBy`'s order, with `columns` in the given order
    /// (CSV: UTF-8 with a header row, `bom` for Excel; XLSX: one sheet). Text a spreadsheet
    /// would run as a formula starts with `'`.
    async fn export_contacts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContactFilter>,
        order_by: Option<ContactOrder>,
        columns: Vec<ContactColumn>,
        #[graphql(desc = "CSV when absent")] format: Option<ExportFormat>,
        #[graphql(desc = "Start a CSV file with a UTF-8 byte-order mark (false when absent)")]
        bom: Option<bool>,
    ) -> AppResult<ContactExport> {
        let (format, bom) = (format.unwrap_or_default(), bom.unwrap_or(false));
        let mut problems = Validator::new();
        if columns.is_empty() {
            problems.push("columns", code::REQUIRED, "choose at least one column");
        }
        for (i, column) in columns.iter().enumerate() {
            if columns[..i].contains(column) {
                problems.push(
                    format!("columns[{i}]"),
                    code::DUPLICATE,
                    "is already chosen",
                );
            }
        }
        let list = PageArgs {
            filter: filter.as_ref(),
            order: order_by,
            ..PageArgs::filter_only(None)
        }
        .validate();
        if let Err(crate::error::AppError::BadUserInput(fields)) = &list {
            for field in fields {
                problems.push(field.path.clone(), field.code, field.message.clone());
            }
        } else {
            list?;
        }
        problems.finish()?;

        let request = ExportRequest::new(
            viewer(ctx).user_id,
            filter.as_ref(),
            order_by.as_ref(),
            columns,
            format,
            bom,
        );
        let encoded = request.encode();
        let expires_at = Timestamp::now().0.and_utc().timestamp() + URL_LIFETIME_SECS;
        // Inserted into the schema's data by `schema::schema`.
        let signer = ctx.data_unchecked::<UrlSigner>();
        Ok(ContactExport {
            download_url: format!(
                "/exports/contacts?request={encoded}&{}",
                signer.signed_query(&subject(&encoded), expires_at)
            ),
            expires_at: Timestamp::from_utc(
                chrono::DateTime::from_timestamp(expires_at, 0).unwrap_or_default(),
            ),
        })
    }
}
