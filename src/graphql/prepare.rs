//! What happens to an HTTP request before async-graphql runs it, and to its errors after:
//! persisted queries, parsing (once, cached by the text's hash), the alias limit and the write
//! guard, then the stable `extensions.code` of the engine's own errors. The same checks run as
//! async-graphql extensions on the WebSocket schema (`limits`, `persisted`, `access`); over HTTP
//! they run here instead, because any extension makes async-graphql call every extension for
//! every resolved field (about a tenth of a page's CPU time).

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage as _, LruCacheStorage};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError};
use sha2::{Digest as _, Sha256};

use super::limits::{self, set_code};
use crate::error::ErrorCode;
use crate::viewer::Viewer;

/// Query texts longer than this are parsed every time rather than kept.
const MAX_CACHED_TEXT: usize = 16 * 1024;

#[derive(serde::Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

fn coded(message: impl Into<String>, code: ErrorCode) -> ServerError {
    let mut error = ServerError::new(message, None);
    set_code(&mut error, code);
    error
}

/// Parses `request` (or finds its persisted document), applies the checks that need the
/// document, and hands the document to async-graphql so it is not parsed again. The document
/// comes back too, to put the answer's keys in order (`graphql::order`).
pub async fn prepare(
    documents: &LruCacheStorage,
    mut request: Request,
    viewer: &Viewer,
    via_get: bool,
) -> Result<(Request, ExecutableDocument), ServerError> {
    let document = match request.extensions.remove("persistedQuery") {
        Some(value) => persisted(documents, &request.query, value).await?,
        None => parsed(documents, &request.query).await?,
    };
    limits::check_aliases(&document)?;
    super::access::check_writes(&document, via_get, Some(viewer))?;
    request.set_parsed_query(document.clone());
    Ok((request, document))
}

async fn persisted(
    documents: &LruCacheStorage,
    query: &str,
    value: async_graphql::Value,
) -> Result<ExecutableDocument, ServerError> {
    let asked: PersistedQuery = async_graphql::from_value(value).map_err(|_| {
        coded(
            "Invalid \"PersistedQuery\" extension configuration.",
            ErrorCode::GraphqlParseFailed,
        )
    })?;
    if asked.version != 1 {
        return Err(coded(
            format!(
                "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{}\".",
                asked.version
            ),
            ErrorCode::GraphqlParseFailed,
        ));
    }
    if query.is_empty() {
        return documents
            .get(asked.sha256_hash)
            .await
            .ok_or_else(|| coded("PersistedQueryNotFound", ErrorCode::PersistedQueryNotFound));
    }
    if hash(query) != asked.sha256_hash {
        return Err(coded(
            "provided sha does not match query",
            ErrorCode::GraphqlParseFailed,
        ));
    }
    let document = parse(query)?;
    documents.set(asked.sha256_hash, document.clone()).await;
    Ok(document)
}

/// The document of a query text: from the cache (persisted queries share it), else parsed.
async fn parsed(
    documents: &LruCacheStorage,
    query: &str,
) -> Result<ExecutableDocument, ServerError> {
    if query.len() > MAX_CACHED_TEXT {
        return parse(query);
    }
    let key = hash(query);
    if let Some(document) = documents.get(key.clone()).await {
        return Ok(document);
    }
    let document = parse(query)?;
    documents.set(key, document.clone()).await;
    Ok(document)
}

fn parse(query: &str) -> Result<ExecutableDocument, ServerError> {
    async_graphql::parser::parse_query(query).map_err(|error| {
        let mut error = ServerError::from(error);
        set_code(&mut error, ErrorCode::GraphqlParseFailed);
        error
    })
}

/// The SHA-256 of a text in lower-case hex, as persisted queries name it.
fn hash(query: &str) -> String {
    use std::fmt::Write as _;
    let digest: [u8; 32] = Sha256::digest(query.as_bytes()).into();
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}
