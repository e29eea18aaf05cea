//! Contact documents sent as real GraphQL multipart requests.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};

use super::{TestApp, TestResponse};

pub const UPLOAD: &str = "mutation($contact: ID!, $file: Upload!) {
    uploadContactDocument(contactId: $contact, file: $file) {
        id fileName contentType sizeBytes sha256 downloadUrl previewUrl uploadedAt } }";

const BOUNDARY: &str = "rapport-test-boundary";

/// A PDF header is all `infer` needs to recognise one.
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// A GraphQL multipart request (operations, map, files) carrying `files`.
pub fn multipart(query: &str, variables: Value, files: &[(&str, &str, &[u8])]) -> Request<Body> {
    let mut body = Vec::new();
    let mut part = |headers: String, content: &[u8]| {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    let operations = json!({ "query": query, "variables": variables }).to_string();
    part(
        "Content-Disposition: form-data; name=\"operations\"".into(),
        operations.as_bytes(),
    );
    let map: serde_json::Map<String, Value> = files
        .iter()
        .enumerate()
        .map(|(i, (path, _, _))| (i.to_string(), json!([path])))
        .collect();
    part(
        "Content-Disposition: form-data; name=\"map\"".into(),
        Value::Object(map).to_string().as_bytes(),
    );
    for (i, (_, name, content)) in files.iter().enumerate() {
        part(
            format!(
                "Content-Disposition: form-data; name=\"{i}\"; filename=\"{name}\"\r\n\
                 Content-Type: text/html"
            ),
            content,
        );
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::post("/graphql")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("apollo-require-preflight", "true")
        .body(Body::from(body))
        .expect("request")
}

impl TestApp {
    /// Uploads `content` as a document of `contact` and returns the answer as it is.
    pub async fn upload(&self, contact: &str, name: &str, content: &[u8]) -> TestResponse {
        self.send(multipart(
            UPLOAD,
            json!({ "contact": contact, "file": null }),
            &[("variables.file", name, content)],
        ))
        .await
    }

    /// [`TestApp::uploaded`] with `Authorization: Bearer <token>`.
    pub async fn uploaded_with(
        &self,
        token: &str,
        contact: &str,
        name: &str,
        content: &[u8],
    ) -> Value {
        let mut request = multipart(
            UPLOAD,
            json!({ "contact": contact, "file": null }),
            &[("variables.file", name, content)],
        );
        let bearer = format!("Bearer {token}").parse().expect("header value");
        request.headers_mut().insert(header::AUTHORIZATION, bearer);
        let body = self.send(request).await.json();
        assert!(body["errors"].is_null(), "upload failed: {body}");
        body["data"]["uploadContactDocument"].clone()
    }

    /// Uploads a document, failing on any error, and returns it with the [`UPLOAD`] fields.
    pub async fn uploaded(&self, contact: &str, name: &str, content: &[u8]) -> Value {
        let body = self.upload(contact, name, content).await.json();
        assert!(body["errors"].is_null(), "upload failed: {body}");
        body["data"]["uploadContactDocument"].clone()
    }
}
