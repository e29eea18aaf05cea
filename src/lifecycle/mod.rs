//! The engagement lifecycle: templates of ordered categories and steps that contacts move along.

pub mod events;
pub mod funnel;
pub mod input;
pub mod loaders;
pub mod model;
pub mod resolvers;
pub mod rules;
pub mod store;
