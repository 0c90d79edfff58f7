//! NDJSON input: one payload per line, read through a fixed-size buffer so that memory stays
//! bounded by the line limit, never by the input.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// Opens FILE, or stdin for `-` or no file.
pub fn open_input(file: Option<&Path>) -> io::Result<Box<dyn BufRead>> {
    match file {
        None => Ok(Box::new(BufReader::with_capacity(1 << 16, io::stdin()))),
        Some(p) if p.as_os_str() == "-" => {
            Ok(Box::new(BufReader::with_capacity(1 << 16, io::stdin())))
        }
        Some(p) => {
            let f = File::open(p)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
            Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
        }
    }
}

/// One non-blank input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line's bytes, line ending stripped.
    Text(&'a [u8]),
    /// A line longer than the limit: it was skipped, not kept. `bytes` is its whole length,
    /// line ending excluded.
    TooLong {
        /// The line's length in bytes.
        bytes: u64,
    },
}

/// Calls `f(line_number, line)` for every non-blank line (1-based numbers, blank lines counted).
///
/// At most `max_line_bytes` of a line are kept (plus one byte for a `\r` before the `\n`); a
/// longer line is read to its end without being kept and given to `f` as [`Line::TooLong`]. The
/// first error, from the input or from `f`, stops the reading and is returned.
pub fn for_each_line(
    mut input: impl BufRead,
    max_line_bytes: usize,
    mut f: impl FnMut(u64, Line<'_>) -> io::Result<()>,
) -> io::Result<()> {
    // Room for the limit and a trailing `\r`; the buffer never grows past it.
    let keep = max_line_bytes.saturating_add(1);
    let mut buf = Vec::with_capacity(keep.min(1 << 16));
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let Some(read) = read_line(&mut input, &mut buf, keep)? else {
            return Ok(());
        };
        line_no += 1;
        let line = match read {
            Read::Kept => strip_ending(&buf),
            Read::Skipped { blank: true, .. } => continue,
            Read::Skipped { bytes, .. } => {
                f(line_no, Line::TooLong { bytes })?;
                continue;
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if line.len() > max_line_bytes {
            f(
                line_no,
                Line::TooLong {
                    bytes: line.len() as u64,
                },
            )?;
        } else {
            f(line_no, Line::Text(line))?;
        }
        // A long line should not pin its memory for the rest of the file.
        if buf.capacity() > 1 << 20 {
            buf = Vec::with_capacity(1 << 16);
        }
    }
}

/// How one line was read.
enum Read {
    /// Whole, into the buffer (without the `\n`).
    Kept,
    /// Past the buffer's room: read to its end and dropped.
    Skipped {
        /// The line's length, `\n` excluded.
        bytes: u64,
        /// Whether every byte was ASCII whitespace.
        blank: bool,
    },
}

/// Reads one line into `buf`, keeping at most `keep` bytes of it; `None` at the end of input.
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, keep: usize) -> io::Result<Option<Read>> {
    let mut seen = 0u64;
    let mut blank = true;
    let mut skipping = false;
    // Whether the last byte read is a `\r`, which belongs to the line ending.
    let mut cr = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(match (seen, skipping) {
                (0, _) => None,
                (bytes, true) => Some(Read::Skipped {
                    bytes: bytes - u64::from(cr),
                    blank,
                }),
                (_, false) => Some(Read::Kept),
            });
        }
        let newline = chunk.iter().position(|&b| b == b'\n');
        let body = &chunk[..newline.unwrap_or(chunk.len())];
        seen += body.len() as u64;
        if let Some(&last) = body.last() {
            cr = last == b'\r';
        }
        if !skipping && buf.len() + body.len() > keep {
            // Over the limit: what was kept only matters for telling a blank line apart.
            skipping = true;
            blank = buf.iter().all(u8::is_ascii_whitespace);
            buf.clear();
        }
        if skipping {
            blank = blank && body.iter().all(u8::is_ascii_whitespace);
        } else {
            buf.extend_from_slice(body);
        }
        let used = newline.map_or(chunk.len(), |n| n + 1);
        input.consume(used);
        if newline.is_some() {
            // A lone `\n` is a line too, a blank one.
            return Ok(Some(if skipping {
                Read::Skipped {
                    bytes: seen - u64::from(cr),
                    blank,
                }
            } else {
                Read::Kept
            }));
        }
    }
}

/// The line without the `\r`s that end it.
fn strip_ending(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = line {
        line = rest;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize, chunk: usize) -> Vec<(u64, Result<String, u64>)> {
        let reader = BufReader::with_capacity(chunk, input);
        let mut got = Vec::new();
        for_each_line(reader, max, |n, line| {
            got.push(match line {
                Line::Text(t) => (n, Ok(String::from_utf8_lossy(t).into_owned())),
                Line::TooLong { bytes } => (n, Err(bytes)),
            });
            Ok(())
        })
        .unwrap();
        got
    }

    #[test]
    fn numbers_lines_and_skips_blank_ones() {
        for chunk in [1, 2, 3, 7, 64] {
            let got = lines(b"\na\r\n  \nbc\n\t\r\nd", 10, chunk);
            let want = [
                (2, Ok("a".into())),
                (4, Ok("bc".into())),
                (6, Ok("d".into())),
            ];
            assert_eq!(got, want, "chunk {chunk}");
        }
    }

    #[test]
    fn a_line_past_the_limit_is_skipped_and_measured() {
        for chunk in [1, 3, 5, 64] {
            let got = lines(b"12345\n123456\r\n1234567\n        \n12345\r\nx", 5, chunk);
            let want = [
                (1, Ok("12345".into())),
                (2, Err(6)),
                (3, Err(7)),
                (5, Ok("12345".into())),
                (6, Ok("x".into())),
            ];
            assert_eq!(got, want, "chunk {chunk}");
        }
    }

    #[test]
    fn the_buffer_never_grows_past_the_limit() {
        let mut input = vec![b'7'; 1 << 20];
        input.extend_from_slice(b"\nok");
        let mut reader = BufReader::with_capacity(4096, &input[..]);
        let mut buf = Vec::new();
        let read = read_line(&mut reader, &mut buf, 100).unwrap();
        assert!(matches!(read, Some(Read::Skipped { bytes, blank: false }) if bytes == 1 << 20));
        assert!(buf.capacity() <= 4096 + 100, "{}", buf.capacity());
        assert!(matches!(
            read_line(&mut reader, &mut buf, 100).unwrap(),
            Some(Read::Kept)
        ));
        assert_eq!(buf, b"ok");
    }
}
