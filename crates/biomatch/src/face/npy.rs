//! Reading NumPy `.npy` files holding a 2-D little-endian float32 C-order array (the usual
//! form of an embeddings dump), through the `npyz` crate, with the size checks an untrusted
//! file needs done first.

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
///
/// The header dictionary and the data are read by the `npyz` crate; this function first
/// checks what must hold before anything is allocated from the file's numbers (the header
/// length within the bytes present, the data length the shape implies equal to the bytes
/// left), so a crafted header can neither make it allocate gigabytes nor read past the end.
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
    let data_start = start.saturating_add(header_len);
    if data_start > bytes.len() {
        return Err(short("dictionary"));
    }
    // npyz multiplies the shape's entries without checking for overflow (a panic in debug
    // builds, a wrapped length in release), so a shape whose size does not fit is refused
    // here first.
    check_shape_size(&bytes[start..data_start], bytes.len() - data_start)?;
    let file =
        npyz::NpyFile::new(&bytes[..data_start]).map_err(|e| NpyError::BadHeader(e.to_string()))?;
    let descr = match file.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => other.descr(),
    };
    if descr != "<f4" {
        return Err(NpyError::UnsupportedDtype(descr));
    }
    if file.order() == npyz::Order::Fortran && file.shape().len() > 1 {
        return Err(NpyError::FortranOrder);
    }
    let shape: Vec<usize> = file.shape().iter().map(|&d| d as usize).collect();
    let [rows, cols] = shape[..] else {
        return Err(NpyError::BadShape(shape));
    };
    let data = &bytes[data_start..];
    let expected = file
        .shape()
        .iter()
        .try_fold(4u64, |n, &d| n.checked_mul(d))
        .unwrap_or(u64::MAX);
    if expected != data.len() as u64 {
        return Err(NpyError::WrongDataLength {
            expected,
            got: data.len() as u64,
        });
    }
    // The header alone was given to `npyz` (its reader owns no data): read the values from
    // the same header plus the checked data.
    let values = npyz::NpyFile::with_header(file.header().clone(), data)
        .into_vec::<f32>()
        .map_err(|e| NpyError::BadHeader(e.to_string()))?;
    Ok(Matrix {
        rows,
        cols,
        data: values,
    })
}

/// Refuses a header whose `'shape'` tuple has an entry that is not a number that fits in 64
/// bits, or whose size in bytes (as float32) overflows 64 bits (the data length itself is
/// checked after the dtype).
fn check_shape_size(header: &[u8], data: usize) -> Result<(), NpyError> {
    let text = String::from_utf8_lossy(header);
    let Some(at) = text.find("'shape'").or_else(|| text.find("\"shape\"")) else {
        return Err(NpyError::BadHeader("no \"shape\" entry".into()));
    };
    let rest = &text[at..];
    let (Some(open), Some(close)) = (rest.find('('), rest.find(')')) else {
        return Err(NpyError::BadHeader("shape is not a tuple".into()));
    };
    if close < open {
        return Err(NpyError::BadHeader("shape is not a tuple".into()));
    }
    let mut size = Some(4u64);
    for entry in rest[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let dim: u64 = entry
            .parse()
            .map_err(|_| NpyError::BadHeader(format!("shape entry {entry:?}")))?;
        size = size.and_then(|n| n.checked_mul(dim));
    }
    match size {
        Some(_) => Ok(()),
        None => Err(NpyError::WrongDataLength {
            expected: u64::MAX,
            got: data as u64,
        }),
    }
}

fn short(what: &str) -> NpyError {
    NpyError::BadHeader(format!("file ends inside the header {what}"))
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
        // Big-endian floats are another dtype.
        assert_eq!(
            parse_f32_matrix(&npy(&ok_header.replace("<f4", ">f4"), &floats(&[0.0; 6]))),
            Err(NpyError::UnsupportedDtype(">f4".into()))
        );
        // A version-2 header claiming 4 GB in a 20-byte file: refused before any allocation.
        let mut huge_header = b"\x93NUMPY\x02\x00".to_vec();
        huge_header.extend_from_slice(&u32::MAX.to_le_bytes());
        huge_header.extend_from_slice(b"{'descr'");
        assert!(matches!(
            parse_f32_matrix(&huge_header),
            Err(NpyError::BadHeader(_))
        ));
    }

    #[test]
    fn reads_version_2_headers() {
        let ok = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
            &floats(&[1.5, -2.0]),
        );
        // The same header as version 2.0 (4-byte length).
        let header_len = u16::from_le_bytes([ok[8], ok[9]]) as u32;
        let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
        v2.extend_from_slice(&header_len.to_le_bytes());
        v2.extend_from_slice(&ok[10..]);
        let m = parse_f32_matrix(&v2).unwrap();
        assert_eq!((m.rows, m.cols, m.data.clone()), (1, 2, vec![1.5, -2.0]));
    }
}
