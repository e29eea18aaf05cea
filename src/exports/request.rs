//! What an export URL carries: the list (filter and order as the client sent them), the
//! columns, the format and who asked. The URL is signed, so none of it can be changed.

use async_graphql::InputType;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::columns::ContactColumn;
use super::sheet::ExportFormat;
use crate::contacts::list::{ContactFilter, ContactOrder, PageArgs, PageQuery};
use crate::error::AppResult;
use crate::ids::UserId;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportRequest {
    /// The user the export reads as (their scope when the file is fetched); none for the local
    /// administrator.
    pub user: Option<i64>,
    pub filter: Option<async_graphql::Value>,
    pub order: Option<async_graphql::Value>,
    pub columns: Vec<ContactColumn>,
    pub format: ExportFormat,
    pub bom: bool,
}

impl ExportRequest {
    pub fn new(
        user: Option<UserId>,
        filter: Option<&ContactFilter>,
        order: Option<&ContactOrder>,
        columns: Vec<ContactColumn>,
        format: ExportFormat,
        bom: bool,
    ) -> Self {
        Self {
            user: user.map(|u| u.0),
            filter: filter.map(InputType::to_value),
            order: order.map(InputType::to_value),
            columns,
            format,
            bom,
        }
    }

    pub fn user(&self) -> Option<UserId> {
        self.user.map(UserId)
    }

    /// The request as URL-safe text, and back.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("an export request serialises");
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let json = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// The first page of the list to walk, validated as the `contacts` query validates it,
    /// with pages of `page_size` (`None`: the request does not read as a list).
    pub fn pages(&self, page_size: i64) -> Option<AppResult<PageQuery>> {
        let filter = match &self.filter {
            Some(value) => Some(ContactFilter::parse(Some(value.clone())).ok()?),
            None => None,
        };
        let order = match &self.order {
            Some(value) => Some(ContactOrder::parse(Some(value.clone())).ok()?),
            None => None,
        };
        Some(
            PageArgs {
                filter: filter.as_ref(),
                order,
                first: None,
                after: None,
                last: None,
                before: None,
            }
            .validate()
            .map(|page| PageQuery {
                limit: page_size,
                ..page
            }),
        )
    }
}
