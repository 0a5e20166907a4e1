//! The Socket.IO namespace `/`: the handshake, the client's events, and the checks that keep a
//! socket no longer-lived than its session.
//!
//! A socket is accepted with an access token in the handshake (`auth: {token}`, or an
//! `Authorization: Bearer` header for clients that can send one) whose session is live. Each
//! client event answers through its acknowledgement when the client asks for one, and reports
//! a failure as an `error` event carrying the HTTP error envelope's fields plus `event`, the
//! name of the event that failed.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use socketioxide::extract::{AckSender, Data, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;

use super::{Live, LiveEvent, conversation_room, user_room};
use crate::auth::limits::Rule;
use crate::db::users::UserRecord;
use crate::db::{messages, sessions};
use crate::domain::time::now_ms;
use crate::error::{AppError, AppResult};
use crate::http::current_user::not_authenticated;
use crate::http::messages::send_as;

/// Who a socket belongs to, set once at the handshake.
#[derive(Clone, Debug)]
pub(super) struct Identity {
    user_id: i64,
    /// Where this socket's client reaches the API, for absolute upload URLs.
    pub(super) base_url: String,
    session_id: String,
    /// When the access token expires, in Unix milliseconds.
    expires_at: i64,
}

/// Why a handshake was refused; its text is the `message` of the client's `connect_error`.
#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Self(e.message().to_owned())
    }
}

pub(super) fn register(live: &Live) {
    let on_connect = {
        let live = live.clone();
        move |s: SocketRef| connected(live, s)
    };
    let check = {
        let live = live.clone();
        move |s: SocketRef, auth: TryData<Value>| authenticate(live, s, auth)
    };
    live.io.ns("/", on_connect.with(check));
}

fn token_of<'a>(s: &'a SocketRef, auth: &'a Option<Value>) -> Option<&'a str> {
    let from_auth = auth
        .as_ref()
        .and_then(|a| a.get("token"))
        .and_then(Value::as_str)
        .map(|t| t.strip_prefix("Bearer ").unwrap_or(t).trim())
        .filter(|t| !t.is_empty());
    from_auth.or_else(|| {
        crate::http::current_user::access_token(&s.req_parts().headers)
            .ok()
            .flatten()
            .filter(|(_, cookie)| !cookie)
            .map(|(t, _)| t)
    })
}

/// The handshake: a valid access token of a live session, and room under the user's cap.
async fn authenticate(
    live: Live,
    s: SocketRef,
    TryData(auth): TryData<Value>,
) -> Result<(), Refused> {
    let auth = auth.ok();
    let token = token_of(&s, &auth).ok_or_else(not_authenticated)?;
    let claims = live.state.auth.sessions.keys().verify(token)?;
    let user_id: i64 = claims
        .sub
        .parse()
        .map_err(|_| crate::auth::tokens::invalid_token())?;
    let user = current(&live, user_id, &claims.sid).await?;
    let cap = live.state.config.live.max_sockets_per_user as usize;
    if live.presence.count(user.id).await >= cap {
        return Err(Refused(format!(
            "Too many open connections (at most {cap}); close another tab or device"
        )));
    }
    let parts = s.req_parts();
    let base_url = crate::http::context::base_url(
        live.state.config.public_base_url.as_deref(),
        &parts.headers,
        &parts.uri,
    );
    s.extensions.insert(Identity {
        user_id: user.id,
        base_url,
        session_id: claims.sid,
        expires_at: claims.exp.saturating_mul(1000),
    });
    Ok(())
}

/// The user of a live session, or why not.
async fn current(live: &Live, user_id: i64, session_id: &str) -> AppResult<UserRecord> {
    let mut conn = live.state.db.pool().await?.acquire().await?;
    sessions::live_user(&mut conn, session_id, user_id, now_ms())
        .await?
        .ok_or_else(|| {
            AppError::unauthorized("SESSION_REVOKED", "The session has ended; sign in again")
        })
}

async fn connected(live: Live, s: SocketRef) {
    let Some(me) = s.extensions.get::<Identity>() else {
        let _ = s.disconnect();
        return;
    };
    // Handlers first: the client may emit as soon as it sees the handshake accepted.
    s.join(user_room(me.user_id));
    s.on("join_conversation", {
        let live = live.clone();
        move |s: SocketRef, d: Data<Value>, ack: AckSender| join_conversation(live, s, d, ack)
    });
    s.on("leave_conversation", leave_conversation);
    s.on("send_message", {
        let live = live.clone();
        move |s: SocketRef, d: Data<Value>, ack: AckSender| send_message(live, s, d, ack)
    });
    s.on("typing", {
        let live = live.clone();
        move |s: SocketRef, d: Data<Value>| typing(live, s, d)
    });
    s.on_disconnect({
        let live = live.clone();
        move |s: SocketRef| disconnected(live, s)
    });

    let cap = live.state.config.live.max_sockets_per_user as usize;
    let socket_id = s.id.to_string();
    let Some(came_online) = live.presence.arrive(me.user_id, &socket_id, cap).await else {
        // Two handshakes raced past the check in `authenticate`; the later one goes.
        emit_error(
            &s,
            "connect",
            AppError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_CONNECTIONS",
                format!("Too many open connections (at most {cap})"),
            ),
        );
        let _ = s.disconnect();
        return;
    };
    crate::metrics::record_socket(1.0);
    if !s.connected() {
        // It closed while being recorded, perhaps before the record existed to be removed.
        disconnected(live, s).await;
        return;
    }
    let _ = s.emit("connected", &json!({ "user_id": me.user_id }));
    tracing::debug!(user_id = me.user_id, socket = %socket_id, "socket connected");
    if came_online {
        announce(&live, me.user_id, "online").await;
    }
}

async fn disconnected(live: Live, s: SocketRef) {
    let Some(me) = s.extensions.get::<Identity>() else {
        return;
    };
    match live.presence.leave(me.user_id, &s.id.to_string()).await {
        None => {}
        Some(went_offline) => {
            crate::metrics::record_socket(-1.0);
            if went_offline {
                announce(&live, me.user_id, "offline").await;
            }
        }
    }
}

/// Tells the user's conversation partners that the user came online or went offline.
async fn announce(live: &Live, user_id: i64, status: &str) {
    let partners = match live.state.db.pool().await {
        Ok(pool) => match pool.acquire().await {
            Ok(mut conn) => messages::partners(&mut conn, user_id).await.ok(),
            Err(_) => None,
        },
        Err(_) => None,
    };
    let Some(partners) = partners else {
        tracing::debug!(
            user_id,
            "presence not announced: the database is unavailable"
        );
        return;
    };
    if partners.is_empty() {
        return;
    }
    live.deliver(&LiveEvent::new(
        partners,
        "user_status",
        || json!({ "user_id": user_id, "status": status }),
    ))
    .await;
}

/// A conversation id as a number or a numeric string.
fn conversation_id(data: &Value) -> AppResult<i64> {
    match data.get("conversation_id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| AppError::invalid_field("conversation_id", "must be a conversation id"))
}

fn no_such_conversation() -> AppError {
    AppError::not_found("CONVERSATION_NOT_FOUND", "No such conversation")
}

/// The other participant of a conversation `user_id` is in; 404 for anyone else's.
async fn other_participant(live: &Live, conversation: i64, user_id: i64) -> AppResult<i64> {
    let mut conn = live.state.db.pool().await?.acquire().await?;
    let (a, b) = messages::participants(&mut conn, conversation)
        .await?
        .ok_or_else(no_such_conversation)?;
    match (a == user_id, b == user_id) {
        (true, _) => Ok(b),
        (_, true) => Ok(a),
        _ => Err(no_such_conversation()),
    }
}

fn emit_error(s: &SocketRef, event: &str, error: AppError) -> Value {
    let mut body = serde_json::to_value(error.into_envelope(None, false)).unwrap_or_default();
    body["success"] = json!(false);
    body["event"] = json!(event);
    let _ = s.emit("error", &body);
    body
}

/// Answers an event: the acknowledgement when asked for, and `error` on failure.
fn answer(s: &SocketRef, ack: AckSender, event: &str, outcome: AppResult<Value>) {
    let body = match outcome {
        Ok(v) => v,
        Err(e) => emit_error(s, event, e),
    };
    let _ = ack.send(&body);
}

fn identity(s: &SocketRef) -> AppResult<Identity> {
    s.extensions.get::<Identity>().ok_or_else(not_authenticated)
}

async fn join_conversation(live: Live, s: SocketRef, Data(data): Data<Value>, ack: AckSender) {
    let outcome = async {
        let me = identity(&s)?;
        let id = conversation_id(&data)?;
        other_participant(&live, id, me.user_id).await?;
        s.join(conversation_room(id));
        Ok(json!({ "success": true, "conversation_id": id }))
    }
    .await;
    answer(&s, ack, "join_conversation", outcome);
}

async fn leave_conversation(s: SocketRef, Data(data): Data<Value>, ack: AckSender) {
    let outcome = conversation_id(&data).map(|id| {
        s.leave(conversation_room(id));
        json!({ "success": true, "conversation_id": id })
    });
    answer(&s, ack, "leave_conversation", outcome);
}

/// Counts one event of a user against `per_minute`, shared by every instance through Redis.
async fn within_limit(
    live: &Live,
    name: &'static str,
    per_minute: u32,
    user_id: i64,
) -> AppResult<()> {
    let rule = Rule {
        name,
        limit: per_minute,
        window: Duration::from_secs(60),
    };
    live.state
        .auth
        .limiter
        .hit(&rule, &user_id.to_string())
        .await
        .map_err(AppError::rate_limited)
}

#[derive(Deserialize)]
struct Outgoing {
    content: Value,
}

async fn send_message(live: Live, s: SocketRef, Data(data): Data<Value>, ack: AckSender) {
    let outcome = async {
        let me = identity(&s)?;
        let id = conversation_id(&data)?;
        let content = match serde_json::from_value::<Outgoing>(data.clone()) {
            Ok(Outgoing {
                content: Value::String(c),
            }) => c,
            _ => return Err(AppError::invalid_field("content", "must be a string")),
        };
        let per_minute = live.state.config.live.messages_per_minute;
        within_limit(&live, "live-messages", per_minute, me.user_id).await?;
        // Every send re-reads the session: a revoked one stops here, not at the next sweep.
        let user = current(&live, me.user_id, &me.session_id).await?;
        let message = send_as(&live.state, &user, id, &content).await?;
        Ok(super::with_base_url(
            json!({ "success": true, "message": message }),
            &me.base_url,
        ))
    }
    .await;
    answer(&s, ack, "send_message", outcome);
}

async fn typing(live: Live, s: SocketRef, Data(data): Data<Value>) {
    let outcome = async {
        let me = identity(&s)?;
        let id = conversation_id(&data)?;
        let is_typing = data
            .get("is_typing")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let per_minute = live.state.config.live.messages_per_minute.saturating_mul(4);
        within_limit(&live, "live-typing", per_minute, me.user_id).await?;
        let other = other_participant(&live, id, me.user_id).await?;
        live.deliver(&LiveEvent::new(
            vec![other],
            "typing",
            || json!({ "conversation_id": id, "user_id": me.user_id, "is_typing": is_typing }),
        ))
        .await;
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        emit_error(&s, "typing", e);
    }
}

/// Closes, every `LIVE_SESSION_CHECK_MS`, the sockets of this instance whose access token has
/// expired or whose session was revoked (logout, password change, account deleted), telling
/// each why in an `error` event first.
pub(super) async fn sweep_sessions(live: Live) {
    let mut tick = tokio::time::interval(live.state.config.live.session_check);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let sockets: Vec<(SocketRef, Identity)> = live
            .io
            .sockets()
            .into_iter()
            .filter_map(|s| s.extensions.get::<Identity>().map(|i| (s, i)))
            .collect();
        if sockets.is_empty() {
            continue;
        }
        let now = now_ms();
        let ids: Vec<String> = sockets
            .iter()
            .filter(|(_, i)| i.expires_at > now)
            .map(|(_, i)| i.session_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let live_ids = if ids.is_empty() {
            HashSet::new()
        } else {
            let checked = async {
                let mut conn = live.state.db.pool().await?.acquire().await?;
                Ok::<_, AppError>(sessions::live_ids(&mut conn, &ids, now).await?)
            }
            .await;
            match checked {
                Ok(found) => found,
                // Without the database nothing can be told apart; expiry still applies.
                Err(_) => ids.into_iter().collect(),
            }
        };
        for (s, me) in sockets {
            let error = if me.expires_at <= now {
                AppError::unauthorized(
                    "TOKEN_EXPIRED",
                    "The access token has expired; refresh it and reconnect",
                )
            } else if !live_ids.contains(&me.session_id) {
                AppError::unauthorized("SESSION_REVOKED", "The session has ended; sign in again")
            } else {
                continue;
            };
            tracing::debug!(
                user_id = me.user_id,
                code = error.code(),
                "closing a socket"
            );
            emit_error(&s, "session", error);
            let _ = s.disconnect();
        }
    }
}
