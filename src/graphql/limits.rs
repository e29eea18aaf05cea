//! Protection applied before any resolver runs (depth, complexity, aliases), and the stable
//! `extensions.code` of errors raised by the GraphQL engine itself rather than by resolvers.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Positioned, Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::ErrorCode;

/// Deepest accepted selection nesting (GraphiQL's introspection query needs 13).
pub const MAX_DEPTH: usize = 15;
/// Highest accepted complexity (one point per selected field).
pub const MAX_COMPLEXITY: usize = 2_000;
/// Most aliased fields in one document.
pub const MAX_ALIASES: usize = 30;

pub struct Limits;

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension)
    }
}

struct LimitsExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        code_errors(&mut response.errors);
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await.map_err(|mut error| {
            if has_code(&error) {
                return error; // refused by a later extension, with its own code
            }
            let code = if error.message.starts_with("The recursion depth")
                || error.message.contains("directives")
            {
                ErrorCode::QueryTooComplex
            } else {
                ErrorCode::GraphqlParseFailed
            };
            set_code(&mut error, code);
            error
        })?;
        check_aliases(&document)?;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|mut errors| {
            for error in &mut errors {
                let code = if error.message.starts_with("Query is too complex")
                    || error.message.starts_with("Query is nested too deep")
                {
                    ErrorCode::QueryTooComplex
                } else {
                    ErrorCode::GraphqlValidationFailed
                };
                set_code(error, code);
            }
            errors
        })
    }
}

/// Gives every error of a response that has no code the one its kind needs: the engine's
/// request errors (too deep, too complex, invalid) and argument errors, else (a resolver error
/// without a code: a bug) INTERNAL_SERVER_ERROR with the message logged, not sent.
pub fn code_errors(errors: &mut [ServerError]) {
    for error in errors {
        if has_code(error) {
            continue;
        }
        let message = &error.message;
        let code = if error.path.is_empty() {
            if message.starts_with("The recursion depth")
                || message.contains("directives")
                || message.starts_with("Query is too complex")
                || message.starts_with("Query is nested too deep")
            {
                ErrorCode::QueryTooComplex
            } else {
                ErrorCode::GraphqlValidationFailed
            }
        } else if message.starts_with("Failed to parse")
            || message.starts_with("Invalid value")
            || message.starts_with("Expected input type")
        {
            ErrorCode::BadUserInput
        } else {
            tracing::error!(message = %error.message, "resolver error without a code");
            error.message = "internal server error".to_owned();
            ErrorCode::InternalServerError
        };
        set_code(error, code);
    }
}

/// Refuses a document with more than [`MAX_ALIASES`] aliased fields.
pub fn check_aliases(document: &ExecutableDocument) -> ServerResult<()> {
    let aliases = count_aliases(document);
    if aliases > MAX_ALIASES {
        let mut error = ServerError::new(
            format!("Query uses {aliases} aliases; at most {MAX_ALIASES} are allowed."),
            None,
        );
        set_code(&mut error, ErrorCode::QueryTooComplex);
        return Err(error);
    }
    Ok(())
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some())
}

pub(crate) fn set_code(error: &mut ServerError, code: ErrorCode) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
}

/// Aliased fields in every operation and fragment of the document.
fn count_aliases(document: &ExecutableDocument) -> usize {
    fn in_set(set: &Positioned<SelectionSet>) -> usize {
        set.node
            .items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| in_set(&op.node.selection_set))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| in_set(&f.node.selection_set))
        .sum();
    operations + fragments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_in_operations_and_fragments() {
        let doc = async_graphql::parser::parse_query(
            "{ a: companies { id } b: companies { x: name } ...F } fragment F on Query { c: users { id } }",
        )
        .expect("valid query");
        assert_eq!(count_aliases(&doc), 4);
    }
}
