//! Snapshots of whole answers, for shapes a reviewer should see change.
//!
//! Ids and timestamps differ between runs and backends, so they are redacted: an id keeps its
//! type (`Contact:[id]`), a timestamp becomes `[timestamp]`, and null stays null. Files are
//! named by the snapshot alone, so the SQLite and PostgreSQL runs of a test share one.
//!
//! After a deliberate change, accept the new answers with `cargo insta review` (or run the tests
//! with `INSTA_UPDATE=always`) and commit the `.snap` files with the change. With `CI` set, a
//! differing answer fails and nothing is written.

use insta::internals::Content;

const TIMESTAMPS: [&str; 5] = [
    "createdAt",
    "updatedAt",
    "stageChangedAt",
    "occurredAt",
    "uploadedAt",
];

fn redact_id(value: Content, _: insta::internals::ContentPath<'_>) -> Content {
    match value.as_str().and_then(|id| id.split_once(':')) {
        Some((kind, _)) => Content::from(format!("{kind}:[id]")),
        None => value,
    }
}

fn redact_timestamp(value: Content, _: insta::internals::ContentPath<'_>) -> Content {
    if value.as_str().is_some() {
        Content::from("[timestamp]")
    } else {
        value
    }
}

/// Settings for `insta::assert_json_snapshot!`: `snapshot_settings().bind(|| ...)`.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.add_redaction(".**.id", insta::dynamic_redaction(redact_id));
    for key in TIMESTAMPS {
        settings.add_redaction(
            &format!(".**.{key}"),
            insta::dynamic_redaction(redact_timestamp),
        );
    }
    settings
}
