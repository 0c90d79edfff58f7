//! Sending one request body: over HTTP with `ureq`, or into memory in test mode.
//!
//! Why `ureq` on a few blocking threads rather than an async client on a runtime: the requests in
//! flight are few (one per lane, at most 64), each lane sends its batches one after another, and a
//! thread per lane makes a lane's order and its retry waits plain sequential code. A blocking
//! client fits that exactly and the caller's program needs no async runtime; the lanes share one
//! agent, whose pool keeps a connection alive per lane. `ureq` 3 is small (no tokio, no hyper), keeps
//! connections alive through its agent pool, speaks HTTP and HTTPS proxies (and reads
//! `HTTPS_PROXY`), and does TLS with rustls and the Mozilla roots, so no system OpenSSL is needed
//! by the Python wheel, the npm package or the C library.

use crate::config::{Config, Transport as Mode};
use base64::Engine;
use std::sync::Mutex;

/// An answer from the data plane.
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<String>,
}

/// No answer: connection refused or dropped, timeout, TLS or protocol error.
pub(crate) struct NoAnswer(pub String);

pub(crate) enum Sender {
    Http {
        agent: ureq::Agent,
        url: String,
        authorization: String,
        user_agent: String,
    },
    Memory {
        /// Every batch body sent, uncompressed.
        batches: Mutex<Vec<Vec<u8>>>,
    },
    /// Test-only: every send panics, as a bug in a library might.
    #[cfg(test)]
    Panicking,
}

/// Answers longer than this are cut (the data plane's are one line).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

impl Sender {
    pub fn new(config: &Config) -> Sender {
        match config.transport {
            Mode::Memory => Sender::Memory {
                batches: Mutex::new(Vec::new()),
            },
            Mode::Http => {
                let proxy = match &config.proxy {
                    Some(p) => ureq::Proxy::new(p).ok(),
                    None => ureq::Proxy::try_from_env(),
                };
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_connect(Some(config.connect_timeout))
                    .timeout_global(Some(config.request_timeout))
                    .proxy(proxy)
                    .max_redirects(0)
                    .build()
                    .into();
                let key = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:", config.write_key));
                let library = config.event_options.library;
                Sender::Http {
                    agent,
                    url: config.batch_url(),
                    authorization: format!("Basic {key}"),
                    user_agent: format!("{}/{}", library.name(), library.version()),
                }
            }
        }
    }

    /// Whether a body is compressed before it is sent (with `gzip` on). The memory transport
    /// keeps the raw body and nothing reads a compressed one: compressing it would only take
    /// a core from the caller it measures.
    pub fn compresses(&self) -> bool {
        !matches!(self, Sender::Memory { .. })
    }

    /// Sends one batch body (already gzipped when `gzip`).
    pub fn send(&self, body: &[u8], gzip: bool, raw: &[u8]) -> Result<Answer, NoAnswer> {
        match self {
            Sender::Memory { batches } => {
                // Kept as sent and parsed only when asked for: the worker's share of a test
                // mode call stays a copy, as the caller's cost is measured with it.
                let mut kept = batches.lock().unwrap_or_else(|p| p.into_inner());
                kept.push(raw.to_vec());
                Ok(Answer {
                    status: 200,
                    body: "ok\n".to_owned(),
                    retry_after: None,
                })
            }
            #[cfg(test)]
            Sender::Panicking => panic!("the transport broke"),
            Sender::Http {
                agent,
                url,
                authorization,
                user_agent,
            } => {
                let mut request = agent
                    .post(url.as_str())
                    .header("Authorization", authorization.as_str())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", user_agent.as_str());
                if gzip {
                    request = request.header("Content-Encoding", "gzip");
                }
                match request.send(body) {
                    Ok(mut response) => {
                        let status = response.status().as_u16();
                        let retry_after = response
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        let body = response
                            .body_mut()
                            .with_config()
                            .limit(MAX_ANSWER_BYTES)
                            .read_to_string()
                            .unwrap_or_default();
                        Ok(Answer {
                            status,
                            body,
                            retry_after,
                        })
                    }
                    Err(e) => Err(NoAnswer(e.to_string())),
                }
            }
        }
    }

    pub fn sent_events(&self) -> Vec<serde_json::Value> {
        match self {
            Sender::Memory { batches } => {
                let kept = batches.lock().unwrap_or_else(|p| p.into_inner());
                kept.iter()
                    .filter_map(|raw| serde_json::from_slice::<serde_json::Value>(raw).ok())
                    .flat_map(
                        |mut body| match body.get_mut("batch").map(serde_json::Value::take) {
                            Some(serde_json::Value::Array(events)) => events,
                            _ => Vec::new(),
                        },
                    )
                    .collect()
            }
            Sender::Http { .. } => Vec::new(),
            #[cfg(test)]
            Sender::Panicking => Vec::new(),
        }
    }
}
