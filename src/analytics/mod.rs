//! Aggregates for dashboards and BI tools, computed in SQL: the current state of contacts, and
//! why deals were won or lost.

pub mod resolvers;
mod store;
