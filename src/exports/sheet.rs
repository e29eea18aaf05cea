//! Writing rows as CSV (the `csv` crate: RFC 4180, UTF-8, optional BOM for Excel) or XLSX
//! (`rust_xlsxwriter` in constant-memory mode: rows go to a temporary file, never all in
//! memory), into a [`ChunkWriter`] that hands the bytes to the HTTP response as they come.

use async_graphql::Enum;
use bytes::Bytes;
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::columns::Cell;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum, Serialize, Deserialize)]
pub enum ExportFormat {
    #[default]
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// Bytes of the response body, in chunks of about 64 KiB. Writing fails once the client has
/// gone, which stops the export.
pub struct ChunkWriter {
    buffer: Vec<u8>,
    sender: mpsc::Sender<std::io::Result<Bytes>>,
}

const CHUNK: usize = 64 * 1024;

impl ChunkWriter {
    pub fn new(sender: mpsc::Sender<std::io::Result<Bytes>>) -> Self {
        Self {
            buffer: Vec::with_capacity(CHUNK),
            sender,
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing XLSX: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("sending the export: {0}")]
    Io(#[from] std::io::Error),
}

/// A sheet being written: a header row, then rows. Runs on a blocking thread.
pub enum Sheet {
    Csv(Box<csv::Writer<ChunkWriter>>),
    Xlsx {
        workbook: Box<Workbook>,
        next_row: u32,
        out: ChunkWriter,
    },
}

impl Sheet {
    pub fn new(format: ExportFormat, bom: bool, mut out: ChunkWriter) -> Result<Self, SheetError> {
        Ok(match format {
            ExportFormat::Csv => {
                if bom {
                    std::io::Write::write_all(&mut out, "\u{feff}".as_bytes())?;
                }
                Self::Csv(Box::new(csv::Writer::from_writer(out)))
            }
            ExportFormat::Xlsx => {
                let mut workbook = Box::new(Workbook::new());
                workbook
                    .add_worksheet_with_constant_memory()?
                    .set_name("Contacts")?;
                Self::Xlsx {
                    workbook,
                    next_row: 0,
                    out,
                }
            }
        })
    }

    pub fn header(&mut self, names: &[&str]) -> Result<(), SheetError> {
        let cells: Vec<Cell> = names.iter().map(|n| Cell::Text((*n).to_owned())).collect();
        self.row(&cells)
    }

    pub fn row(&mut self, cells: &[Cell]) -> Result<(), SheetError> {
        match self {
            Self::Csv(writer) => {
                let mut number = String::new();
                for cell in cells {
                    match cell {
                        Cell::Text(text) => writer.write_field(text)?,
                        Cell::Number(n) => {
                            number.clear();
                            number.push_str(&n.to_string());
                            writer.write_field(&number)?
                        }
                        Cell::Empty => writer.write_field("")?,
                    }
                }
                writer.write_record(None::<&[u8]>)?;
            }
            Self::Xlsx {
                workbook, next_row, ..
            } => {
                let sheet = workbook.worksheet_from_index(0)?;
                for (column, cell) in cells.iter().enumerate() {
                    let column = u16::try_from(column).unwrap_or(u16::MAX);
                    match cell {
                        Cell::Text(text) => {
                            sheet.write_string(*next_row, column, text)?;
                        }
                        Cell::Number(n) => {
                            sheet.write_number(*next_row, column, *n)?;
                        }
                        Cell::Empty => {}
                    }
                }
                *next_row += 1;
            }
        }
        Ok(())
    }

    /// Ends the file and sends what is left of it.
    pub fn finish(self) -> Result<(), SheetError> {
        let mut out = match self {
            Self::Csv(writer) => writer.into_inner().map_err(|e| e.into_error())?,
            Self::Xlsx {
                mut workbook,
                mut out,
                ..
            } => {
                workbook.save_to_writer(&mut out)?;
                out
            }
        };
        std::io::Write::flush(&mut out)?;
        Ok(())
    }
}
