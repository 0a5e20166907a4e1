//! Argon2id password hashing on the blocking pool, a few at a time.
//!
//! Each hash costs tens of milliseconds of a core and 19 MiB. A semaphore sized to the machine
//! bounds how many run at once, so a flood of logins queues here instead of starving every
//! other request of threads and memory. Unknown accounts are checked against a dummy hash of
//! the same cost, so the answer takes as long whether or not the account exists.

use std::sync::Arc;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::config::AuthConfig;
use crate::error::AppError;

#[derive(Clone)]
pub struct Hasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Params,
    permits: Semaphore,
    /// `$argon2id$v=19$m=…,t=…,p=…$`: hashes not starting with this are upgraded on login.
    current_prefix: OnceCell<String>,
    dummy: OnceCell<String>,
}

/// The outcome of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Mismatch,
    Match,
    /// Correct, but hashed with older parameters: store a new hash.
    MatchNeedsRehash,
}

impl Hasher {
    pub fn new(config: &AuthConfig) -> Self {
        let params = Params::new(
            config.hash_memory_kib,
            config.hash_iterations,
            config.hash_parallelism,
            None,
        )
        .unwrap_or_default();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            inner: Arc::new(Inner {
                params,
                permits: Semaphore::new(cores),
                current_prefix: OnceCell::new(),
                dummy: OnceCell::new(),
            }),
        }
    }

    fn argon2(params: &Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
    }

    /// Runs `work` on the blocking pool once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Params) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(AppError::internal)?;
        let params = self.inner.params.clone();
        tokio::task::spawn_blocking(move || work(params))
            .await
            .map_err(AppError::internal)
    }

    /// A PHC string for `password`.
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let password = password.to_owned();
        self.run(move |params| {
            Self::argon2(&params)
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| AppError::internal(anyhow::anyhow!("password hashing failed: {e}")))
    }

    async fn dummy(&self) -> Result<&str, AppError> {
        self.inner
            .dummy
            .get_or_try_init(|| self.hash("dummy password for unknown accounts"))
            .await
            .map(String::as_str)
    }

    async fn current_prefix(&self) -> Result<&str, AppError> {
        let dummy = self.dummy().await?;
        Ok(self
            .inner
            .current_prefix
            .get_or_init(|| async {
                // Everything up to and including the fourth `$`: algorithm, version, parameters.
                let end = dummy
                    .match_indices('$')
                    .nth(3)
                    .map_or(dummy.len(), |(i, _)| i + 1);
                dummy[..end].to_owned()
            })
            .await)
    }

    /// Checks `password` against `stored`, or against a dummy hash when there is no account
    /// (or no password on it), spending the same work either way.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<Verdict, AppError> {
        let prefix = self.current_prefix().await?.to_owned();
        let (hash, real) = match stored {
            Some(h) => (h.to_owned(), true),
            None => (self.dummy().await?.to_owned(), false),
        };
        let password = password.to_owned();
        let matched = self
            .run(move |params| {
                Self::argon2(&params)
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok()
            })
            .await?;
        Ok(
            match (
                matched && real,
                stored.is_some_and(|h| h.starts_with(&prefix)),
            ) {
                (false, _) => Verdict::Mismatch,
                (true, true) => Verdict::Match,
                (true, false) => Verdict::MatchNeedsRehash,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(memory: u32, iterations: u32) -> Hasher {
        let mut config = crate::config::Config::from_lookup(&|_| None).unwrap().auth;
        config.hash_memory_kib = memory;
        config.hash_iterations = iterations;
        Hasher::new(&config)
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_with_the_configured_cost() {
        let h = hasher(1024, 1);
        let hash = h.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
        assert_eq!(
            h.verify("correct horse", Some(&hash)).await.unwrap(),
            Verdict::Match
        );
        assert_eq!(
            h.verify("wrong horse", Some(&hash)).await.unwrap(),
            Verdict::Mismatch
        );
        assert_eq!(
            h.verify("correct horse", None).await.unwrap(),
            Verdict::Mismatch
        );
    }

    #[tokio::test]
    async fn a_hash_with_older_parameters_still_verifies_and_asks_for_an_upgrade() {
        let old = hasher(1024, 1).hash("correct horse").await.unwrap();
        let stronger = hasher(2048, 2);
        assert_eq!(
            stronger.verify("correct horse", Some(&old)).await.unwrap(),
            Verdict::MatchNeedsRehash
        );
        assert_eq!(
            stronger.verify("nope", Some(&old)).await.unwrap(),
            Verdict::Mismatch
        );
    }

    #[test]
    fn the_default_cost_is_the_owasp_minimum() {
        let config = crate::config::Config::from_lookup(&|_| None).unwrap().auth;
        assert_eq!(config.hash_memory_kib, 19_456);
        assert_eq!(config.hash_iterations, 2);
        assert_eq!(config.hash_parallelism, 1);
    }
}
