//! Requests that could change something are refused as a whole before any resolver runs when
//! the viewer may not write (a read-only token, the VIEWER role); finer rules (roles per record)
//! are asked by the operations themselves.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{ServerError, ServerResult, Variables};

use super::limits::set_code;
use crate::error::ErrorCode;
use crate::viewer::Viewer;

pub struct WriteGuard;

/// Marks a request that came as `GET`: it may not run a mutation, whether its text came in the
/// URL or from the persisted queries by its hash.
pub struct ViaGet;

impl ExtensionFactory for WriteGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(WriteGuard)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for WriteGuard {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if has_mutation(&document) && ctx.data_opt::<ViaGet>().is_some() {
            let mut error = ServerError::new("mutations must be sent with POST", None);
            set_code(&mut error, ErrorCode::GraphqlValidationFailed);
            return Err(error);
        }
        if has_mutation(&document)
            && let Some(viewer) = ctx.data_opt::<Viewer>()
            && let Err(denied) = viewer.may_write()
        {
            let mut error = ServerError::new(denied.message(), None);
            set_code(&mut error, ErrorCode::Forbidden);
            return Err(error);
        }
        Ok(document)
    }
}

/// Whether any operation of the document is a mutation (a document mixing kinds is judged by
/// its most powerful one).
fn has_mutation(document: &ExecutableDocument) -> bool {
    match &document.operations {
        DocumentOperations::Single(op) => op.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(ops) => {
            ops.values().any(|op| op.node.ty == OperationType::Mutation)
        }
    }
}
