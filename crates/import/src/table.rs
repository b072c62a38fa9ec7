//! Reading a CSV file as a header and rows: columns found by any of their usual names,
//! fields decoded as UTF-8 (or, for files saved by older spreadsheet software, Latin-1),
//! line numbers kept for the report, and a SHA-256 of the bytes read.

use std::io::Read;

use sha2::{Digest, Sha256};

use crate::ImportError;

/// A reader that hashes what passes through it.
pub(crate) struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or(buf));
        Ok(n)
    }
}

/// One column the import needs: how the report names it, and the header names accepted for
/// it (compared after [`normalise`]). A name ending in `*` matches any header starting so.
pub(crate) struct Column {
    pub label: &'static str,
    pub names: &'static [&'static str],
}

/// A CSV file being read.
pub(crate) struct Table<R: Read> {
    reader: csv::Reader<Hashing<R>>,
    headers: Vec<String>,
    record: csv::ByteRecord,
}

/// One data row.
pub(crate) struct Row {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    pub fields: Vec<String>,
}

impl Row {
    /// The trimmed field in column `index` (`""` if the row is short).
    pub fn get(&self, index: usize) -> &str {
        self.fields.get(index).map_or("", |f| f.trim())
    }

    /// Whether every field is blank.
    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// A header name made comparable: lower case, `_` and `-` as spaces, spaces collapsed.
pub(crate) fn normalise(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A field as text: UTF-8 if it is, else Latin-1 (each byte one character).
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

impl<R: Read> Table<R> {
    /// Start reading `reader` and read its header.
    pub fn open(reader: R) -> Result<Self, ImportError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(Hashing {
                inner: reader,
                hasher: Sha256::new(),
            });
        let mut record = csv::ByteRecord::new();
        if !reader
            .read_byte_record(&mut record)
            .map_err(ImportError::Read)?
        {
            return Err(ImportError::Empty);
        }
        let mut headers: Vec<String> = record.iter().map(|h| decode(h).trim().to_owned()).collect();
        if let Some(first) = headers.first_mut() {
            *first = first.trim_start_matches('\u{feff}').trim().to_owned();
        }
        if headers.iter().all(String::is_empty) {
            return Err(ImportError::Empty);
        }
        Ok(Self {
            reader,
            headers,
            record,
        })
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The index of the first column named like `column`.
    pub fn find(&self, column: &Column) -> Option<usize> {
        let normalised: Vec<String> = self.headers.iter().map(|h| normalise(h)).collect();
        column.names.iter().find_map(|name| {
            normalised
                .iter()
                .position(|h| match name.strip_suffix('*') {
                    Some(prefix) => h.starts_with(prefix),
                    None => h == name,
                })
        })
    }

    /// The indexes of `columns`, or [`ImportError::MissingColumns`] naming every one missing.
    pub fn require<const N: usize>(
        &self,
        file: &'static str,
        columns: [&Column; N],
    ) -> Result<[usize; N], ImportError> {
        let mut found = [0; N];
        let mut missing = Vec::new();
        for (slot, c) in found.iter_mut().zip(columns) {
            match self.find(c) {
                Some(i) => *slot = i,
                None => missing.push(describe(c)),
            }
        }
        if missing.is_empty() {
            Ok(found)
        } else {
            Err(self.missing(file, missing))
        }
    }

    /// A [`ImportError::MissingColumns`] for this header.
    pub fn missing(&self, file: &'static str, missing: Vec<String>) -> ImportError {
        ImportError::MissingColumns {
            file,
            missing,
            found: self.headers.clone(),
        }
    }

    /// The next data row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Row>, ImportError> {
        if !self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(ImportError::Read)?
        {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, csv::Position::line);
        Ok(Some(Row {
            line,
            fields: self.record.iter().map(decode).collect(),
        }))
    }

    /// The SHA-256 (hex) of every byte read so far (of the whole file, once `next_row` has
    /// returned `None`).
    pub fn sha256(&self) -> String {
        let digest = self.reader.get_ref().hasher.clone().finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// `"Label" (or "a", "b")` for a missing-column message.
fn describe(c: &Column) -> String {
    let names: Vec<String> = c.names.iter().map(|n| format!("{n:?}")).collect();
    format!("{:?} (any of {})", c.label, names.join(", "))
}

/// A row whose field count differs from the header's, as a rejection reason.
pub(crate) fn width_problem(row: &Row, header_width: usize) -> Option<String> {
    (row.fields.len() != header_width).then(|| {
        format!(
            "the row has {} fields but the header has {header_width}",
            row.fields.len()
        )
    })
}
