//! The contents of a 256-bit key file, shared by gallery encryption keys and audit HMAC keys:
//! exactly 32 raw bytes, or 64 hexadecimal digits with optional surrounding whitespace.

use zeroize::Zeroizing;

/// The 32 key bytes of a key file's contents, or why they are not a key.
pub(crate) fn parse(raw: &[u8]) -> Result<Zeroizing<[u8; 32]>, String> {
    let mut key = Zeroizing::new([0u8; 32]);
    if raw.len() == 32 {
        key.copy_from_slice(raw);
        return Ok(key);
    }
    let text = raw.trim_ascii();
    if text.len() != 64 {
        return Err(format!(
            "a key file holds 32 raw bytes or 64 hex digits, not {} bytes",
            raw.len()
        ));
    }
    for (k, pair) in key.iter_mut().zip(text.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        match (digit(pair[0]), digit(pair[1])) {
            (Some(h), Some(l)) => *k = (h * 16 + l) as u8,
            _ => return Err("not hexadecimal".into()),
        }
    }
    Ok(key)
}
