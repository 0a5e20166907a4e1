//! Access tokens (short HS256 JWTs) and refresh tokens (random strings stored only as hashes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// The `typ` claim of an access token; anything else (a refresh token, a token minted for
/// another purpose) is refused where an access token is expected.
pub const ACCESS: &str = "access";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string.
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// The token's purpose.
    pub typ: String,
    /// The login session (refresh-token family) the token belongs to.
    pub sid: String,
}

/// Signs and checks access tokens with `SECRET_KEY`.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Result<Self, jsonwebtoken::errors::Error> {
        // The algorithm is pinned: a token whose header names `none`, RS256 or anything but
        // HS256 is refused before its signature is considered.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        validation.leeway = 5;
        validation.validate_aud = false;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
        })
    }

    pub fn issue(
        &self,
        user_id: i64,
        session_id: &str,
        now_secs: i64,
        ttl_secs: i64,
    ) -> Result<String, AppError> {
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now_secs,
            exp: now_secs + ttl_secs,
            typ: ACCESS.to_owned(),
            sid: session_id.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// The claims of a valid, unexpired access token.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                let expired = matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature);
                if expired {
                    AppError::unauthorized("TOKEN_EXPIRED", "The access token has expired")
                } else {
                    invalid_token()
                }
            })?;
        if data.claims.typ != ACCESS || data.claims.sub.parse::<i64>().is_err() {
            return Err(invalid_token());
        }
        Ok(data.claims)
    }
}

pub fn invalid_token() -> AppError {
    AppError::unauthorized("INVALID_TOKEN", "The access token is invalid")
}

/// A new refresh token (256 random bits) and the hash under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// The stored form of a refresh token: a database leak does not yield usable tokens.
pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new session id (128 random bits).
pub fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a-test-key-that-is-long-enough-for-hs256-000";

    fn now() -> i64 {
        crate::domain::time::now_ms() / 1000
    }

    #[test]
    fn an_issued_token_verifies_and_carries_its_claims() {
        let keys = TokenKeys::new(KEY).unwrap();
        let token = keys.issue(42, "sid-1", now(), 900).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(
            (
                claims.sub.as_str(),
                claims.sid.as_str(),
                claims.typ.as_str()
            ),
            ("42", "sid-1", "access")
        );
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let keys = TokenKeys::new(KEY).unwrap();
        let expired = keys.issue(1, "s", now() - 3600, 60).unwrap();
        assert_eq!(keys.verify(&expired).unwrap_err().code(), "TOKEN_EXPIRED");

        let token = keys.issue(1, "s", now(), 900).unwrap();
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let forged = Claims {
            sub: "2".into(),
            exp: now() + 900,
            iat: now(),
            typ: "access".into(),
            sid: "s".into(),
        };
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(
            keys.verify(&parts.join(".")).unwrap_err().code(),
            "INVALID_TOKEN"
        );

        let other = TokenKeys::new(b"another-key-another-key-another-key!!").unwrap();
        assert!(
            keys.verify(&other.issue(1, "s", now(), 900).unwrap())
                .is_err()
        );
    }

    #[test]
    fn the_none_algorithm_and_other_algorithms_are_refused() {
        let keys = TokenKeys::new(KEY).unwrap();
        let claims = serde_json::json!({"sub": "1", "exp": now() + 900, "iat": now(), "typ": "access", "sid": "s"});
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"HS512","typ":"JWT"}"#,
        ] {
            let token = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(header));
            assert!(keys.verify(&token).is_err(), "{header}");
        }
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(KEY).unwrap(),
        )
        .unwrap();
        assert!(keys.verify(&hs512).is_err());
    }

    #[test]
    fn a_token_of_another_type_is_not_an_access_token() {
        let keys = TokenKeys::new(KEY).unwrap();
        let claims = serde_json::json!({"sub": "1", "exp": now() + 900, "iat": now(), "typ": "refresh", "sid": "s"});
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(KEY).unwrap(),
        )
        .unwrap();
        assert_eq!(keys.verify(&token).unwrap_err().code(), "INVALID_TOKEN");
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_a, hash_refresh_token(&a));
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(&a));
    }
}
