//! The long-running HTTP server: bind, serve, and on SIGTERM or SIGINT stop accepting and give
//! in-flight requests a bounded time to finish.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::db::Database;
use crate::http;
use crate::state::AppState;

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let db = Database::open(&config.database)?;
    db.supervise();
    crate::auth::sessions::spawn_cleanup(db.clone());
    let grace = config.shutdown_timeout;
    let addr = config.listen_addr();
    let state = AppState::new(config, db.clone())?;
    let (app, sockets) = http::router_with_live(state);

    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    tracing::info!(addr = %listener.local_addr()?, "listening");

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let mut graceful = stop_rx.clone();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = graceful.wait_for(|stop| *stop).await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        // Sockets would hold the server open until the deadline; their clients reconnect
        // elsewhere.
        sockets.close().await;
    });

    let mut deadline = stop_rx;
    tokio::select! {
        result = server => result?,
        _ = async {
            let _ = deadline.wait_for(|stop| *stop).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_ms = grace.as_millis() as u64, "requests still running at the shutdown deadline were dropped");
        }
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
