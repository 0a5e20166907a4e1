//! HireMe's integration suite. It runs on SQLite by default and on PostgreSQL when
//! `TEST_DATABASE_URL` names a server; every test gets a database of its own.

mod auth;
mod indexes;
mod jobs;
mod lambda;
mod live;
mod messages;
mod object_storage;
mod openapi;
mod ops;
mod pictures;
mod shared_limits;
pub mod social;
mod stack;
mod startup;
mod support;
mod traces;
