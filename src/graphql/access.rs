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
        // A WebSocket message is never a GET.
        check_writes(&document, false, ctx.data_opt::<Viewer>())?;
        Ok(document)
    }
}

/// Refuses a document with a mutation that came by GET (whether its text came in the URL or
/// from the persisted queries by its hash), or whose viewer may not write.
pub fn check_writes(
    document: &ExecutableDocument,
    via_get: bool,
    viewer: Option<&Viewer>,
) -> ServerResult<()> {
    if !has_mutation(document) {
        return Ok(());
    }
    if via_get {
        let mut error = ServerError::new("mutations must be sent with POST", None);
        set_code(&mut error, ErrorCode::GraphqlValidationFailed);
        return Err(error);
    }
    if let Some(viewer) = viewer
        && let Err(denied) = viewer.may_write()
    {
        let mut error = ServerError::new(denied.message(), None);
        set_code(&mut error, ErrorCode::Forbidden);
        return Err(error);
    }
    Ok(())
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
