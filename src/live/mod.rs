//! Live delivery over Socket.IO at `/socket.io`.
//!
//! Features never talk to sockets. They publish a [`LiveEvent`] on the [`Hub`] (or create a
//! notification, which the notifications module publishes) once their transaction commits;
//! this module forwards each event to the sockets of its recipients. Every socket joins the
//! room of its user, so "send to user 7" is "emit to room `user:7`".
//!
//! With `REDIS_URL` set, each event that starts on this instance is also published on a Redis
//! channel, and events started on other instances arrive from it (see [`fanout`]), so a user
//! connected anywhere receives it. Losing Redis loses only that cross-instance leg, which comes
//! back by itself when Redis does.

mod fanout;
mod presence;
mod socket;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use socketioxide::SocketIo;
use socketioxide::layer::SocketIoLayer;
use tokio::sync::broadcast;

use crate::http::notifications::NotificationView;
use crate::state::AppState;

pub use presence::Presence;

/// Something to show to some users now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveEvent {
    /// Recipients' user ids.
    pub to: Vec<i64>,
    /// The Socket.IO event name.
    pub name: String,
    pub data: serde_json::Value,
}

impl LiveEvent {
    /// `render` builds the payload with upload URLs relative, whatever request this runs in:
    /// each recipient's socket gets them made absolute for its own base URL on delivery.
    pub fn new<T: Serialize>(to: Vec<i64>, name: &str, render: impl FnOnce() -> T) -> Self {
        let data = crate::http::context::with_relative_urls(|| serde_json::to_value(render()))
            .unwrap_or(serde_json::Value::Null);
        Self {
            to,
            name: name.to_owned(),
            data,
        }
    }
}

/// Where features publish live events. Cheap to clone; publishing with no live layer
/// attached (the Lambda entry, tests without sockets) drops the event.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Arc<LiveEvent>>,
}

impl Default for Hub {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(4096);
        Self { sender }
    }
}

impl Hub {
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.sender.send(Arc::new(event));
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }
}

/// The room every socket of a user joins.
fn user_room(user_id: i64) -> String {
    format!("user:{user_id}")
}

fn conversation_room(id: i64) -> String {
    format!("conversation:{id}")
}

/// What the socket handlers share.
#[derive(Clone)]
pub(crate) struct Live {
    state: AppState,
    io: SocketIo,
    presence: Arc<Presence>,
    fanout: Option<Arc<fanout::Fanout>>,
    /// Events for other instances, published in order by one task so that a slow or absent
    /// Redis never holds up delivery here.
    outbox: Option<tokio::sync::mpsc::Sender<LiveEvent>>,
}

impl Live {
    /// Emits to the recipients' sockets on this instance, and to those elsewhere through Redis.
    async fn deliver(&self, event: &LiveEvent) {
        self.deliver_here(event).await;
        if let Some(outbox) = &self.outbox
            && outbox.try_send(event.clone()).is_err()
        {
            tracing::warn!(event = %event.name, "live events for other instances are backing up; one was dropped");
        }
    }

    async fn deliver_here(&self, event: &LiveEvent) {
        let rooms: Vec<String> = event.to.iter().map(|id| user_room(*id)).collect();
        if rooms.is_empty() {
            return;
        }
        crate::metrics::record_live_event(&event.name);
        if let Some(base) = &self.state.config.public_base_url {
            let data = with_base_url(event.data.clone(), base);
            if let Err(e) = self.io.to(rooms).emit(event.name.as_str(), &data).await {
                tracing::debug!(error = %e, event = %event.name, "live event not delivered to every socket");
            }
            return;
        }
        // Without PUBLIC_BASE_URL each socket gets URLs on the host it connected to.
        for s in self.io.to(rooms).sockets() {
            let base = s
                .extensions
                .get::<socket::Identity>()
                .map(|i| i.base_url)
                .unwrap_or_default();
            let _ = s.emit(
                event.name.as_str(),
                &with_base_url(event.data.clone(), &base),
            );
        }
    }
}

/// Makes the upload URLs of an event absolute: string fields named `…_url` that hold a stored
/// upload's path. Other text (a message's content) is never touched.
fn with_base_url(mut data: serde_json::Value, base: &str) -> serde_json::Value {
    fn walk(value: &mut serde_json::Value, base: &str) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    match v {
                        serde_json::Value::String(s)
                            if key.ends_with("_url") && s.starts_with("/api/uploads/") =>
                        {
                            *s = format!("{base}{s}");
                        }
                        other => walk(other, base),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, base)),
            _ => {}
        }
    }
    walk(&mut data, base);
    data
}

/// The open sockets of this instance, to close them at shutdown.
#[derive(Clone)]
pub struct Sockets(SocketIo);

impl Sockets {
    /// Disconnects every socket; their clients reconnect to another instance.
    pub async fn close(&self) {
        self.0.close().await;
    }
}

/// Builds the Socket.IO layer for `state` and starts the tasks that feed it. Call inside a
/// Tokio runtime.
pub fn layer(state: &AppState) -> (SocketIoLayer, Sockets) {
    let (layer, io) = SocketIo::builder()
        .ping_interval(Duration::from_secs(25))
        .ping_timeout(Duration::from_secs(20))
        // A message is at most 5,000 characters; nothing legitimate comes near this.
        .max_payload(64 * 1024)
        .build_layer();
    let fanout = state.config.redis_url.as_ref().and_then(|url| {
        use secrecy::ExposeSecret;
        match fanout::Fanout::new(url.expose_secret(), &state.config.live.redis_prefix) {
            Ok(f) => Some(Arc::new(f)),
            Err(e) => {
                tracing::error!(error = %e, "REDIS_URL refused; live events stay on this instance");
                None
            }
        }
    });
    let presence = Arc::new(Presence::new(fanout.as_ref().map(|f| {
        (
            f.client().clone(),
            f.instance().to_owned(),
            state.config.live.redis_prefix.clone(),
        )
    })));
    let live = Live {
        state: state.clone(),
        io: io.clone(),
        presence,
        fanout,
        outbox: None,
    };
    let live = match live.fanout.clone() {
        Some(fanout) => {
            let (outbox, mut pending) = tokio::sync::mpsc::channel::<LiveEvent>(4096);
            tokio::spawn(async move {
                while let Some(event) = pending.recv().await {
                    fanout.publish(&event).await;
                }
            });
            Live {
                outbox: Some(outbox),
                ..live
            }
        }
        None => live,
    };
    socket::register(&live);
    let sockets = Sockets(live.io.clone());
    spawn_pumps(live);
    (layer, sockets)
}

fn spawn_pumps(live: Live) {
    // Events of this instance's features.
    let mut events = live.state.live.subscribe();
    let l = live.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => l.deliver(&event).await,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "live delivery fell behind; events were dropped");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });

    // Every notification, to its recipient, as it is created.
    let mut notifications = live.state.notifier.subscribe();
    let l = live.clone();
    tokio::spawn(async move {
        loop {
            match notifications.recv().await {
                Ok(row) => {
                    let event = LiveEvent::new(vec![row.user_id], "notification", || {
                        NotificationView::from(&*row)
                    });
                    l.deliver(&event).await;
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(
                        missed = n,
                        "live notifications fell behind; some were not pushed"
                    );
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });

    // Events of other instances.
    if let Some(fanout) = live.fanout.clone() {
        let l = live.clone();
        tokio::spawn(async move {
            fanout
                .listen(|event| {
                    let l = l.clone();
                    async move { l.deliver_here(&event).await }
                })
                .await;
        });
        let presence = live.presence.clone();
        tokio::spawn(async move { presence.keep_alive().await });
    }

    // Sockets outliving their token or session are closed.
    tokio::spawn(socket::sweep_sessions(live));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn upload_urls_become_absolute_and_text_does_not() {
        let data = json!({
            "content": "/api/uploads/not-a-link",
            "sender": {"avatar_url": "/api/uploads/a.png", "other_url": "https://x.test/b.png"},
            "list": [{"file_url": "/api/uploads/c.webp"}],
        });
        let out = with_base_url(data, "https://api.example.com");
        assert_eq!(out["content"], "/api/uploads/not-a-link");
        assert_eq!(
            out["sender"]["avatar_url"],
            "https://api.example.com/api/uploads/a.png"
        );
        assert_eq!(out["sender"]["other_url"], "https://x.test/b.png");
        assert_eq!(
            out["list"][0]["file_url"],
            "https://api.example.com/api/uploads/c.webp"
        );
    }
}
