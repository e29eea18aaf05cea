//! Contact documents through real multipart requests and downloads: bytes round-trip, hostile
//! names, limits, inline previews only for safe types, ranges, deletes, and stores that fail.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::stream::BoxStream;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::api_test;
use crate::support::uploads::{PDF, PNG, UPLOAD, multipart};
use crate::support::{ContactBuilder, TestApp, TestResponse};

async fn get(app: &TestApp, url: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut request = Request::get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn documents_of(app: &TestApp, contact: &str) -> Value {
    app.data(
        "query($id: ID!) { contact(id: $id) { documents { fileName } } }",
        json!({ "id": contact }),
    )
    .await["contact"]["documents"]
        .clone()
}

api_test!(
    async fn uploaded_bytes_download_unchanged(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        // Some bytes of every value, more than one read chunk.
        let content: Vec<u8> = (0..200_000_u32).map(|i| (i * 7 % 251) as u8).collect();
        let document = app.uploaded(&contact, "Überweisung Zürich.bin", &content).await;
        assert_eq!(document["fileName"], "Überweisung Zürich.bin");
        assert_eq!(document["sizeBytes"], content.len());
        assert_eq!(document["sha256"], sha256(&content));
        assert_eq!(document["contentType"], "application/octet-stream", "not the declared text/html");
        assert_eq!(document["previewUrl"], Value::Null);

        let url = document["downloadUrl"].as_str().expect("url");
        let download = get(&app, url, &[]).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(sha256(&download.bytes), sha256(&content));
        assert_eq!(download.header("content-length"), content.len().to_string());
        assert_eq!(download.header("etag"), format!("\"{}\"", sha256(&content)));
        assert_eq!(download.header("x-content-type-options"), "nosniff");
        assert!(download.header("content-security-policy").contains("sandbox"));
        assert_eq!(
            download.header("content-disposition"),
            "attachment; filename=\"_berweisung Z_rich.bin\"; filename*=UTF-8''%C3%9Cberweisung%20Z%C3%BCrich.bin"
        );
        let unchanged = get(&app, url, &[("if-none-match", download.header("etag"))]).await;
        assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
        assert!(unchanged.bytes.is_empty());

        assert_eq!(documents_of(&app, &contact).await, json!([{ "fileName": "Überweisung Zürich.bin" }]));
        assert_eq!(app.stored_files().len(), 1);
    }
);

api_test!(
    async fn only_pdfs_and_raster_images_preview_inline(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let pdf = app.uploaded(&contact, "offer.pdf", PDF).await;
        assert_eq!(pdf["contentType"], "application/pdf");
        let preview = pdf["previewUrl"].as_str().expect("a PDF previews");
        let shown = get(&app, preview, &[]).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert_eq!(shown.header("content-type"), "application/pdf");
        assert!(shown.header("content-disposition").starts_with("inline; filename=\"offer.pdf\""));

        let png = app.uploaded(&contact, "logo.png", PNG).await;
        assert_eq!(png["contentType"], "image/png");
        assert!(png["previewUrl"].is_string());

        // HTML named like a PDF: recognised as HTML from its bytes, and never shown inline.
        let html = b"<html><script>alert(document.cookie)</script></html>";
        let page = app.uploaded(&contact, "invoice.pdf", html).await;
        assert_eq!(page["contentType"], "text/html");
        assert_eq!(page["previewUrl"], Value::Null);
        let forced = format!("{}&inline=1", page["downloadUrl"].as_str().expect("url"));
        let served = get(&app, &forced, &[]).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.header("content-type"), "text/html");
        assert!(served.header("content-disposition").starts_with("attachment; "));
        assert_eq!(served.header("x-content-type-options"), "nosniff");
    }
);

api_test!(
    async fn single_byte_ranges_are_served(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let content: Vec<u8> = (0..10_000_u32).map(|i| (i % 256) as u8).collect();
        let document = app.uploaded(&contact, "big.pdf", &content).await;
        let url = document["downloadUrl"].as_str().expect("url");

        let part = get(&app, url, &[("range", "bytes=100-199")]).await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.bytes, content[100..200]);
        assert_eq!(part.header("content-range"), "bytes 100-199/10000");
        assert_eq!(part.header("content-length"), "100");
        assert_eq!(part.header("accept-ranges"), "bytes");

        let tail = get(&app, url, &[("range", "bytes=-10")]).await;
        assert_eq!(tail.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(tail.bytes, content[9_990..]);

        let beyond = get(&app, url, &[("range", "bytes=20000-")]).await;
        assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(beyond.header("content-range"), "bytes */10000");

        let stale = get(&app, url, &[("range", "bytes=0-9"), ("if-range", "\"other\"")]).await;
        assert_eq!(stale.status, StatusCode::OK, "a range of another version is ignored");
        assert_eq!(stale.bytes.len(), 10_000);
    }
);

api_test!(
    async fn hostile_names_are_cleaned(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        for (sent, shown) in [
            ("../../etc/passwd", "passwd"),
            ("..\\\\..\\\\boot.ini", "boot.ini"),
            ("\u{202e}fdp.exe", "fdp.exe"),
            ("   ", "document"),
        ] {
            let document = app.uploaded(&contact, sent, b"x").await;
            assert_eq!(document["fileName"], shown, "sent {sent:?}");
        }
        let long = format!("{}.pdf", "a".repeat(400));
        let document = app.uploaded(&contact, &long, b"x").await;
        let name = document["fileName"].as_str().expect("name");
        assert_eq!(name.len(), 200);
        assert!(name.ends_with(".pdf"));
        // Storage keys never come from the name: nothing outside the store was written.
        for file in app.stored_files() {
            let key = file.file_name().and_then(|n| n.to_str()).expect("key");
            assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
        }
    }
);

api_test!(
    async fn bad_uploads_are_refused_and_store_nothing(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let empty = app.upload(&contact, "empty.txt", b"").await.json();
        assert_eq!(empty["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(empty["errors"][0]["extensions"]["fields"][0]["path"], "file");

        let unknown = app.upload("Contact:999", "a.txt", b"a").await.json();
        assert_eq!(unknown["errors"][0]["extensions"]["code"], "NOT_FOUND");

        let limit = TestApp::settings().max_upload_bytes;
        let oversize = app.upload(&contact, "big.bin", &vec![7_u8; limit + 1]).await;
        assert_eq!(oversize.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(oversize.json()["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");

        let files: Vec<(String, &str, &[u8])> =
            (0..11).map(|i| (format!("variables.files.{i}"), "a.txt", &b"a"[..])).collect();
        let files: Vec<(&str, &str, &[u8])> = files.iter().map(|(p, n, c)| (p.as_str(), *n, *c)).collect();
        let many = app
            .send(multipart(
                "mutation($files: [Upload!]!) { __typename }",
                json!({ "files": vec![Value::Null; 11] }),
                &files,
            ))
            .await;
        assert_eq!(many.status, StatusCode::BAD_REQUEST);
        assert_eq!(many.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

        // A plain HTML form from another site cannot upload (or change anything).
        let mut forged = multipart(
            UPLOAD,
            json!({ "contact": contact, "file": null }),
            &[("variables.file", "a.txt", &b"a"[..])],
        );
        forged.headers_mut().remove("apollo-require-preflight");
        let forged = app.send(forged).await;
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);
        assert_eq!(forged.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        let delete = format!("mutation {{ deleteContact(id: \"{contact}\") }}");
        let untyped = app
            .send(
                Request::post("/graphql")
                    .body(Body::from(json!({ "query": delete }).to_string()))
                    .expect("request"),
            )
            .await;
        assert_eq!(untyped.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

        assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
        assert_eq!(app.count("contact_documents").await, 0);
        assert_eq!(app.count("contacts").await, 1, "the untyped delete changed nothing");
    }
);

api_test!(
    async fn deleting_removes_rows_and_bytes(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let first = app.uploaded(&contact, "a.pdf", PDF).await;
        let second = app.uploaded(&contact, "b.png", PNG).await;
        assert_eq!(app.stored_files().len(), 2);

        let deleted = app
            .data("mutation($id: ID!) { deleteContactDocument(id: $id) }", json!({ "id": first["id"] }))
            .await;
        assert_eq!(deleted["deleteContactDocument"], first["id"]);
        assert_eq!(app.stored_files().len(), 1);
        assert_eq!(documents_of(&app, &contact).await, json!([{ "fileName": "b.png" }]));
        let gone = get(&app, first["downloadUrl"].as_str().expect("url"), &[]).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.json()["errors"][0]["extensions"]["code"], "NOT_FOUND");
        let again = app
            .graphql("mutation($id: ID!) { deleteContactDocument(id: $id) }", json!({ "id": first["id"] }))
            .await;
        assert_eq!(again.code(), "NOT_FOUND");

        let shown = get(&app, second["downloadUrl"].as_str().expect("url"), &[]).await;
        assert_eq!(shown.status, StatusCode::OK);
        app.data("mutation($id: ID!) { deleteContact(id: $id) }", json!({ "id": contact })).await;
        assert_eq!(app.stored_files().len(), 1, "a contact in the trash keeps its bytes");
        let hidden = get(&app, second["downloadUrl"].as_str().expect("url"), &[]).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "a trashed contact's documents are not served");
        app.data("mutation($id: ID!) { purgeContact(id: $id) }", json!({ "id": contact })).await;
        assert!(app.stored_files().is_empty(), "a purged contact takes its bytes along");
        assert_eq!(app.count("contact_documents").await, 0);

        for url in ["/documents/Document:999", "/documents/Contact:1", "/documents/nonsense"] {
            let missing = get(&app, url, &[]).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND, "{url}");
            assert_eq!(missing.header("x-content-type-options"), "nosniff");
        }
    }
);

/// A store whose writes fail, to prove a failed upload leaves no row.
#[derive(Debug, Default)]
struct FailingStore {
    inner: InMemory,
}

impl fmt::Display for FailingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FailingStore")
    }
}

fn refused() -> object_store::Error {
    object_store::Error::Generic {
        store: "FailingStore",
        source: "the disk is full".into(),
    }
}

#[async_trait]
impl ObjectStore for FailingStore {
    async fn put_opts(
        &self,
        _: &Path,
        _: PutPayload,
        _: PutOptions,
    ) -> object_store::Result<PutResult> {
        Err(refused())
    }
    async fn put_multipart_opts(
        &self,
        _: &Path,
        _: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(refused())
    }
    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }
    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }
    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }
    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }
    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

api_test!(
    async fn a_store_that_fails_leaves_no_row(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let app = app.with_document_store(Arc::new(FailingStore::default()));
        let response = app.upload(&contact, "a.pdf", PDF).await.json();
        assert_eq!(response["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE");
        assert_eq!(app.count("contact_documents").await, 0);
    }
);

api_test!(
    async fn a_row_that_cannot_be_written_leaves_no_bytes(app) {
        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let store = Arc::new(InMemory::new());
        let app = app.with_document_store(store.clone());
        // Every insert into the table now fails, after the bytes were stored.
        app.exec_sql("CREATE TABLE blocker (id INTEGER); DROP TABLE contact_documents;")
            .await;
        let response = app.upload(&contact, "a.pdf", PDF).await.json();
        assert_eq!(response["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR");
        use futures_util::TryStreamExt as _;
        let left: Vec<ObjectMeta> = store.list(None).try_collect().await.expect("list");
        assert!(left.is_empty(), "the stored bytes were removed again: {left:?}");
    }
);

api_test!(
    async fn bytes_no_row_names_are_swept_once_their_grace_has_passed(app) {
        use rapport::documents::sweep::sweep_orphaned_bytes;
        use std::time::Duration;

        let contact = ContactBuilder::new("Ada").create_id(&app).await;
        let kept = app.uploaded(&contact, "a.pdf", PDF).await;
        // Bytes stored without a row, as a crash between storing an upload and committing its
        // row leaves them.
        app.documents.write(&b"left behind"[..]).await.expect("write");
        // And a staging file of the local store, as a crash in the middle of a write leaves it.
        let staging = app.documents_dir.path().join("documents").join("0123456789abcdef#1");
        std::fs::write(&staging, b"half").expect("staging file");
        assert_eq!(app.stored_files().len(), 3);

        // Within the grace period nothing is touched: an upload may be about to commit.
        let swept = sweep_orphaned_bytes(&app.db, &app.documents, Duration::from_secs(3600)).await;
        assert_eq!(swept.expect("sweep"), 0);
        assert_eq!(app.stored_files().len(), 3);

        // After it (the sweep a server runs at start-up and hourly), the orphan goes and the
        // document stays whole.
        let swept = sweep_orphaned_bytes(&app.db, &app.documents, Duration::ZERO).await;
        assert_eq!(swept.expect("sweep"), 2);
        assert_eq!(app.stored_files().len(), 1, "{:?}", app.stored_files());
        let download = get(&app, kept["downloadUrl"].as_str().expect("url"), &[]).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.bytes, PDF);
    }
);
