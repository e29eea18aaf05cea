//! The engagement lifecycle: templates of ordered categories and steps that contacts move along,
//! the history of their moves, the funnel over it, and the live feed of moves. Its operations
//! (`ops`) are what resolvers, the demo loader and importers call.

pub mod events;
pub mod funnel;
pub mod input;
pub mod loaders;
pub mod model;
pub mod ops;
pub mod resolvers;
pub mod rules;
mod store;

pub use funnel::month_of;
pub use model::StageTransition;
pub use ops::Moved;
pub use resolvers::publish;
/// Reads other features make of lifecycle records, limited to the viewer's scope.
pub use store::{
    NewTransition, adopt_history, announce, rebuild_progress, steps_by_ids, templates_by_ids,
};
