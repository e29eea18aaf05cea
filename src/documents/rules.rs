//! Pure decisions about documents: the name shown, the type believed, what may be previewed,
//! and how a download names itself.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Longest displayed file name, in characters.
pub const MAX_FILE_NAME: usize = 200;

/// Types a browser may show inline: PDF and raster images. Anything else (HTML, SVG, scripts,
/// unknown bytes) is always a download.
const PREVIEWABLE: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
];

/// The name to display and offer on download: the last path segment of what the client sent,
/// without control characters, trimmed, at most [`MAX_FILE_NAME`] characters with the extension
/// kept. Never empty.
pub fn sanitize_file_name(sent: Option<&str>) -> String {
    let sent = sent.unwrap_or_default();
    let last = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let name = if cleaned.is_empty() {
        "document"
    } else {
        cleaned
    };
    shorten(name)
}

/// Cuts a long name in the stem, so `report.pdf` stays a `.pdf`.
fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_FILE_NAME {
        return name.to_owned();
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => (stem, Some(ext)),
        _ => (name, None),
    };
    let room = MAX_FILE_NAME - extension.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    match extension {
        Some(extension) => format!("{}.{extension}", stem.trim_end()),
        None => stem.trim_end().to_owned(),
    }
}

/// The media type of a file from its first bytes; never from what the client declared. Text
/// that is valid UTF-8 is `text/plain`; unrecognised bytes are `application/octet-stream`.
pub fn content_type_of(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        // The sniffed prefix may end inside a multi-byte character.
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    match text {
        Some(text) if !text.contains('\0') => "text/plain; charset=utf-8".to_owned(),
        _ => "application/octet-stream".to_owned(),
    }
}

pub fn previewable(content_type: &str) -> bool {
    PREVIEWABLE.contains(&content_type)
}

/// Characters of `filename*` that must be percent-encoded (RFC 8187 `attr-char` is kept).
const NOT_ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition` per RFC 6266: an ASCII `filename` fallback (non-ASCII, quotes and
/// backslashes replaced) and the exact name in `filename*`.
pub fn content_disposition(file_name: &str, inline: bool) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}; filename=\"{fallback}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(file_name, NOT_ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(sanitize_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(sanitize_file_name(Some("C:\\Users\\ada\\cv.pdf")), "cv.pdf");
        assert_eq!(sanitize_file_name(Some("a\r\nb\u{0}.txt")), "ab.txt");
        assert_eq!(
            sanitize_file_name(Some("evil\u{202e}fdp.exe")),
            "evilfdp.exe"
        );
        assert_eq!(sanitize_file_name(Some("  ..hidden ")), "hidden");
        assert_eq!(sanitize_file_name(Some("/")), "document");
        assert_eq!(sanitize_file_name(None), "document");
        assert_eq!(
            sanitize_file_name(Some("Überweisung Zürich.pdf")),
            "Überweisung Zürich.pdf"
        );
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let short = sanitize_file_name(Some(&long));
        assert_eq!(short.chars().count(), MAX_FILE_NAME);
        assert!(short.ends_with(".pdf"));
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(content_type_of(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            content_type_of(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            "image/png"
        );
        assert_eq!(
            content_type_of("plain text ✓".as_bytes()),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            content_type_of(&"✓".as_bytes()[..2]),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            content_type_of(b"\0\x01\x02\xff"),
            "application/octet-stream"
        );
    }

    #[test]
    fn only_pdf_and_raster_images_preview() {
        assert!(previewable("application/pdf"));
        assert!(previewable("image/webp"));
        assert!(!previewable("text/html"));
        assert!(!previewable("image/svg+xml"));
        assert!(!previewable("text/plain; charset=utf-8"));
    }

    #[test]
    fn dispositions_carry_an_ascii_fallback_and_the_exact_name() {
        assert_eq!(
            content_disposition("Zürich \"Q1\".pdf", false),
            "attachment; filename=\"Z_rich _Q1_.pdf\"; filename*=UTF-8''Z%C3%BCrich%20%22Q1%22.pdf"
        );
        assert!(content_disposition("a.png", true).starts_with("inline; "));
    }
}
