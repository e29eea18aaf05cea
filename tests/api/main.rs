//! The one integration-test binary: every test drives the real router over HTTP requests.

mod support;

mod access;
mod audit;
mod contact_list;
mod contacts;
mod documents;
mod duplicates;
mod export;
mod funnel;
mod http;
mod import;
mod lifecycle;
mod merge;
mod node;
mod scale_out;
mod schema;
mod scope;
mod settings;
mod stages;
mod trash;
mod websocket;
