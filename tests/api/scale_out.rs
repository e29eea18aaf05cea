//! Several servers on one PostgreSQL database, as behind a load balancer: a subscriber on any
//! server receives each committed move once, whichever server made it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::imports::{imported, mapping};
use crate::support::ws::{self, Socket};
use crate::support::{ContactBuilder, TestApp};

const STAGES: &str =
    "subscription { contactStageChanged { fromStep { name } toStep { name } contact { name } } }";

/// Subscribes on `app`'s served router, and waits until the subscription is registered.
async fn subscribed(app: &TestApp) -> (Socket, tokio::task::JoinHandle<()>) {
    let (address, server) = app.serve().await;
    let socket = ws::subscribe(address, None, STAGES, json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    (socket, server)
}

/// The next `count` events as (contact, from step, to step).
async fn events(socket: &mut Socket, count: usize) -> Vec<(String, String, String)> {
    let mut received = Vec::new();
    while received.len() < count {
        let message = ws::next(socket).await;
        assert_eq!(message["type"], "next", "{message}");
        let t = &message["payload"]["data"]["contactStageChanged"];
        let name = |v: &Value| v.as_str().unwrap_or("-").to_owned();
        received.push((
            name(&t["contact"]["name"]),
            name(&t["fromStep"]["name"]),
            name(&t["toStep"]["name"]),
        ));
    }
    received
}

/// Nothing more arrives within half a second.
async fn quiet(socket: &mut Socket) {
    use futures_util::StreamExt as _;
    let extra = tokio::time::timeout(Duration::from_millis(500), socket.next()).await;
    assert!(extra.is_err(), "no further events: {extra:?}");
}

fn event(contact: &str, from: &str, to: &str) -> (String, String, String) {
    (contact.to_owned(), from.to_owned(), to.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_receives_each_move_made_on_another_server_once() {
    let Some(one) = TestApp::postgres().await else {
        return;
    };
    let other = one.beside().await;
    let (mut socket, _server) = subscribed(&one).await;

    let ada = ContactBuilder::new("Ada").create_id(&other).await;
    other
        .move_contact(&ada, &other.step_id("Interested").await)
        .await;
    other
        .move_contact(&ada, &other.step_id("Closed – Won").await)
        .await;
    // A dry run creates a contact (and its first move) in a transaction it rolls back.
    let map = mapping(&[("name", "NAME"), ("email", "EMAIL")]);
    let dry = imported(
        &other,
        None,
        "name,email\nGrace,grace@example.com\n",
        json!({ "mapping": map, "dryRun": true }),
    )
    .await;
    assert_eq!(dry["created"], 1, "{dry}");
    other
        .move_contact(&ada, &other.step_id("Qualified").await)
        .await;
    // A move made on the subscriber's own server arrives once too.
    one.move_contact(&ada, &one.step_id("Proposal Sent").await)
        .await;

    assert_eq!(
        events(&mut socket, 5).await,
        vec![
            event("Ada", "-", "New Lead"),
            event("Ada", "New Lead", "Interested"),
            event("Ada", "Interested", "Closed – Won"),
            event("Ada", "Closed – Won", "Qualified"),
            event("Ada", "Qualified", "Proposal Sent"),
        ]
    );
    quiet(&mut socket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_loses_its_database_reconnects_and_relays_what_was_committed_meanwhile() {
    let Some((one, proxy)) = TestApp::postgres_behind_proxy().await else {
        return;
    };
    let other = one.beside().await;
    let (mut socket, _server) = subscribed(&one).await;
    let ada = ContactBuilder::new("Ada").create_id(&other).await;
    assert_eq!(
        events(&mut socket, 1).await,
        vec![event("Ada", "-", "New Lead")]
    );

    // The subscriber's server loses the database (as in a restart) while the other server,
    // still connected, commits a move.
    proxy.go_down();
    other
        .move_contact(&ada, &other.step_id("Interested").await)
        .await;
    quiet(&mut socket).await;
    proxy.come_up();
    assert_eq!(
        events(&mut socket, 1).await,
        vec![event("Ada", "New Lead", "Interested")]
    );

    other
        .move_contact(&ada, &other.step_id("Qualified").await)
        .await;
    assert_eq!(
        events(&mut socket, 1).await,
        vec![event("Ada", "Interested", "Qualified")]
    );
    quiet(&mut socket).await;
    let listeners = "pg_stat_activity WHERE datname = current_database() \
                     AND application_name = 'rapport stage listener'";
    assert_eq!(other.count(listeners).await, 2, "both servers listen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_starting_together_on_a_new_database_migrate_it_once() {
    let Some(database) = crate::support::postgres::TestDatabase::create_empty().await else {
        return;
    };
    let runs: Vec<_> = (0..3)
        .map(|_| {
            tokio::spawn(rapport::db::migrate::run_pending_owned(
                database.url.clone(),
            ))
        })
        .collect();
    let mut applied = Vec::new();
    for run in runs {
        applied.push(run.await.expect("task").expect("migrated").len());
    }
    applied.sort_unstable();
    assert_eq!(applied[..2], [0, 0], "the others found nothing left to do");
    assert!(applied[2] > 0, "one server applied every migration");
}
