//! Automatic persisted queries (Apollo's APQ): a client sends a query's SHA-256 alone; until
//! the server knows that hash the answer is `PERSISTED_QUERY_NOT_FOUND`, and the client sends
//! the text with its hash once, which registers it. The documents are kept per process, in an
//! LRU of `CAPACITY` entries (a server that has not seen a hash asks for the text again).

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Request, ServerResult};

use super::limits::set_code;
use crate::error::ErrorCode;

/// Parsed documents kept by hash.
const CAPACITY: usize = 4096;

/// The parsed documents, by the SHA-256 of their text: persisted queries, and over HTTP every
/// query parsed recently.
pub fn documents() -> LruCacheStorage {
    LruCacheStorage::new(CAPACITY)
}

/// The persisted-query extension of async-graphql (the WebSocket schema's), over `documents`.
pub fn persisted_queries(documents: LruCacheStorage) -> ApolloPersistedQueries<LruCacheStorage> {
    ApolloPersistedQueries::new(documents)
}

/// Gives the persisted-query extension's errors (registered after this one) the codes clients
/// act on: `PERSISTED_QUERY_NOT_FOUND` makes Apollo's client send the query's text.
pub struct PersistedQueryCodes;

impl ExtensionFactory for PersistedQueryCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PersistedQueryCodes)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for PersistedQueryCodes {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let asks_persisted = request.extensions.contains_key("persistedQuery");
        next.run(ctx, request).await.map_err(|mut error| {
            if error.message == "PersistedQueryNotFound" {
                set_code(&mut error, ErrorCode::PersistedQueryNotFound);
            } else if asks_persisted {
                // A hash that does not match the text, or a malformed extension.
                set_code(&mut error, ErrorCode::GraphqlParseFailed);
            }
            error
        })
    }
}
