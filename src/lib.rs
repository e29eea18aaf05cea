//! Rapport: a GraphQL API server for the Contacts part of a sales CRM.

pub mod analytics;
pub mod audit;
pub mod auth;
pub mod company;
pub mod config;
pub mod contacts;
pub mod db;
pub mod demo;
pub mod documents;
pub mod duplicates;
pub mod error;
pub mod exports;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod imports;
pub mod lifecycle;
pub mod schema;
pub mod settings;
pub mod time;
pub mod tokens;
pub mod validation;
pub mod viewer;
