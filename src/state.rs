//! What every handler can reach: settings, the database, the clock of the process.

use std::sync::Arc;
use std::time::Instant;

use crate::config::Config;
use crate::db::Database;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    pub started: Instant,
}

impl AppState {
    pub fn new(config: Config, db: Database) -> Self {
        Self {
            config: Arc::new(config),
            db,
            started: Instant::now(),
        }
    }
}
