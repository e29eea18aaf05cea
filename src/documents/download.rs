//! `GET /documents/{id}`: a document's bytes, streamed from the store (never held in memory),
//! with an ETag, single byte ranges, and headers that keep a browser from running anything.

use std::ops::Range;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_range_header::RangeUnsatisfiableError;

use super::model::Document;
use super::{DocumentStorage, rules};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::ids::{self, DocumentId, TypedId};
use crate::viewer::Viewer;

/// Sandboxed, nothing loads: a previewed PDF or image cannot script or reach anything.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

/// What part of the document to send.
#[derive(Debug, PartialEq, Eq)]
enum Part {
    Whole,
    Bytes(Range<u64>),
    Unsatisfiable,
}

/// What the request asked for beyond the document: its cache and range headers.
#[derive(Debug, Default, Clone, Copy)]
pub struct Asked<'a> {
    /// `?inline=1`: show it in the browser if the type allows.
    pub inline: bool,
    pub if_none_match: Option<&'a str>,
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
}

/// The response to a download of `id` by `viewer`; a document the viewer cannot see, or an id
/// that is not a document's, is NOT_FOUND.
pub async fn respond(
    db: &Db,
    storage: &DocumentStorage,
    viewer: &Viewer,
    id: &str,
    asked: Asked<'_>,
) -> AppResult<Response> {
    let not_found = || AppError::not_found(DocumentId::TYPE_NAME, id);
    let id: DocumentId = ids::parse(&async_graphql::ID::from(id)).map_err(|_| not_found())?;
    let document = {
        // The connection goes back to the pool before the bytes start flowing.
        let mut conn = db.conn().await?;
        super::find_document(&mut conn, viewer, id).await?
    }
    .ok_or_else(not_found)?;

    let size = u64::try_from(document.size_bytes).map_err(AppError::internal)?;
    let etag = format!("\"{}\"", document.sha256);
    let mut response_headers = common_headers(&document, &etag, asked.inline)?;
    if asked
        .if_none_match
        .is_some_and(|tags| matches_etag(tags, &etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }
    let part = match asked.range {
        // A Range for another version of the file is ignored (RFC 9110 §13.1.5).
        Some(_) if asked.if_range.is_some_and(|tag| tag != etag) => Part::Whole,
        Some(range) => requested_part(range, size),
        None => Part::Whole,
    };
    let (status, range) = match part {
        Part::Whole => (StatusCode::OK, 0..size),
        Part::Bytes(range) => {
            response_headers.insert(
                header::CONTENT_RANGE,
                value(&format!("bytes {}-{}/{size}", range.start, range.end - 1))?,
            );
            (StatusCode::PARTIAL_CONTENT, range)
        }
        Part::Unsatisfiable => {
            response_headers.insert(header::CONTENT_RANGE, value(&format!("bytes */{size}"))?);
            return Ok((StatusCode::RANGE_NOT_SATISFIABLE, response_headers).into_response());
        }
    };
    response_headers.insert(
        header::CONTENT_LENGTH,
        value(&(range.end - range.start).to_string())?,
    );
    let whole = range == (0..size);
    let bytes = storage
        .read(&document.storage_key, (!whole).then_some(range))
        .await
        .map_err(AppError::internal)?;
    Ok((status, response_headers, Body::from_stream(bytes)).into_response())
}

fn common_headers(document: &Document, etag: &str, inline: bool) -> AppResult<HeaderMap> {
    let inline = inline && rules::previewable(&document.content_type);
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, value(&document.content_type)?);
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(&rules::content_disposition(&document.file_name, inline))?,
    );
    headers.insert(header::ETAG, value(etag)?);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    Ok(headers)
}

/// One satisfiable range is served; several ranges or a malformed header get the whole file
/// (a server may ignore Range); a range past the end is 416.
fn requested_part(range: &str, size: u64) -> Part {
    let validated = http_range_header::parse_range_header(range).and_then(|r| r.validate(size));
    match validated {
        Ok(ranges) => match ranges.as_slice() {
            [one] => Part::Bytes(*one.start()..*one.end() + 1),
            _ => Part::Whole,
        },
        Err(RangeUnsatisfiableError::Unsatisfiable) => Part::Unsatisfiable,
        Err(_) => Part::Whole,
    }
}

fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// Every value here is built from ASCII (names are percent-encoded), so this cannot fail; an
/// error would be a bug, reported as an internal error rather than a panic.
fn value(text: &str) -> AppResult<HeaderValue> {
    HeaderValue::from_str(text).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_are_served_and_others_are_not() {
        assert_eq!(requested_part("bytes=0-9", 100), Part::Bytes(0..10));
        assert_eq!(requested_part("bytes=90-", 100), Part::Bytes(90..100));
        assert_eq!(requested_part("bytes=-5", 100), Part::Bytes(95..100));
        assert_eq!(requested_part("bytes=0-1,5-6", 100), Part::Whole);
        assert_eq!(requested_part("pages=1", 100), Part::Whole);
        assert_eq!(requested_part("bytes=200-300", 100), Part::Unsatisfiable);
    }

    #[test]
    fn etags_match_in_lists_and_weakly() {
        assert!(matches_etag("\"a\", \"b\"", "\"b\""));
        assert!(matches_etag("W/\"b\"", "\"b\""));
        assert!(matches_etag("*", "\"b\""));
        assert!(!matches_etag("\"c\"", "\"b\""));
    }
}
