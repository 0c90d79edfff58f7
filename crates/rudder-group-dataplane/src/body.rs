//! Reading a request body in the gateway's steps: the gzip header first (before the write-key
//! check, as the gateway's gzip reader does when it is created), the rest only for a request
//! that passed the write-key check, and a drain that reads and drops what nobody needs.
//!
//! Where the size check happens: the body is read (and gunzipped, when `Content-Encoding` is
//! exactly `gzip`) as it streams in, keeping at most [`MAX_REQUEST_BYTES`] + 1 decompressed
//! bytes. Once a body is known to be larger, reading stops and the request is answered `413`;
//! the rest is drained without being kept (so that the client, still writing, reads the answer
//! instead of a reset). The real gateway buffers the whole body and checks the size after the
//! per-event checks; a body over the limit cannot be parsed without buffering it, so here the
//! only difference is that an oversized body that would also fail the JSON or per-event checks
//! is answered 413 instead of 400. Corrupt gzip beyond the limit is likewise not seen.

use http_body_util::BodyExt as _;
use hyper::body::{Body, Buf as _, Bytes};
use std::io::Write;

use crate::config::MAX_REQUEST_BYTES;

/// How much of a body nobody needs (refused, oversized) is drained before answering anyway.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// The fixed part of a gzip header: ID1, ID2, CM, FLG, MTIME (4), XFL, OS.
const GZIP_HEADER: usize = 10;

/// A request body as read, decompressed and capped.
#[derive(Debug)]
pub(crate) enum BodyRead {
    /// The whole (decompressed) body, at most [`MAX_REQUEST_BYTES`].
    Complete(Vec<u8>),
    /// Larger than [`MAX_REQUEST_BYTES`] after decompression.
    TooLarge,
    /// `Content-Encoding: gzip` with a body that is not valid gzip.
    BadGzip,
}

/// Why a body stopped before its end.
#[derive(Debug)]
pub(crate) enum Cut<E> {
    /// The connection failed or the client went away.
    Body(E),
    /// The body came slower than its [`Pace`] allows (a stalled or trickling client).
    Stalled,
}

/// How fast a body must come: all of it within `grace` plus one second per `min_rate` bytes
/// read so far, counted from when reading starts. A client that stops sending (headers with a
/// `Content-Length` and no body) or trickles is cut off instead of holding its connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    pub grace: std::time::Duration,
    pub min_rate: u64,
}

/// A request body read in steps. An `Err` from any step means the client went away mid-body,
/// or sent it too slowly.
pub(crate) struct BodyStream<B> {
    body: B,
    /// Bytes read ahead (for the gzip header) and not handed out yet.
    ahead: Vec<u8>,
    /// Raw bytes read from the connection so far.
    seen: usize,
    ended: bool,
    pace: Option<(Pace, tokio::time::Instant)>,
}

impl<B: Body + Unpin> BodyStream<B> {
    /// A body read at any pace.
    #[cfg(test)]
    pub(crate) fn new(body: B) -> BodyStream<B> {
        BodyStream {
            body,
            ahead: Vec::new(),
            seen: 0,
            ended: false,
            pace: None,
        }
    }

    /// A body that must come at `pace`, from now on.
    pub(crate) fn paced(body: B, pace: Pace) -> BodyStream<B> {
        BodyStream {
            body,
            ahead: Vec::new(),
            seen: 0,
            ended: false,
            pace: Some((pace, tokio::time::Instant::now())),
        }
    }

    /// When the bytes read so far must have been followed by more.
    fn deadline(&self) -> Option<tokio::time::Instant> {
        let (pace, started) = self.pace?;
        let earned =
            std::time::Duration::from_secs_f64(self.seen as f64 / pace.min_rate.max(1) as f64);
        Some(started + pace.grace + earned)
    }

    /// The next chunk of raw bytes: the ones read ahead first.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Cut<B::Error>> {
        if !self.ahead.is_empty() {
            return Ok(Some(Bytes::from(std::mem::take(&mut self.ahead))));
        }
        while !self.ended {
            let frame = match self.deadline() {
                Some(deadline) => tokio::time::timeout_at(deadline, self.body.frame())
                    .await
                    .map_err(|_| Cut::Stalled)?,
                None => self.body.frame().await,
            };
            let Some(frame) = frame else {
                self.ended = true;
                break;
            };
            if let Ok(mut data) = frame.map_err(Cut::Body)?.into_data() {
                self.seen += data.remaining();
                return Ok(Some(data.copy_to_bytes(data.remaining())));
            } // else trailers
        }
        Ok(None)
    }

    /// Whether the body starts with a gzip header (magic and method). Reads only that far:
    /// an empty or shorter body fails, as Go's `gzip.NewReader` does.
    pub(crate) async fn gzip_header_ok(&mut self) -> Result<bool, Cut<B::Error>> {
        while self.ahead.len() < GZIP_HEADER {
            let Some(chunk) = self.next_chunk_unbuffered().await? else {
                break;
            };
            self.ahead.extend_from_slice(&chunk);
        }
        Ok(self.ahead.len() >= GZIP_HEADER && self.ahead[..3] == [0x1f, 0x8b, 8])
    }

    /// Like [`Self::next_chunk`] but never hands out the bytes read ahead.
    async fn next_chunk_unbuffered(&mut self) -> Result<Option<Bytes>, Cut<B::Error>> {
        let ahead = std::mem::take(&mut self.ahead);
        let chunk = self.next_chunk().await;
        self.ahead = ahead;
        chunk
    }

    /// Reads the rest of the body, gunzipping it when `gzip`, keeping at most
    /// [`MAX_REQUEST_BYTES`] of it. Stops reading once the body is known to be too large or
    /// not gzip; [`Self::drain`] reads what is left.
    pub(crate) async fn read(&mut self, gzip: bool) -> Result<BodyRead, Cut<B::Error>> {
        let mut decoder = gzip.then(|| {
            flate2::write::MultiGzDecoder::new(Capped {
                kept: Vec::new(),
                over: false,
            })
        });
        let mut plain = Vec::new();
        while let Some(chunk) = self.next_chunk().await? {
            match decoder.as_mut() {
                Some(dec) => {
                    // A valid gzip body of at most the limit is never much larger than the limit.
                    let too_raw = self.seen > 2 * MAX_REQUEST_BYTES;
                    if dec.write_all(&chunk).is_err() || too_raw {
                        return Ok(if dec.get_ref().over || too_raw {
                            BodyRead::TooLarge
                        } else {
                            BodyRead::BadGzip
                        });
                    }
                }
                None => {
                    if plain.len() + chunk.len() > MAX_REQUEST_BYTES {
                        return Ok(BodyRead::TooLarge);
                    }
                    plain.extend_from_slice(&chunk);
                }
            }
        }
        Ok(match decoder {
            None => BodyRead::Complete(plain),
            // An empty body is not a gzip stream either (Go's gzip.NewReader fails on it).
            Some(_) if self.seen == 0 => BodyRead::BadGzip,
            Some(mut dec) => match dec.try_finish() {
                Ok(()) => match dec.finish() {
                    Ok(capped) => BodyRead::Complete(capped.kept),
                    Err(_) => BodyRead::BadGzip,
                },
                Err(_) if dec.get_ref().over => BodyRead::TooLarge,
                Err(_) => BodyRead::BadGzip,
            },
        })
    }

    /// Reads what is left of the body and drops it, up to a limit, so that a client still
    /// writing reads the answer. Nothing is kept or decompressed.
    pub(crate) async fn drain(&mut self) -> Result<(), Cut<B::Error>> {
        self.ahead.clear();
        while self.seen <= DRAIN_LIMIT && self.next_chunk().await?.is_some() {}
        Ok(())
    }
}

/// A sink that keeps up to `MAX_REQUEST_BYTES` and fails once more is written.
struct Capped {
    kept: Vec<u8>,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.kept.len() + buf.len() > MAX_REQUEST_BYTES {
            self.over = true;
            return Err(std::io::Error::other("over the size limit"));
        }
        self.kept.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn read(bytes: Vec<u8>, gzip: bool) -> BodyRead {
        run(BodyStream::new(Full::new(Bytes::from(bytes))).read(gzip)).unwrap()
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn body_limits_and_gzip() {
        let at = vec![b' '; MAX_REQUEST_BYTES];
        let over = vec![b' '; MAX_REQUEST_BYTES + 1];
        assert!(
            matches!(read(at.clone(), false), BodyRead::Complete(b) if b.len() == MAX_REQUEST_BYTES)
        );
        assert!(matches!(read(over.clone(), false), BodyRead::TooLarge));
        assert!(
            matches!(read(gz(&at), true), BodyRead::Complete(b) if b.len() == MAX_REQUEST_BYTES)
        );
        assert!(matches!(read(gz(&over), true), BodyRead::TooLarge));
        assert!(matches!(
            read(b"not gzip".to_vec(), true),
            BodyRead::BadGzip
        ));
        assert!(matches!(read(Vec::new(), true), BodyRead::BadGzip));
        let mut truncated = gz(b"{\"batch\":[]}");
        truncated.truncate(truncated.len() - 4);
        assert!(matches!(read(truncated, true), BodyRead::BadGzip));
        let mut two = gz(b"ab");
        two.extend(gz(b"cd"));
        assert!(matches!(read(two, true), BodyRead::Complete(b) if b == b"abcd"));
    }

    #[test]
    fn the_gzip_header_is_read_alone_and_then_handed_on() {
        let body = gz(b"{\"batch\":[]}");
        let (ok, rest) = run(async {
            let mut stream = BodyStream::new(Full::new(Bytes::from(body)));
            let ok = stream.gzip_header_ok().await.unwrap();
            (ok, stream.read(true).await.unwrap())
        });
        assert!(ok);
        assert!(matches!(rest, BodyRead::Complete(b) if b == b"{\"batch\":[]}"));
        for bad in [&b""[..], b"\x1f\x8b\x08", b"{\"batch\":[]}"] {
            let mut stream = BodyStream::new(Full::new(Bytes::from(bad.to_vec())));
            assert!(!run(stream.gzip_header_ok()).unwrap(), "{bad:?}");
        }
        // A valid header with garbage after it passes this step; reading finds the garbage.
        let mut garbage = gz(b"x")[..GZIP_HEADER].to_vec();
        garbage.extend_from_slice(&[0xff; 64]);
        let (ok, rest) = run(async {
            let mut stream = BodyStream::new(Full::new(Bytes::from(garbage)));
            (
                stream.gzip_header_ok().await.unwrap(),
                stream.read(true).await.unwrap(),
            )
        });
        assert!(ok);
        assert!(matches!(rest, BodyRead::BadGzip));
    }
}
