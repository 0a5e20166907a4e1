//! Parsed values: once a request field becomes one of these types it is known to be valid, so
//! nothing past the HTTP layer re-checks it.

pub mod account;
pub mod job;
pub mod time;

pub use account::{Email, LoginId, Password, Phone, ProfileText, UserType, Username};

/// Why a value was refused, phrased for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
