//! The write key stays secret: never in a log record (every level, every crate, through faults
//! and failures), an outcome, an error message or a `Debug` output. And TLS is verified by
//! default: a self-signed certificate fails delivery, with the reason in the outcome.

mod common;
use common::{config, send, Outcomes};
use rudder_group_client::{Client, ClientError, Config, OutcomeKind};
use rudder_group_dataplane::{Config as PlaneConfig, DataPlane, Fault, FaultCount};
use std::io::ErrorKind;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const SECRET: &str = "wk-SECRET-5f3a9c71";

/// The key as it travels: `Basic base64(key + ":")`.
fn secret_forms() -> Vec<String> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{SECRET}:"));
    vec![SECRET.to_owned(), b64]
}

fn assert_secret_free(what: &str, text: &str) {
    for form in secret_forms() {
        assert!(!text.contains(&form), "{what} shows the write key: {text}");
    }
}

/// Every log record of the process, from every crate and level.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }
    fn flush(&self) {}
}

fn captured() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(capture).expect("the only logger of this test binary");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// Checks every record but the raw request bytes that `ureq_proto` dumps at TRACE level (16
/// bytes a record, the `Authorization` header included: the crate documents that target as one
/// to keep at DEBUG or above). The split dump is joined back first, to show that the exception
/// is needed and that it is the only one.
fn assert_logs_secret_free() -> usize {
    let lines = captured().0.lock().unwrap().clone();
    let is_dump = |l: &String| l.starts_with("TRACE ureq_proto");
    let mut checked = 0;
    for line in lines.iter().filter(|l| !is_dump(l)) {
        assert_secret_free("a log record", line);
        checked += 1;
    }
    let dumped: String = lines
        .iter()
        .filter(|l| is_dump(l))
        .filter_map(|l| l.rsplit("  ").next())
        .collect();
    assert!(
        dumped.is_empty() || dumped.contains("authorization:"),
        "the TRACE dump is of raw requests"
    );
    checked
}

fn secret_plane() -> DataPlane {
    DataPlane::start(PlaneConfig {
        write_keys: vec![SECRET.to_owned()],
        ..PlaneConfig::default()
    })
    .expect("data plane starts")
}

fn secret_client(url: &str, tune: impl FnOnce(&mut Config)) -> (Client, Outcomes) {
    let mut cfg = config(url);
    cfg.write_key = SECRET.to_owned();
    tune(&mut cfg);
    let outcomes = Outcomes::default();
    outcomes.attach(&mut cfg);
    (Client::new(cfg).expect("valid config"), outcomes)
}

fn assert_outcomes_secret_free(outcomes: &Outcomes) {
    for o in outcomes.all() {
        assert_secret_free("an outcome", &format!("{o:?}"));
        assert_secret_free("an outcome's reason", &o.reason);
    }
}

#[test]
fn no_log_record_shows_the_write_key_through_faults_and_failures() {
    captured();
    let plane = secret_plane();
    for fault in [
        Fault::Status {
            status: 500,
            retry_after: None,
            count: FaultCount::Next(2),
        },
        Fault::Status {
            status: 429,
            retry_after: Some("0".into()),
            count: FaultCount::Next(1),
        },
        Fault::DropConnection {
            count: FaultCount::Next(2),
        },
    ] {
        plane.inject(fault);
    }
    let (client, outcomes) = secret_client(&plane.url(), |c| c.flush_at = 10);
    send(&client, 30);
    plane.inject(Fault::Outage { millis: 300 });
    send(&client, 30);
    let result = client.flush(Some(Duration::from_secs(60))).unwrap();
    assert_eq!((result.delivered, result.failed), (60, 0));
    assert_outcomes_secret_free(&outcomes);
    assert_secret_free("the client's Debug", &format!("{client:?}"));
    assert_secret_free("the config's Debug", &format!("{:?}", client.config()));
    // Retries are logged: this run did log, and no record named the key.
    assert!(assert_logs_secret_free() > 0);
}

#[test]
fn failures_and_errors_never_show_the_write_key() {
    captured();
    // The data plane does not know the key: 401, terminal.
    let plane = DataPlane::start(PlaneConfig::default()).unwrap();
    let (client, outcomes) = secret_client(&plane.url(), |_| {});
    send(&client, 5);
    let result = client.flush(None).unwrap();
    assert_eq!(result.failed, 5);
    let err = result.ok().unwrap_err();
    assert_secret_free("DeliveryFailed", &format!("{err} {err:?}"));
    assert_eq!(outcomes.all()[0].status, Some(401));
    assert_outcomes_secret_free(&outcomes);

    // Retries that run out of time, then a close that gives up: failed and dropped.
    let plane = secret_plane();
    plane.inject(Fault::Status {
        status: 503,
        retry_after: None,
        count: FaultCount::Fraction(1.0),
    });
    let (client, outcomes) = secret_client(&plane.url(), |c| {
        c.retry.max_elapsed = Duration::from_millis(200);
        c.flush_at = 5;
    });
    send(&client, 5);
    assert_eq!(client.flush(None).unwrap().failed, 5);
    plane.inject(Fault::Latency {
        millis: 2_000,
        count: FaultCount::Next(1),
    });
    send(&client, 20);
    let err = client.close(Some(Duration::from_millis(100))).unwrap_err();
    assert_secret_free("FlushTimeout", &format!("{err} {err:?}"));
    let err = client.enqueue(common::event(1)).unwrap_err();
    assert!(matches!(err, ClientError::Closed));
    assert_outcomes_secret_free(&outcomes);

    // Settings refused by validation.
    let mut bad = Config::new(SECRET, "ftp://nowhere");
    let err = Client::new(bad.clone()).unwrap_err();
    assert_secret_free("InvalidConfig", &format!("{err} {err:?}"));
    bad.data_plane_url = "http://127.0.0.1:9".into();
    bad.proxy = Some("not a proxy".into());
    let err = Client::new(bad.clone()).unwrap_err();
    assert_secret_free("InvalidConfig", &format!("{err} {err:?}"));
    assert_secret_free("the config's Debug", &format!("{bad:?} {bad:#?}"));
    assert_logs_secret_free();
}

/// A loopback TLS server presenting a self-signed certificate for 127.0.0.1, for at most
/// `for_how_long`, until `stop` is set.
fn self_signed_tls_server(
    stop: Arc<AtomicBool>,
    for_how_long: Duration,
) -> (u16, std::thread::JoinHandle<u32>) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let cert = CertificateDer::from(include_bytes!("fixtures/self-signed-cert.der").to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        include_bytes!("fixtures/self-signed-key.der").to_vec(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("the fixture certificate and key");
    let server = Arc::new(server);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + for_how_long;
        let mut handshakes = 0;
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(5)))
                        .unwrap();
                    let mut conn = rustls::ServerConnection::new(Arc::clone(&server)).unwrap();
                    handshakes += 1;
                    // The client refuses the certificate: the handshake ends with its alert.
                    while conn.is_handshaking() && conn.complete_io(&mut stream).is_ok() {}
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
        handshakes
    });
    (port, handle)
}

#[test]
fn tls_is_verified_by_default_and_a_self_signed_certificate_fails_delivery() {
    captured();
    let stop = Arc::new(AtomicBool::new(false));
    let (port, server) = self_signed_tls_server(Arc::clone(&stop), Duration::from_secs(60));
    let (client, outcomes) = secret_client(&format!("https://127.0.0.1:{port}"), |c| {
        c.retry.max_attempts = Some(2);
    });
    let ids = send(&client, 3);
    let result = client.flush(Some(Duration::from_secs(30))).unwrap();
    stop.store(true, Ordering::SeqCst);
    assert_eq!((result.delivered, result.failed), (0, 3));
    let all = outcomes.all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].kind, OutcomeKind::Failed);
    assert_eq!(all[0].message_ids, ids);
    assert_eq!(
        all[0].status, None,
        "no HTTP answer over a refused TLS session"
    );
    assert_eq!(all[0].attempts, 2);
    let reason = all[0].reason.to_lowercase();
    assert!(
        reason.contains("certificate") || reason.contains("unknownissuer"),
        "the reason names the certificate: {}",
        all[0].reason
    );
    assert_outcomes_secret_free(&outcomes);
    assert_eq!(server.join().unwrap(), 2, "one handshake per attempt");
    assert_logs_secret_free();
}
