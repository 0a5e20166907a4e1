//! Live events between instances through one Redis pub/sub channel.
//!
//! Each instance delivers its own events to its own sockets directly and publishes them here;
//! it delivers what other instances publish to its sockets. A message names the instance it
//! came from, so nothing is delivered twice. Publishing uses a connection manager that
//! reconnects on demand; listening runs in a loop that resubscribes after any loss, so a Redis
//! restart interrupts cross-instance delivery only while Redis is away.

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::LiveEvent;

#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    origin: Cow<'a, str>,
    event: Cow<'a, LiveEvent>,
}

pub struct Fanout {
    client: redis::Client,
    publisher: redis::aio::ConnectionManager,
    instance: String,
    channel: String,
}

impl Fanout {
    /// Checks the URL; connects lazily. Events travel on channel `{prefix}:live`.
    pub fn new(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        Ok(Self {
            publisher: redis::aio::ConnectionManager::new_lazy_with_config(client.clone(), config)?,
            client,
            instance: uuid::Uuid::new_v4().simple().to_string(),
            channel: format!("{prefix}:live"),
        })
    }

    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// This process's name on the channel.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub async fn publish(&self, event: &LiveEvent) {
        let body = Envelope {
            origin: Cow::Borrowed(&self.instance),
            event: Cow::Borrowed(event),
        };
        let Ok(payload) = serde_json::to_string(&body) else {
            return;
        };
        let mut conn = self.publisher.clone();
        let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(&self.channel)
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, event = %event.name, "Redis unavailable; live event reached this instance's sockets only");
        }
    }

    /// Hands every event of another instance to `deliver`, for as long as the process runs.
    pub async fn listen<F, Fut>(&self, deliver: F)
    where
        F: Fn(LiveEvent) -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut backoff = Duration::from_millis(250);
        loop {
            match self.client.get_async_pubsub().await {
                Ok(mut pubsub) => match pubsub.subscribe(&self.channel).await {
                    Ok(()) => {
                        tracing::info!("listening for other instances' live events");
                        backoff = Duration::from_millis(250);
                        let mut messages = pubsub.on_message();
                        while let Some(msg) = messages.next().await {
                            let Ok(payload) = msg.get_payload::<String>() else {
                                continue;
                            };
                            match serde_json::from_str::<Envelope<'_>>(&payload) {
                                Ok(env) if env.origin != self.instance => {
                                    deliver(env.event.into_owned()).await;
                                }
                                Ok(_) => {}
                                Err(e) => {
                                    tracing::warn!(error = %e, "unreadable live event on Redis")
                                }
                            }
                        }
                        tracing::warn!("lost the Redis subscription for live events; reconnecting");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot subscribe to live events on Redis")
                    }
                },
                Err(e) => tracing::warn!(error = %e, "cannot reach Redis for live events"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }
}
