//! A small reader for NumPy `.npy` files holding a 2-D little-endian float32 C-order array
//! (the usual form of an embeddings dump).

use thiserror::Error;

/// Why a `.npy` file could not be read.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum NpyError {
    /// The file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The magic string `\x93NUMPY` is missing.
    #[error("not a .npy file (bad magic string)")]
    BadMagic,
    /// A format version other than 1.0, 2.0 or 3.0.
    #[error("unsupported .npy version {0}.{1}")]
    UnsupportedVersion(u8, u8),
    /// The header is cut short or not a readable dictionary.
    #[error("malformed .npy header: {0}")]
    BadHeader(String),
    /// The array is not little-endian float32.
    #[error("unsupported dtype {0:?}: only little-endian float32 ('<f4') is read")]
    UnsupportedDtype(String),
    /// Fortran (column-major) order.
    #[error("Fortran-ordered arrays are not supported")]
    FortranOrder,
    /// Not a 2-D array.
    #[error("expected a 2-D array, found shape {0:?}")]
    BadShape(Vec<usize>),
    /// The data is shorter or longer than the shape says.
    #[error("data holds {got} bytes, shape needs {expected}")]
    WrongDataLength {
        /// Bytes needed by the shape.
        expected: u64,
        /// Bytes present.
        got: u64,
    },
}

/// A row-major `rows x cols` matrix of f32.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows * cols` values, row-major.
    pub data: Vec<f32>,
}

impl Matrix {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
}

/// Reads a 2-D float32 `.npy` file.
pub fn read_f32_matrix(path: impl AsRef<std::path::Path>) -> Result<Matrix, NpyError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| NpyError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    parse_f32_matrix(&bytes)
}

/// Parses the bytes of a 2-D float32 `.npy` file.
pub fn parse_f32_matrix(bytes: &[u8]) -> Result<Matrix, NpyError> {
    if bytes.len() < 8 || &bytes[..6] != b"\x93NUMPY" {
        return Err(NpyError::BadMagic);
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (header_len, start) = match major {
        1 => {
            let b = bytes.get(8..10).ok_or_else(|| short("length"))?;
            (u16::from_le_bytes([b[0], b[1]]) as usize, 10usize)
        }
        2 | 3 => {
            let b = bytes.get(8..12).ok_or_else(|| short("length"))?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        _ => return Err(NpyError::UnsupportedVersion(major, minor)),
    };
    let header = bytes
        .get(start..start.saturating_add(header_len))
        .ok_or_else(|| short("dictionary"))?;
    let header = std::str::from_utf8(header)
        .map_err(|_| NpyError::BadHeader("header is not text".into()))?;
    let descr = dict_value(header, "descr")?;
    let descr = descr.trim().trim_matches(|c| c == '\'' || c == '"');
    if descr != "<f4" {
        return Err(NpyError::UnsupportedDtype(descr.to_string()));
    }
    match dict_value(header, "fortran_order")?.trim() {
        "False" => {}
        "True" => return Err(NpyError::FortranOrder),
        other => return Err(NpyError::BadHeader(format!("fortran_order = {other}"))),
    }
    let shape = parse_shape(dict_value(header, "shape")?)?;
    let [rows, cols] = shape[..] else {
        return Err(NpyError::BadShape(shape));
    };
    let data = &bytes[start + header_len..];
    let expected = (rows as u64)
        .checked_mul(cols as u64)
        .and_then(|n| n.checked_mul(4))
        .unwrap_or(u64::MAX);
    if expected != data.len() as u64 {
        return Err(NpyError::WrongDataLength {
            expected,
            got: data.len() as u64,
        });
    }
    Ok(Matrix {
        rows,
        cols,
        data: data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    })
}

fn short(what: &str) -> NpyError {
    NpyError::BadHeader(format!("file ends inside the header {what}"))
}

/// The text of `'key': VALUE` up to the next top-level comma or closing brace.
fn dict_value<'h>(header: &'h str, key: &str) -> Result<&'h str, NpyError> {
    let missing = || NpyError::BadHeader(format!("no {key:?} entry"));
    let at = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))
        .ok_or_else(missing)?;
    let rest = &header[at + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':').ok_or_else(missing)?;
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Ok(&rest[..i]),
            _ => {}
        }
    }
    Err(NpyError::BadHeader(format!("unterminated {key:?} entry")))
}

fn parse_shape(text: &str) -> Result<Vec<usize>, NpyError> {
    let inner = text
        .trim()
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| NpyError::BadHeader(format!("shape {text:?} is not a tuple")))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| NpyError::BadHeader(format!("shape entry {s:?}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut h = header.to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn floats(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn reads_a_small_matrix() {
        let b = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            &floats(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        );
        let m = parse_f32_matrix(&b).unwrap();
        assert_eq!((m.rows, m.cols), (2, 3));
        assert_eq!(m.row(1), &[4.0, 5.0, 6.0]);
    }

    #[test]
    fn rejects_bad_inputs_with_typed_errors() {
        let ok_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        assert_eq!(parse_f32_matrix(b"hello"), Err(NpyError::BadMagic));
        let mut v9 = npy(ok_header, &floats(&[0.0; 6]));
        v9[6] = 9;
        assert_eq!(
            parse_f32_matrix(&v9),
            Err(NpyError::UnsupportedVersion(9, 0))
        );
        assert_eq!(
            parse_f32_matrix(&npy(&ok_header.replace("<f4", "<f8"), &[0; 48])),
            Err(NpyError::UnsupportedDtype("<f8".into()))
        );
        assert_eq!(
            parse_f32_matrix(&npy(
                &ok_header.replace("False", "True"),
                &floats(&[0.0; 6])
            )),
            Err(NpyError::FortranOrder)
        );
        assert_eq!(
            parse_f32_matrix(&npy(
                &ok_header.replace("(2, 3)", "(6,)"),
                &floats(&[0.0; 6])
            )),
            Err(NpyError::BadShape(vec![6]))
        );
        assert_eq!(
            parse_f32_matrix(&npy(ok_header, &floats(&[0.0; 5]))),
            Err(NpyError::WrongDataLength {
                expected: 24,
                got: 20
            })
        );
        let huge = ok_header.replace("(2, 3)", "(99999999999, 99999999999)");
        assert!(matches!(
            parse_f32_matrix(&npy(&huge, &[])),
            Err(NpyError::WrongDataLength { .. })
        ));
        let full = npy(ok_header, &floats(&[0.0; 6]));
        assert!(matches!(
            parse_f32_matrix(&full[..30]),
            Err(NpyError::BadHeader(_))
        ));
        assert!(matches!(
            parse_f32_matrix(&npy("{'descr': '<f4'}", &[])),
            Err(NpyError::BadHeader(_))
        ));
    }
}
