//! Abuse limits: fixed windows per key, behind an interface that a shared store (Redis) can
//! implement for several instances. The in-memory store bounds its size by dropping windows
//! that have ended.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A limit: at most `limit` events per `window` for one key.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

pub type LimitFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where counters live. `Err(seconds)` means "over the limit; retry after that long".
pub trait RateLimiter: Send + Sync {
    /// Counts one event, refusing it when the window is already full.
    fn hit<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, Result<(), u64>>;
    /// Whether the window is full, without counting anything.
    fn check<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, Result<(), u64>>;
    /// Forgets the key's window (a successful login clears its failures).
    fn reset<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, ()>;
}

/// Counters in this process's memory: right for one instance.
pub struct MemoryLimiter {
    windows: Mutex<HashMap<(&'static str, String), Window>>,
    max_keys: usize,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    window: Duration,
    count: u32,
}

impl Window {
    fn ended(&self, now: Instant) -> bool {
        now.duration_since(self.started) >= self.window
    }

    fn retry_after(&self, now: Instant) -> u64 {
        let left = self.window.saturating_sub(now.duration_since(self.started));
        left.as_secs() + u64::from(left.subsec_nanos() > 0)
    }
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl MemoryLimiter {
    /// A limiter that tracks at most `max_keys` windows; past that, ended windows are dropped
    /// and then the oldest.
    pub fn with_capacity(max_keys: usize) -> Self {
        Self {
            windows: Mutex::new(HashMap::new()),
            max_keys,
        }
    }

    pub fn len(&self) -> usize {
        self.windows.lock().map_or(0, |w| w.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn evaluate(&self, rule: &Rule, key: &str, count_it: bool) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let id = (rule.name, key.to_owned());
        let current = windows.get(&id).copied().filter(|w| !w.ended(now));
        match current {
            Some(w) if w.count >= rule.limit => Err(w.retry_after(now).max(1)),
            Some(mut w) => {
                if count_it {
                    w.count += 1;
                    windows.insert(id, w);
                }
                Ok(())
            }
            None => {
                if count_it {
                    if windows.len() >= self.max_keys {
                        Self::purge(&mut windows, now, self.max_keys);
                    }
                    windows.insert(
                        id,
                        Window {
                            started: now,
                            window: rule.window,
                            count: 1,
                        },
                    );
                } else {
                    windows.remove(&id);
                }
                Ok(())
            }
        }
    }

    /// Drops ended windows; if that is not enough, the oldest half.
    fn purge(windows: &mut HashMap<(&'static str, String), Window>, now: Instant, max: usize) {
        windows.retain(|_, w| !w.ended(now));
        if windows.len() >= max {
            let mut starts: Vec<Instant> = windows.values().map(|w| w.started).collect();
            starts.sort_unstable();
            let cutoff = starts[starts.len() / 2];
            windows.retain(|_, w| w.started > cutoff);
        }
    }
}

impl RateLimiter for MemoryLimiter {
    fn hit<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, Result<(), u64>> {
        Box::pin(async move { self.evaluate(rule, key, true) })
    }

    fn check<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, Result<(), u64>> {
        Box::pin(async move { self.evaluate(rule, key, false) })
    }

    fn reset<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, ()> {
        Box::pin(async move {
            if let Ok(mut windows) = self.windows.lock() {
                windows.remove(&(rule.name, key.to_owned()));
            }
        })
    }
}

/// A connection to Redis made on first use and remade after a loss, with short time limits:
/// a Redis that is slow or away must cost a request half a second at most.
pub(crate) fn lazy_connection(
    client: redis::Client,
) -> Result<redis::aio::ConnectionManager, redis::RedisError> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(500)))
        .set_response_timeout(Some(Duration::from_millis(500)))
        .set_number_of_retries(1);
    redis::aio::ConnectionManager::new_lazy_with_config(client, config)
}

/// Counters in Redis, shared by every instance. If Redis cannot be reached, each call falls
/// back to this instance's own memory (and says so in the log), so an outage weakens the
/// limits to per-instance ones instead of refusing every login or letting all through.
pub struct RedisLimiter {
    manager: redis::aio::ConnectionManager,
    fallback: MemoryLimiter,
    script_hit: redis::Script,
}

/// Counts one event unless the window is full; returns {allowed, milliseconds left}.
const HIT_SCRIPT: &str = r#"
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[2]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {1, redis.call('PTTL', KEYS[1])}
"#;

impl RedisLimiter {
    /// Connects lazily: nothing is sent to Redis before the first limited request.
    pub fn new(url: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            manager: lazy_connection(redis::Client::open(url)?)?,
            fallback: MemoryLimiter::default(),
            script_hit: redis::Script::new(HIT_SCRIPT),
        })
    }

    /// Keys hold no personal data: the limited value (an address typed at login) is hashed.
    fn key(rule: &Rule, key: &str) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("hireme:limit:{}:{hex}", rule.name)
    }

    fn retry_secs(ms: i64) -> u64 {
        (ms.max(1000) as u64).div_ceil(1000)
    }

    fn degraded(err: &redis::RedisError) {
        tracing::warn!(error = %err, "Redis unavailable; rate limits fall back to this instance");
    }
}

impl RateLimiter for RedisLimiter {
    fn hit<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, Result<(), u64>> {
        Box::pin(async move {
            let mut conn = self.manager.clone();
            let window_ms = rule.window.as_millis() as u64;
            let result: Result<(i64, i64), _> = self
                .script_hit
                .key(Self::key(rule, key))
                .arg(window_ms)
                .arg(rule.limit)
                .invoke_async(&mut conn)
                .await;
            match result {
                Ok((1, _)) => Ok(()),
                Ok((_, ttl_ms)) => Err(Self::retry_secs(ttl_ms)),
                Err(e) => {
                    Self::degraded(&e);
                    self.fallback.evaluate(rule, key, true)
                }
            }
        })
    }

    fn check<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, Result<(), u64>> {
        Box::pin(async move {
            let mut conn = self.manager.clone();
            let k = Self::key(rule, key);
            let result: Result<(Option<i64>, i64), _> = redis::pipe()
                .cmd("GET")
                .arg(&k)
                .cmd("PTTL")
                .arg(&k)
                .query_async(&mut conn)
                .await;
            match result {
                Ok((Some(count), ttl_ms)) if count >= i64::from(rule.limit) => {
                    Err(Self::retry_secs(ttl_ms))
                }
                Ok(_) => Ok(()),
                Err(e) => {
                    Self::degraded(&e);
                    self.fallback.evaluate(rule, key, false)
                }
            }
        })
    }

    fn reset<'a>(&'a self, rule: &'a Rule, key: &'a str) -> LimitFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.manager.clone();
            let result: Result<i64, _> = redis::cmd("DEL")
                .arg(Self::key(rule, key))
                .query_async(&mut conn)
                .await;
            if let Err(e) = result {
                Self::degraded(&e);
            }
            self.fallback.reset(rule, key).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule {
        name: "t",
        limit: 3,
        window: Duration::from_millis(300),
    };

    #[tokio::test]
    async fn the_limit_holds_within_a_window_and_lifts_after_it() {
        let l = MemoryLimiter::default();
        for _ in 0..3 {
            assert!(l.hit(&RULE, "a").await.is_ok());
        }
        assert_eq!(l.hit(&RULE, "a").await, Err(1));
        assert!(l.check(&RULE, "a").await.is_err());
        assert!(l.hit(&RULE, "b").await.is_ok(), "keys are independent");
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(l.hit(&RULE, "a").await.is_ok());
    }

    #[tokio::test]
    async fn check_does_not_count_and_reset_forgets() {
        let l = MemoryLimiter::default();
        for _ in 0..10 {
            assert!(l.check(&RULE, "a").await.is_ok());
        }
        for _ in 0..3 {
            l.hit(&RULE, "a").await.unwrap();
        }
        l.reset(&RULE, "a").await;
        assert!(l.hit(&RULE, "a").await.is_ok());
    }

    #[tokio::test]
    async fn memory_stays_bounded_under_many_keys() {
        let l = MemoryLimiter::with_capacity(1000);
        for i in 0..10_000 {
            l.hit(&RULE, &format!("key-{i}")).await.unwrap();
        }
        assert!(l.len() <= 1000, "{}", l.len());
    }
}
