//! Encryption at rest for gallery files: AES-256-GCM under a caller-supplied 256-bit key.
//!
//! The sealed payload is a fresh random 96-bit nonce, the ciphertext and the 128-bit
//! authentication tag; the file header's first 16 bytes (magic, version, flags) are
//! authenticated with it, so a file cannot be relabelled as plain or as another version.
//! Any altered byte, a truncation or the wrong key fails authentication
//! ([`GalleryError::Decryption`]) and nothing is parsed. Keys are zeroised when dropped (as
//! is the cipher's expanded key schedule); the decrypted payload is zeroised once parsed.

use std::path::Path;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::gallery::GalleryError;

/// Bytes of the nonce at the start of a sealed payload.
pub(crate) const NONCE_BYTES: usize = 12;
/// Bytes of the authentication tag at the end of a sealed payload.
pub(crate) const TAG_BYTES: usize = 16;

/// A 256-bit gallery encryption key; zeroised when dropped, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct GalleryKey([u8; 32]);

impl GalleryKey {
    /// A key from 32 bytes.
    pub fn new(bytes: [u8; 32]) -> GalleryKey {
        GalleryKey(bytes)
    }

    /// A key from a slice, which must hold exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<GalleryKey, GalleryError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| {
            GalleryError::InvalidKey(format!("{} bytes, a key has 32", bytes.len()))
        })?;
        Ok(GalleryKey(array))
    }

    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<GalleryKey, GalleryError> {
        let mut k = GalleryKey([0; 32]);
        getrandom::getrandom(&mut k.0)
            .map_err(|e| GalleryError::InvalidKey(format!("no system randomness: {e}")))?;
        Ok(k)
    }

    /// Reads a key file: exactly 32 raw bytes, or 64 hexadecimal digits (surrounding
    /// whitespace ignored). The file's contents are zeroised after reading.
    pub fn from_file(path: &Path) -> Result<GalleryKey, GalleryError> {
        let mut raw = crate::load_limits::read_capped(path, 4096).map_err(|e| match e {
            crate::load_limits::ReadCappedError::Io(source) => GalleryError::Io {
                path: path.display().to_string(),
                source,
            },
            crate::load_limits::ReadCappedError::TooLarge { .. } => {
                GalleryError::InvalidKey("key file larger than 4 KiB".into())
            }
        })?;
        let key = GalleryKey::parse(&raw);
        raw.zeroize();
        key
    }

    /// A key from a key file's contents (32 raw bytes, or 64 hex digits with optional
    /// surrounding whitespace).
    pub fn parse(raw: &[u8]) -> Result<GalleryKey, GalleryError> {
        crate::key_file::parse(raw)
            .map(|k| GalleryKey(*k))
            .map_err(GalleryError::InvalidKey)
    }

    /// The key as 64 lowercase hex digits (for writing a new key file).
    pub fn to_hex(&self) -> zeroize::Zeroizing<String> {
        let mut s = zeroize::Zeroizing::new(String::with_capacity(64));
        for b in self.0 {
            s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
        }
        s
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }
}

impl std::fmt::Debug for GalleryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GalleryKey(..)")
    }
}

/// Seals `buf` in place: its first [`NONCE_BYTES`] bytes are room for the nonce (their
/// content is overwritten), the rest is the payload, encrypted where it lies; the tag is
/// appended. No copy of the payload is made.
pub(crate) fn seal_in_place(
    key: &GalleryKey,
    aad: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(), GalleryError> {
    if buf.len() < NONCE_BYTES {
        return Err(GalleryError::InvalidKey("no room for the nonce".into()));
    }
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::getrandom(&mut nonce)
        .map_err(|e| GalleryError::InvalidKey(format!("no system randomness for a nonce: {e}")))?;
    buf[..NONCE_BYTES].copy_from_slice(&nonce);
    let tag = key
        .cipher()
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), aad, &mut buf[NONCE_BYTES..])
        .map_err(|_| GalleryError::InvalidKey("payload too large to encrypt".into()))?;
    buf.extend_from_slice(&tag);
    Ok(())
}

#[cfg(test)]
fn seal(key: &GalleryKey, aad: &[u8], plain: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; NONCE_BYTES];
    buf.extend_from_slice(plain);
    seal_in_place(key, aad, &mut buf).unwrap();
    buf
}

/// Decrypts a sealed payload; the returned plaintext is zeroised when dropped.
pub(crate) fn open(
    key: &GalleryKey,
    aad: &[u8],
    sealed: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, GalleryError> {
    if sealed.len() < NONCE_BYTES + TAG_BYTES {
        return Err(GalleryError::Decryption);
    }
    let (nonce, rest) = sealed.split_at(NONCE_BYTES);
    let (body, tag) = rest.split_at(rest.len() - TAG_BYTES);
    let mut plain = zeroize::Zeroizing::new(body.to_vec());
    key.cipher()
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            aad,
            &mut plain[..],
            Tag::from_slice(tag),
        )
        .map_err(|_| GalleryError::Decryption)?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_round_trips_and_detects_any_change() {
        let key = GalleryKey::new([7; 32]);
        let sealed = seal(&key, b"head", b"secret payload");
        assert_eq!(sealed.len(), NONCE_BYTES + 14 + TAG_BYTES);
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            &open(&key, b"head", &sealed).unwrap()[..],
            b"secret payload"
        );
        assert!(matches!(
            open(&key, b"HEAD", &sealed),
            Err(GalleryError::Decryption)
        ));
        assert!(matches!(
            open(&GalleryKey::new([8; 32]), b"head", &sealed),
            Err(GalleryError::Decryption)
        ));
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x10;
            assert!(open(&key, b"head", &bad).is_err(), "flip at {i}");
        }
        // Two seals of the same text differ (fresh nonces).
        assert_ne!(seal(&key, b"head", b"x"), seal(&key, b"head", b"x"));
    }

    #[test]
    fn key_files_hold_raw_bytes_or_hex() {
        let k = GalleryKey::parse(&[3u8; 32]).unwrap();
        assert_eq!(&k.to_hex()[..4], "0303");
        let hex = format!("  {}\n", "ab".repeat(32));
        assert_eq!(GalleryKey::parse(hex.as_bytes()).unwrap().0, [0xab; 32]);
        assert!(GalleryKey::parse(b"short").is_err());
        assert!(GalleryKey::parse("zz".repeat(32).as_bytes()).is_err());
        assert!(format!("{k:?}").find("03").is_none());
    }
}
