//! Serving a signed export URL: every matching contact in the list's order, fetched in keyset
//! pages of [`PAGE`] (one page in memory at a time) and written by a blocking thread as the
//! response streams, so memory stays flat however many contacts match.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::columns::{Cell, ContactColumn, PageRelations};
use super::request::ExportRequest;
use super::sheet::{ChunkWriter, Sheet};
use crate::auth::Authenticator;
use crate::contacts::list::{Cursor, PageQuery};
use crate::db::Db;
use crate::db::loader::Reader;
use crate::documents::UrlSigner;
use crate::viewer::Viewer;

/// Contacts per page read from the database.
pub const PAGE: i64 = 1000;

/// The signed subject of an export URL.
pub fn subject(encoded_request: &str) -> String {
    format!("export:{encoded_request}")
}

/// The response to `GET /exports/contacts?request=…&expires=…&signature=…`; anything tampered
/// with, expired, or whose user is no longer active is 404.
pub async fn respond(db: &Db, auth: &Authenticator, signer: &UrlSigner, query: &str) -> Response {
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
    };
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            "no such export (or its link has expired)",
        )
            .into_response()
    };
    let (Some(encoded), Some(expires), Some(signature)) =
        (param("request"), param("expires"), param("signature"))
    else {
        return not_found();
    };
    let now = chrono::Utc::now().timestamp();
    let signed = expires
        .parse::<i64>()
        .is_ok_and(|expires| signer.verify_subject(&subject(encoded), expires, signature, now));
    if !signed {
        return not_found();
    }
    let Some(request) = ExportRequest::decode(encoded) else {
        return not_found();
    };
    let Some(Ok(first_page)) = request.pages(PAGE) else {
        return not_found();
    };
    let viewer = match auth.viewer_of_user(db, request.user()).await {
        Ok(viewer) => viewer,
        Err(error) => {
            tracing::info!(?error, "export link refused");
            return not_found();
        }
    };

    let (bytes_tx, bytes_rx) = mpsc::channel(8);
    let (rows_tx, rows_rx) = mpsc::channel(2);
    let columns = request.columns.clone();
    tokio::spawn(read_pages(
        db.clone(),
        viewer,
        first_page,
        columns.clone(),
        rows_tx,
    ));
    let format = request.format;
    let bom = request.bom;
    let errors = bytes_tx.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(error) = write_sheet(format, bom, &columns, rows_rx, ChunkWriter::new(bytes_tx))
        {
            tracing::warn!(%error, "export stopped");
            let _ = errors.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    });

    let file_name = format!(
        "contacts-{}.{}",
        chrono::Utc::now().format("%Y-%m-%d"),
        format.extension()
    );
    let mut response = Body::from_stream(ReceiverStream::new(bytes_rx)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// One page of rows, or why reading stopped.
type Rows = Result<Vec<Vec<Cell>>, String>;

/// Walks the list page by page, turning each page into rows.
async fn read_pages(
    db: Db,
    viewer: Viewer,
    mut page: PageQuery,
    columns: Vec<ContactColumn>,
    rows: mpsc::Sender<Rows>,
) {
    let reader = Reader {
        db: db.clone(),
        viewer,
    };
    loop {
        let contacts = match db.conn().await {
            Ok(mut conn) => crate::contacts::list_contacts(&mut conn, &reader.viewer, &page).await,
            Err(error) => Err(error),
        };
        let mut contacts = match contacts {
            Ok(contacts) => contacts,
            Err(error) => {
                let _ = rows.send(Err(format!("{error:?}"))).await;
                return;
            }
        };
        let more = contacts.len() as i64 > page.limit;
        contacts.truncate(usize::try_from(page.limit).unwrap_or(0));
        let relations = match PageRelations::load(&reader, &contacts, &columns).await {
            Ok(relations) => relations,
            Err(error) => {
                let _ = rows.send(Err(error.message)).await;
                return;
            }
        };
        let cells = contacts
            .iter()
            .map(|contact| {
                let mut cells = Vec::new();
                relations.cells(contact, &columns, &mut cells);
                cells
            })
            .collect();
        if rows.send(Ok(cells)).await.is_err() {
            return; // the client went away
        }
        match contacts.last() {
            Some(last) if more => page.cursor = Some(Cursor::of(last, page.order.field)),
            _ => return,
        }
    }
}

fn write_sheet(
    format: super::ExportFormat,
    bom: bool,
    columns: &[ContactColumn],
    mut rows: mpsc::Receiver<Rows>,
    out: ChunkWriter,
) -> Result<(), super::sheet::SheetError> {
    let mut sheet = Sheet::new(format, bom, out)?;
    let headers: Vec<&str> = columns
        .iter()
        .flat_map(|c| c.headers().iter().copied())
        .collect();
    sheet.header(&headers)?;
    while let Some(page) = rows.blocking_recv() {
        let page = page.map_err(std::io::Error::other)?;
        for row in &page {
            sheet.row(row)?;
        }
    }
    sheet.finish()
}
