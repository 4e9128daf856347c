//! Fuzz target: ANSI/NIST-ITL transaction reading, strict and lenient, must give a
//! transaction or a typed error, never a panic; a transaction that reads writes back into
//! bytes that read again with the same records.
#![no_main]

use biomatch::finger::formats::Mode;
use biomatch::finger::formats::an2k;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for mode in [Mode::Strict, Mode::Lenient] {
        let Ok(decoded) = an2k::read(data, mode) else {
            continue;
        };
        if let Ok(bytes) = an2k::write(&decoded.transaction) {
            let again = an2k::read(&bytes, Mode::Lenient).expect("a written transaction reads");
            assert_eq!(
                again.transaction.records.len(),
                decoded.transaction.records.len()
            );
        }
        // Typed image views must not panic on any record either.
        let _ = decoded.transaction.images();
    }
});
