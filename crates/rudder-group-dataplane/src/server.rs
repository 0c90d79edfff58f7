//! The HTTP server: a tokio runtime on its own OS thread, the accept loop (with outages), one
//! hyper HTTP/1.1 keep-alive connection task per client, and routing.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::shared::{lock, Shared};
use crate::{admin, gateway};

/// The answer type of every route.
pub(crate) type Answer = Response<Full<Bytes>>;

/// The service's error: close the connection without answering.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the data plane")
    }
}

impl std::error::Error for Dropped {}

/// Builds an answer with a body and a content type.
pub(crate) fn answer(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Answer {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Runs the data plane on the calling thread until shutdown: reports the bound address (or the
/// error) through `ready` first.
pub(crate) fn run(shared: Arc<Shared>, addr: SocketAddr, ready: Sender<io::Result<SocketAddr>>) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("rudder-group-dataplane-worker")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let bound = runtime.block_on(async {
        // std's bind sets SO_REUSEADDR on Unix, so the port can be bound again after an outage.
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        let local = listener.local_addr()?;
        Ok::<_, io::Error>((listener, local))
    });
    let (listener, local) = match bound {
        Ok(bound) => bound,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(local));
    runtime.block_on(accept_loop(shared, listener, local));
    runtime.shutdown_timeout(Duration::from_secs(1));
}

/// Binds the same address again after an outage.
fn rebind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Accepts connections until shutdown; closes the listener during an outage and binds the same
/// port again after it.
async fn accept_loop(shared: Arc<Shared>, first: TcpListener, addr: SocketAddr) {
    let mut listener = Some(first);
    while !shared.shutdown.load(Ordering::SeqCst) {
        let (outage_until, requested) = {
            let listen = lock(&shared.listen);
            let until = listen.outage_until.filter(|t| *t > Instant::now());
            (until, listen.requested)
        };
        if let Some(until) = outage_until {
            if listener.take().is_some() {
                shared.close_connections.send_modify(|epoch| *epoch += 1);
                log::debug!("rudder-group-dataplane: outage, {addr} refuses connections");
            }
            shared.set_listening(false, requested);
            tokio::select! {
                _ = tokio::time::sleep_until(until.into()) => {}
                _ = shared.control.notified() => {}
            }
            continue;
        }
        if listener.is_none() {
            match rebind(addr) {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    log::warn!("rudder-group-dataplane: binding {addr} again failed: {e}");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(10)) => {}
                        _ = shared.control.notified() => {}
                    }
                    continue;
                }
            }
        }
        shared.set_listening(true, requested);
        let Some(current) = listener.as_ref() else {
            continue;
        };
        tokio::select! {
            accepted = current.accept() => match accepted {
                Ok((stream, _peer)) => serve(shared.clone(), stream),
                Err(e) => {
                    log::warn!("rudder-group-dataplane: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = shared.control.notified() => {}
        }
    }
}

/// Serves one connection (HTTP/1.1, keep-alive) on its own task.
fn serve(shared: Arc<Shared>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut close = shared.close_connections.subscribe();
    tokio::spawn(async move {
        let service = service_fn(move |request| route(shared.clone(), request));
        let connection = http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    log::debug!("rudder-group-dataplane: connection ended: {e}");
                }
                return;
            }
            _ = close.changed() => connection.as_mut().graceful_shutdown(),
        }
        let _ = connection.await;
    });
}

/// Sends a request to the admin API, `/health`, or the gateway.
async fn route(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Answer, Dropped> {
    let path = request.uri().path();
    if path == "/_rudder_group" || path.starts_with("/_rudder_group/") {
        return Ok(admin::handle(&shared, request).await);
    }
    if path == "/health" {
        return Ok(answer(
            200,
            "application/json",
            r#"{"appType":"GATEWAY","server":"UP","db":"UP","acceptingEvents":"TRUE","routingEvents":"TRUE","mode":"NORMAL"}"#,
        ));
    }
    gateway::handle(&shared, request).await
}
