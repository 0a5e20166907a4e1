//! HireMe: the back end of the HireMeBahamas job board and professional network.
//!
//! Data flows one way: `http` parses and authorizes, the domain decides, `db` persists.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod live;
pub mod metrics;
pub mod notifications;
pub mod server;
pub mod serverless;
pub mod state;
pub mod storage;
pub mod telemetry;

pub use config::Config;
pub use http::{openapi, router, router_with, router_with_live};
pub use state::AppState;
