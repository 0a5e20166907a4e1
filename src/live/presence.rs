//! Who is online: a user is online while at least one of their sockets is open, on any instance.
//!
//! Each instance counts its own sockets per user. The per-user cap is checked on the count across
//! instances where there is one (two handshakes at the same moment on two instances may both
//! pass it), and always on this instance's own.
//! With Redis, each socket is also a member of the user's sorted set, scored by a lease that
//! this instance renews while the socket lives; a crashed instance's sockets fall out when their
//! lease ends. "First socket" and "last socket" are then decided on the set, across instances.
//! Without Redis, or while it is away, they are decided on this instance's count.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use crate::domain::time::now_ms;

/// How long a socket stays in the shared set without renewal.
const LEASE: Duration = Duration::from_secs(90);
const RENEW_EVERY: Duration = Duration::from_secs(30);

/// Adds or removes a member, drops lapsed ones, and returns how many remain.
const CHANGE_SCRIPT: &str = r#"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return redis.call('ZCARD', KEYS[1])
"#;

pub struct Presence {
    local: Mutex<HashMap<i64, HashSet<String>>>,
    shared: Option<Shared>,
}

struct Shared {
    conn: redis::aio::ConnectionManager,
    script: redis::Script,
    instance: String,
    prefix: String,
}

impl Shared {
    fn key(&self, user_id: i64) -> String {
        format!("{}:presence:{user_id}", self.prefix)
    }
}

impl Presence {
    /// With `redis`, a client and this instance's name and the key prefix.
    pub fn new(redis: Option<(redis::Client, String, String)>) -> Self {
        let shared = redis.and_then(|(client, instance, prefix)| {
            crate::auth::limits::lazy_connection(client)
                .ok()
                .map(|conn| Shared {
                    conn,
                    script: redis::Script::new(CHANGE_SCRIPT),
                    instance,
                    prefix,
                })
        });
        Self {
            local: Mutex::new(HashMap::new()),
            shared,
        }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, HashMap<i64, HashSet<String>>> {
        self.local.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This instance's open sockets of a user.
    pub fn local_count(&self, user_id: i64) -> usize {
        self.local().get(&user_id).map_or(0, HashSet::len)
    }

    /// The user's open sockets on every instance: from the shared set with Redis (members whose
    /// lease has not lapsed), this instance's count without it or while it is away.
    pub async fn count(&self, user_id: i64) -> usize {
        let local = self.local_count(user_id);
        let Some(shared) = &self.shared else {
            return local;
        };
        let mut conn = shared.conn.clone();
        let counted: redis::RedisResult<i64> = redis::cmd("ZCOUNT")
            .arg(shared.key(user_id))
            .arg(now_ms())
            .arg("+inf")
            .query_async(&mut conn)
            .await;
        match counted {
            Ok(n) => usize::try_from(n).unwrap_or(0).max(local),
            Err(e) => {
                tracing::warn!(error = %e, "Redis unavailable; sockets counted on this instance alone");
                local
            }
        }
    }

    /// Records a socket unless the user already holds `cap` on this instance (`None`). True when
    /// it is the user's only socket: they just came online.
    pub async fn arrive(&self, user_id: i64, socket: &str, cap: usize) -> Option<bool> {
        let local_first = {
            let mut local = self.local();
            let sockets = local.entry(user_id).or_default();
            if sockets.len() >= cap {
                return None;
            }
            sockets.insert(socket.to_owned());
            sockets.len() == 1
        };
        Some(self.decide(user_id, socket, true, local_first).await)
    }

    /// Forgets a socket (`None` if it was never recorded). True when it was the user's last:
    /// they just went offline.
    pub async fn leave(&self, user_id: i64, socket: &str) -> Option<bool> {
        let local_last = {
            let mut local = self.local();
            let sockets = local.get_mut(&user_id)?;
            if !sockets.remove(socket) {
                return None;
            }
            let empty = sockets.is_empty();
            if empty {
                local.remove(&user_id);
            }
            empty
        };
        Some(self.decide(user_id, socket, false, local_last).await)
    }

    async fn decide(&self, user_id: i64, socket: &str, add: bool, local_verdict: bool) -> bool {
        match &self.shared {
            None => local_verdict,
            Some(shared) => {
                let now = now_ms();
                let mut conn = shared.conn.clone();
                let counted: redis::RedisResult<i64> = shared
                    .script
                    .key(shared.key(user_id))
                    .arg(format!("{}:{socket}", shared.instance))
                    .arg(now)
                    .arg(now + LEASE.as_millis() as i64)
                    .arg(if add { "1" } else { "0" })
                    .arg(LEASE.as_millis() as i64)
                    .invoke_async(&mut conn)
                    .await;
                match counted {
                    Ok(n) if add => n == 1,
                    Ok(n) => n == 0,
                    Err(e) => {
                        tracing::warn!(error = %e, "Redis unavailable; presence decided on this instance alone");
                        local_verdict
                    }
                }
            }
        }
    }

    /// Renews the leases of this instance's sockets, for as long as the process runs.
    pub async fn keep_alive(&self) {
        let Some(shared) = &self.shared else {
            return;
        };
        let mut tick = tokio::time::interval(RENEW_EVERY);
        loop {
            tick.tick().await;
            let members: Vec<(i64, String)> = self
                .local()
                .iter()
                .flat_map(|(user, sockets)| sockets.iter().map(move |s| (*user, s.clone())))
                .collect();
            if members.is_empty() {
                continue;
            }
            let until = now_ms() + LEASE.as_millis() as i64;
            let mut pipe = redis::pipe();
            for (user, socket) in &members {
                pipe.cmd("ZADD")
                    .arg(shared.key(*user))
                    .arg("XX")
                    .arg(until)
                    .arg(format!("{}:{socket}", shared.instance))
                    .ignore();
                pipe.cmd("PEXPIRE")
                    .arg(shared.key(*user))
                    .arg(LEASE.as_millis() as i64)
                    .ignore();
            }
            let mut conn = shared.conn.clone();
            if let Err(e) = pipe.query_async::<()>(&mut conn).await {
                tracing::warn!(error = %e, "cannot renew presence leases in Redis");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_and_last_socket_decide_and_the_cap_holds() {
        let p = Presence::new(None);
        assert_eq!(p.arrive(1, "a", 2).await, Some(true));
        assert_eq!(p.arrive(1, "b", 2).await, Some(false));
        assert_eq!(
            p.arrive(1, "c", 2).await,
            None,
            "a third socket is over the cap"
        );
        assert_eq!(p.local_count(1), 2);
        assert_eq!(p.leave(1, "a").await, Some(false));
        assert_eq!(p.leave(1, "a").await, None, "leaving twice changes nothing");
        assert_eq!(
            p.leave(1, "c").await,
            None,
            "the refused socket was never counted"
        );
        assert_eq!(p.leave(1, "b").await, Some(true));
        assert_eq!(p.local_count(1), 0);
    }
}
