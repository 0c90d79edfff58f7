//! The HTTP server: a tokio runtime on its own OS thread, the accept loop (bounded by
//! [`Config::max_connections`](crate::Config::max_connections)), one hyper HTTP/1.1 keep-alive
//! connection task per client (with a header read timeout), and routing.

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;

use crate::answer::{answer, Answer, Dropped};
use crate::shared::Shared;
use crate::{admin, gateway};

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
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        Ok::<_, io::Error>((listener, local))
    });
    let listener = match bound {
        Ok((listener, local)) => {
            let _ = ready.send(Ok(local));
            listener
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    runtime.block_on(accept_loop(shared, listener));
    runtime.shutdown_timeout(Duration::from_secs(1));
}

/// Accepts connections until shutdown, one at a time once a connection permit is free.
async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    while !shared.shutdown.load(Ordering::SeqCst) {
        let permit = tokio::select! {
            permit = shared.connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            _ = shared.control.notified() => continue,
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => serve(shared.clone(), stream, permit),
                Err(e) => {
                    log::warn!("rudder-group-dataplane: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = shared.control.notified() => {}
        }
    }
}

/// Serves one connection (HTTP/1.1, keep-alive) on its own task, holding its permit.
fn serve(shared: Arc<Shared>, stream: TcpStream, permit: OwnedSemaphorePermit) {
    let _ = stream.set_nodelay(true);
    let mut close = shared.close_connections.subscribe();
    tokio::spawn(async move {
        let _permit = permit;
        let timeout = shared.header_read_timeout;
        let service = service_fn(move |request| route(shared.clone(), request));
        let connection = http1::Builder::new()
            .keep_alive(true)
            .timer(TokioTimer::new())
            .header_read_timeout(timeout)
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

/// Sends a request to the admin API (always served), or, outside an outage, to `/health` or
/// the gateway. During an outage any other request gets no answer: its connection is closed.
async fn route(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Answer, Dropped> {
    let path = request.uri().path();
    if path == "/_rudder_group" || path.starts_with("/_rudder_group/") {
        return Ok(admin::handle(&shared, request).await);
    }
    if shared.in_outage() {
        return Err(Dropped);
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
