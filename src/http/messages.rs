//! `/api/messages`: conversations between two people and their messages. A conversation of
//! others does not exist for the caller (404 for every operation).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::current_user::CurrentUser;
use super::extract::{Json as JsonBody, Page, Path, Query};
use super::views::UserSummary;
use crate::db::messages::{self, ConversationRow, MessageRow};
use crate::db::people;
use crate::db::users::UserRecord;
use crate::domain::time::{now_ms, rfc3339};
use crate::error::{AppError, AppResult, ErrorEnvelope};
use crate::live::LiveEvent;
use crate::notifications::{Kind, notify};
use crate::state::AppState;

/// How many recent messages each conversation in the list carries.
const EMBEDDED_MESSAGES: i64 = 50;
const CONTENT_MAX: usize = 5000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations, open_conversation))
        .routes(routes!(list_messages, send_message))
        .routes(routes!(read_conversation))
        .routes(routes!(read_message))
        .routes(routes!(unread_count))
}

#[derive(Serialize, ToSchema, Clone)]
pub struct MessageView {
    pub id: i64,
    pub conversation_id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub content: String,
    pub is_read: bool,
    pub created_at: String,
    pub sender: UserSummary,
}

impl From<MessageRow> for MessageView {
    fn from(m: MessageRow) -> Self {
        Self {
            id: m.id,
            conversation_id: m.conversation_id,
            sender_id: m.sender_id,
            receiver_id: m.receiver_id,
            content: m.content,
            is_read: m.is_read,
            created_at: rfc3339(m.created_at),
            sender: m.sender.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    id: i64,
    participant_1_id: i64,
    participant_2_id: i64,
    participant_1: UserSummary,
    participant_2: UserSummary,
    created_at: String,
    updated_at: String,
    /// Messages to the caller not yet read.
    unread_count: i64,
    /// The newest 50 messages, oldest first; possibly empty.
    messages: Vec<MessageView>,
}

fn view(c: ConversationRow, messages: Vec<MessageView>) -> ConversationView {
    ConversationView {
        id: c.id,
        participant_1_id: c.participant_1.id,
        participant_2_id: c.participant_2.id,
        participant_1: c.participant_1.into(),
        participant_2: c.participant_2.into(),
        created_at: rfc3339(c.created_at),
        updated_at: rfc3339(c.updated_at),
        unread_count: c.unread_count,
        messages,
    }
}

/// Conversations with their newest messages: two queries for the whole page.
async fn with_messages(
    conn: &mut sqlx::AnyConnection,
    rows: Vec<ConversationRow>,
) -> AppResult<Vec<ConversationView>> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let mut recent = messages::newest_of(conn, &ids, EMBEDDED_MESSAGES).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let mine: Vec<MessageView> = recent
                .extract_if(.., |m| m.conversation_id == c.id)
                .map(MessageView::from)
                .collect();
            view(c, mine)
        })
        .collect())
}

fn no_such_conversation() -> AppError {
    AppError::not_found("CONVERSATION_NOT_FOUND", "No such conversation")
}

/// The caller's conversations, most recently active first, each with its newest messages.
#[utoipa::path(get, path = "/api/messages/conversations", tag = "messages", security(("bearer" = [])), params(Page),
    responses((status = 200, body = Vec<ConversationView>), (status = 401, body = ErrorEnvelope)))]
pub async fn list_conversations(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(page): Query<Page>,
) -> AppResult<Json<Vec<ConversationView>>> {
    let (limit, offset) = page.bounds()?;
    let mut conn = state.db.pool().await?.acquire().await?;
    let rows = messages::list(&mut conn, me.user.id, limit, offset).await?;
    Ok(Json(with_messages(&mut conn, rows).await?))
}

/// A person to talk to: their id as a number or a numeric string.
#[derive(Deserialize, ToSchema)]
pub struct OpenConversation {
    #[schema(value_type = i64)]
    participant_id: serde_json::Value,
}

/// The conversation with a person, made on first use (201) or found (200).
#[utoipa::path(post, path = "/api/messages/conversations", tag = "messages", security(("bearer" = [])),
    request_body = OpenConversation,
    responses((status = 200, body = ConversationView, description = "Already existed"), (status = 201, body = ConversationView),
        (status = 400, body = ErrorEnvelope, description = "Yourself"), (status = 401, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn open_conversation(
    State(state): State<AppState>,
    me: CurrentUser,
    JsonBody(body): JsonBody<OpenConversation>,
) -> AppResult<(StatusCode, Json<ConversationView>)> {
    let other = match &body.participant_id {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| {
        AppError::invalid_field(
            "participant_id",
            "must be a user id (a number or a numeric string)",
        )
    })?;
    if other == me.user.id {
        return Err(AppError::bad_request(
            "CANNOT_MESSAGE_SELF",
            "You cannot start a conversation with yourself",
        ));
    }
    let mut tx = state.db.begin_write().await?;
    people::find_active(tx.conn(), &other.to_string())
        .await?
        .ok_or_else(|| AppError::not_found("USER_NOT_FOUND", "No such user"))?;
    let (id, made) = messages::get_or_create(tx.conn(), me.user.id, other, now_ms()).await?;
    let row = messages::find(tx.conn(), id, me.user.id)
        .await?
        .ok_or_else(no_such_conversation)?;
    let views = with_messages(tx.conn(), vec![row]).await?;
    tx.commit().await?;
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(views.into_iter().next().ok_or_else(no_such_conversation)?),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// Only messages older than this message id.
    before: Option<i64>,
    /// How many (default 50, at most 100).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageList {
    success: bool,
    messages: Vec<MessageView>,
}

/// A conversation's messages, oldest first, a page at a time going back with `before`.
#[utoipa::path(get, path = "/api/messages/conversations/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = MessageList), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list_messages(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> AppResult<Json<MessageList>> {
    let limit = match q.limit {
        Some(l) if l < 1 => return Err(AppError::invalid_field("limit", "must be at least 1")),
        Some(l) => l.min(Page::MAX_LIMIT),
        None => EMBEDDED_MESSAGES,
    };
    let mut conn = state.db.pool().await?.acquire().await?;
    messages::find(&mut conn, id, me.user.id)
        .await?
        .ok_or_else(no_such_conversation)?;
    let rows = messages::history(&mut conn, id, q.before, limit).await?;
    Ok(Json(MessageList {
        success: true,
        messages: rows.into_iter().map(MessageView::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewMessage {
    /// 1 to 5,000 characters.
    content: String,
}

/// Sends a message to the other participant, who is notified.
#[utoipa::path(post, path = "/api/messages/conversations/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = NewMessage,
    responses((status = 201, body = MessageView), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn send_message(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<NewMessage>,
) -> AppResult<(StatusCode, Json<MessageView>)> {
    let message = send_as(&state, &me.user, id, &body.content).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Sends `content` from `sender` in conversation `id`: checked, stored, the receiver notified,
/// and `new_message` published to both participants once stored. HTTP and live sockets both
/// send through here.
pub(crate) async fn send_as(
    state: &AppState,
    sender: &UserRecord,
    id: i64,
    content: &str,
) -> AppResult<MessageView> {
    let content = content.trim();
    if content.is_empty() {
        return Err(AppError::invalid_field("content", "must not be empty"));
    }
    if content.chars().count() > CONTENT_MAX {
        return Err(AppError::invalid_field(
            "content",
            format!("must be at most {CONTENT_MAX} characters"),
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let conversation = messages::find(tx.conn(), id, sender.id)
        .await?
        .ok_or_else(no_such_conversation)?;
    let receiver = if conversation.participant_1.id == sender.id {
        conversation.participant_2.id
    } else {
        conversation.participant_1.id
    };
    let row = messages::send(tx.conn(), id, sender.id, receiver, content, now_ms()).await?;
    let text = format!(
        "New message from {} {}",
        sender.first_name, sender.last_name
    );
    notify(
        &mut tx,
        &state.notifier,
        receiver,
        Some(sender.id),
        Kind::Message,
        Some(id),
        &text,
    )
    .await?;
    let hub = state.live.clone();
    let event = LiveEvent::new(vec![sender.id, receiver], "new_message", || {
        MessageView::from(row.clone())
    });
    tx.after_commit(move || hub.publish(event));
    tx.commit().await?;
    Ok(row.into())
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    success: bool,
    /// How many messages became read.
    marked: u64,
}

/// Marks every message the caller received in a conversation as read.
#[utoipa::path(put, path = "/api/messages/conversations/{id}/read", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Marked), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn read_conversation(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Marked>> {
    let mut tx = state.db.begin_write().await?;
    messages::find(tx.conn(), id, me.user.id)
        .await?
        .ok_or_else(no_such_conversation)?;
    let marked = messages::read_conversation(tx.conn(), id, me.user.id).await?;
    tx.commit().await?;
    Ok(Json(Marked {
        success: true,
        marked,
    }))
}

/// Marks one message read: only its receiver may.
#[utoipa::path(put, path = "/api/messages/messages/{id}/read", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Marked), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn read_message(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Marked>> {
    let mut tx = state.db.begin_write().await?;
    if !messages::read_message(tx.conn(), id, me.user.id).await? {
        return Err(AppError::not_found("MESSAGE_NOT_FOUND", "No such message"));
    }
    tx.commit().await?;
    Ok(Json(Marked {
        success: true,
        marked: 1,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnreadMessages {
    unread_count: i64,
}

/// How many messages to the caller are unread.
#[utoipa::path(get, path = "/api/messages/unread-count", tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = UnreadMessages), (status = 401, body = ErrorEnvelope)))]
pub async fn unread_count(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<UnreadMessages>> {
    let mut conn = state.db.pool().await?.acquire().await?;
    Ok(Json(UnreadMessages {
        unread_count: messages::unread_count(&mut conn, me.user.id).await?,
    }))
}
