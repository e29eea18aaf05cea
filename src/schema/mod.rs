//! The executable schema: the merged query, mutation and subscription roots of every feature,
//! `node(id)` across them, the limits, and one request's run with its viewer and loaders.

pub mod node;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::analytics::resolvers::AnalyticsQuery;
use crate::audit::resolvers::AuditQuery;
use crate::contacts::resolvers::{ContactsMutation, ContactsQuery};
use crate::db::Db;
use crate::db::loader::Reader;
use crate::documents::resolvers::DocumentsMutation;
use crate::documents::{DocumentStorage, UrlSigner};
use crate::duplicates::resolvers::DuplicatesQuery;
use crate::exports::resolvers::ExportQuery;
use crate::graphql::context::DefaultPhoneRegion;
use async_graphql::extensions::apollo_persisted_queries::LruCacheStorage;

use crate::graphql::{access, batch, limits, order, persisted, prepare};
use crate::imports::resolvers::{ImportMutation, ImportQuery, ImportSubscription};
use crate::lifecycle::events::StageEvents;
use crate::lifecycle::resolvers::{
    LifecycleMutation, LifecycleQuery, StageMutation, StageSubscription,
};
use crate::settings::resolvers::{SettingsMutation, SettingsQuery};
use crate::tokens::resolvers::{TokensMutation, TokensQuery};
use crate::viewer::Viewer;

#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    ContactsQuery,
    AnalyticsQuery,
    SettingsQuery,
    LifecycleQuery,
    TokensQuery,
    ExportQuery,
    ImportQuery,
    AuditQuery,
    DuplicatesQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    ContactsMutation,
    StageMutation,
    SettingsMutation,
    LifecycleMutation,
    DocumentsMutation,
    TokensMutation,
    ImportMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(StageSubscription, ImportSubscription);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(limits::MAX_DEPTH)
    .limit_complexity(limits::MAX_COMPLEXITY)
    .limit_recursive_depth(limits::MAX_DEPTH * 2)
    .limit_directives(10)
}

/// The checks of `graphql::prepare` as async-graphql extensions, for the WebSocket schema.
fn with_extensions(
    builder: async_graphql::SchemaBuilder<Query, Mutation, Subscription>,
    documents: LruCacheStorage,
) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    builder
        .extension(limits::Limits)
        .extension(persisted::PersistedQueryCodes)
        .extension(persisted::persisted_queries(documents))
        .extension(access::WriteGuard)
}

/// The executable API: one schema for HTTP requests, whose checks run around it
/// ([`execute`]), and one for WebSocket subscriptions, with the same checks as extensions.
/// Both share the data and the parsed documents.
#[derive(Clone)]
pub struct Api {
    requests: AppSchema,
    pub sockets: AppSchema,
    documents: LruCacheStorage,
}

/// What resolvers read from the schema's data besides the database.
#[derive(Debug, Clone, Default)]
pub struct ApiSettings {
    /// Region for phone numbers typed without a country prefix.
    pub default_phone_region: Option<String>,
    /// Where document bytes go, and how large one may be.
    pub documents: DocumentStorage,
    /// Signs document download URLs.
    pub signer: UrlSigner,
}

/// The executable API, serving `db`.
pub fn schema(db: Db, settings: ApiSettings) -> Api {
    let events = StageEvents::of(&db);
    let documents = persisted::documents();
    let serving = |builder: async_graphql::SchemaBuilder<Query, Mutation, Subscription>| {
        builder
            .data(db.clone())
            .data(DefaultPhoneRegion(settings.default_phone_region.clone()))
            .data(settings.documents.clone())
            .data(settings.signer.clone())
            .data(events.clone())
            .finish()
    };
    Api {
        requests: serving(builder()),
        sockets: serving(with_extensions(builder(), documents.clone())),
        documents,
    }
}

/// The SDL of the API, as committed in `schema.graphql`.
pub fn sdl() -> String {
    with_extensions(builder(), persisted::documents())
        .finish()
        .sdl()
}

/// Runs one request for `viewer`, with a fresh set of loaders whose batches start
/// deterministically (see [`batch`]), and puts its answer's keys in the query's order (see
/// [`order`]).
pub async fn execute(
    api: &Api,
    request: async_graphql::Request,
    db: &Db,
    viewer: Viewer,
) -> async_graphql::Response {
    execute_as(api, request, db, viewer, false).await
}

/// [`execute`] for a request that came by GET (which may not mutate) when `via_get`.
pub async fn execute_as(
    api: &Api,
    request: async_graphql::Request,
    db: &Db,
    viewer: Viewer,
    via_get: bool,
) -> async_graphql::Response {
    let operation = request.operation_name.clone();
    let (request, document) =
        match prepare::prepare(&api.documents, request, &viewer, via_get).await {
            Ok(prepared) => prepared,
            Err(error) => return async_graphql::Response::from_errors(vec![error]),
        };
    let gate = batch::BatchGate::default();
    let loaders = Reader::loaders(db.clone(), viewer.clone(), gate.spawner());
    // What the request changes, the audit trail puts down to its viewer.
    let request = request
        .data(db.acting_as(viewer.user_id))
        .data(viewer)
        .data(loaders);
    let mut response = gate.run(api.requests.execute(request)).await;
    limits::code_errors(&mut response.errors);
    order::in_selection_order(
        &mut response.data,
        &document,
        operation.as_deref(),
        &response.errors,
    );
    response
}
