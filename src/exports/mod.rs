//! Contact exports: `exportContacts` signs a short-lived link that describes the list (filter,
//! order, columns, format) and who asked; fetching it streams every matching contact, page by
//! page, as CSV or XLSX.

pub mod columns;
pub mod download;
mod request;
pub mod resolvers;
pub mod sheet;

pub use columns::ContactColumn;
pub use sheet::ExportFormat;
