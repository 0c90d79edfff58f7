//! Small readers of JSON text that the writer and the traits both use.

/// The index just past the JSON string that starts (with its quote) at `start`, stepping over
/// its escapes; `None` when it is not closed.
pub(crate) fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}
