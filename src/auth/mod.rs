//! Who someone is: password hashing, session tokens, abuse limits and sign-in providers.

pub mod limits;
pub mod oauth;
pub mod password;
pub mod sessions;
pub mod tokens;

use hmac::{KeyInit, Mac};
use sha2::Sha256;

/// A keyed, truncated hash of a personal identifier (an e-mail address, a phone number), so log
/// lines about one account can be correlated without the address appearing in them.
pub fn pseudonym(secret: &[u8], value: &str) -> String {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .expect("HMAC accepts keys of any length");
    mac.update(b"hireme-log-pseudonym:");
    mac.update(value.as_bytes());
    mac.finalize().into_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
