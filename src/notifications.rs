//! Notifications: what other features call when something happens to someone.
//!
//! `notify` writes the notification inside the caller's transaction, so it exists exactly when
//! the action does, and publishes it to in-process subscribers once that transaction commits.
//! Live delivery (sockets) subscribes here without the callers knowing.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::db::WriteTx;
use crate::db::notifications::{self, NewNotification, NotificationRow};
use crate::domain::time::now_ms;
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Follow,
    Like,
    Comment,
    JobApplication,
    ApplicationStatus,
    Message,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Follow => "follow",
            Self::Like => "like",
            Self::Comment => "comment",
            Self::JobApplication => "job_application",
            Self::ApplicationStatus => "application_status",
            Self::Message => "message",
        }
    }
}

/// Fans new notifications out to in-process subscribers. A slow subscriber that falls more
/// than the channel's capacity behind misses the oldest events (they stay in the database).
#[derive(Clone)]
pub struct Notifier {
    sender: broadcast::Sender<Arc<NotificationRow>>,
}

impl Default for Notifier {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
    }
}

impl Notifier {
    /// Every new notification, for every user.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<NotificationRow>> {
        self.sender.subscribe()
    }

    /// New notifications of one user.
    pub fn subscribe_user(&self, user_id: i64) -> UserNotifications {
        UserNotifications {
            user_id,
            receiver: self.sender.subscribe(),
        }
    }

    fn publish(&self, row: NotificationRow) {
        // No subscribers is normal (no live connection); nothing to do then.
        let _ = self.sender.send(Arc::new(row));
    }
}

pub struct UserNotifications {
    user_id: i64,
    receiver: broadcast::Receiver<Arc<NotificationRow>>,
}

impl UserNotifications {
    /// The next notification for this user; `None` once the notifier is gone.
    pub async fn recv(&mut self) -> Option<Arc<NotificationRow>> {
        loop {
            match self.receiver.recv().await {
                Ok(n) if n.user_id == self.user_id => return Some(n),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Records that `actor` did something to `recipient`, in `tx`. Acting on oneself notifies
/// nobody. Returns the notification when one was made.
pub async fn notify(
    tx: &mut WriteTx<'_>,
    notifier: &Notifier,
    recipient: i64,
    actor: Option<i64>,
    kind: Kind,
    related_id: Option<i64>,
    content: &str,
) -> AppResult<Option<NotificationRow>> {
    if actor == Some(recipient) {
        return Ok(None);
    }
    let row = notifications::insert(
        tx.conn(),
        &NewNotification {
            user_id: recipient,
            actor_id: actor,
            kind: kind.as_str(),
            content,
            related_id,
            now: now_ms(),
        },
    )
    .await?;
    let notifier = notifier.clone();
    let published = row.clone();
    tx.after_commit(move || notifier.publish(published));
    Ok(Some(row))
}
