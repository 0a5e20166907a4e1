//! Extractors that turn every malformed request into the error envelope: a body that is not
//! JSON, JSON of the wrong shape, a query string that does not parse.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};

/// A JSON request body. Wrong content type is 415, oversized 413, unparseable 400, and a body
/// of the wrong shape 422 naming the field.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(AppError::unsupported_media_type(
                "Expected a JSON body with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::payload_too_large("The request body is too large")
                } else {
                    AppError::bad_request("INVALID_BODY", "The request body could not be read")
                }
            })?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses JSON, naming the offending field when the shape is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| (err.path().to_string(), err.into_inner()))
        .and_then(|v| de.end().map(|()| v).map_err(|e| (".".to_owned(), e)));
    value.map_err(|(path, inner)| match inner.classify() {
        serde_json::error::Category::Data => AppError::validation(vec![field_error(&path, &inner)]),
        serde_json::error::Category::Eof if bytes.iter().all(u8::is_ascii_whitespace) => {
            AppError::bad_request("INVALID_JSON", "The request body is empty; expected JSON")
        }
        _ => AppError::bad_request(
            "INVALID_JSON",
            format!(
                "The request body is not valid JSON (line {}, column {})",
                inner.line(),
                inner.column()
            ),
        ),
    })
}

fn field_error(path: &str, err: &serde_json::Error) -> FieldError {
    let text = err.to_string();
    // serde reports the position after the message; clients only need the sentence.
    let text = text.split(" at line ").next().unwrap_or(&text).to_owned();
    if let Some(rest) = text.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let field = if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return FieldError {
            field,
            message: "is required".to_owned(),
        };
    }
    let field = if path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    FieldError {
        field,
        message: text,
    }
}

/// A query string; a value of the wrong type is 422 naming the parameter.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|err| {
                let path = err.path().to_string();
                let message = err.inner().to_string();
                if let Some(rest) = message.strip_prefix("missing field `") {
                    let name = rest.split('`').next().unwrap_or_default().to_owned();
                    return AppError::invalid_field(name, "is required");
                }
                let field = if path == "." {
                    "query".to_owned()
                } else {
                    path
                };
                AppError::invalid_field(field, message)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        age: Option<u32>,
    }

    #[test]
    fn a_missing_field_is_named() {
        let err = parse_json::<Login>(br#"{"age": 3}"#).unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.message(), "email: is required");
    }

    #[test]
    fn a_wrong_type_is_named() {
        let err = parse_json::<Login>(br#"{"email": "a@b.c", "age": "old"}"#).unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            err.message().starts_with("age: invalid type"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn broken_json_and_empty_bodies_are_bad_requests() {
        for body in [
            &b"{\"email\": "[..],
            b"",
            b"   ",
            br#"{"email": "a"} trailing"#,
        ] {
            let err = parse_json::<Login>(body).unwrap_err();
            assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{body:?}");
            assert_eq!(err.code(), "INVALID_JSON");
        }
        let err = parse_json::<Login>(b"[1,2]").unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Collects every invalid field of a request before answering, so the client learns about all
/// of them at once.
#[derive(Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// The parsed value, or `None` with the problem remembered.
    pub fn check<T>(
        &mut self,
        field: &str,
        parsed: Result<T, crate::domain::Invalid>,
    ) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError {
                    field: field.to_owned(),
                    message: e.0,
                });
                None
            }
        }
    }

    /// 422 naming every bad field, if there was one.
    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(self.errors))
        }
    }
}

/// `skip` and `limit` of a list: `limit` defaults to 20 and is clamped to 100.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// How many items to skip (default 0).
    pub skip: Option<i64>,
    /// How many items to return (default 20, at most 100).
    pub limit: Option<i64>,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 20;
    pub const MAX_LIMIT: i64 = 100;

    /// `(limit, offset)`, or a 422 for negative values.
    pub fn bounds(&self) -> Result<(i64, i64), AppError> {
        let skip = self.skip.unwrap_or(0);
        if skip < 0 {
            return Err(AppError::invalid_field("skip", "must not be negative"));
        }
        let limit = self.limit.unwrap_or(Self::DEFAULT_LIMIT);
        if limit < 1 {
            return Err(AppError::invalid_field("limit", "must be at least 1"));
        }
        Ok((limit.min(Self::MAX_LIMIT), skip))
    }
}

/// Path parameters; one that does not parse (`/api/posts/abc`) names nothing, so it is a 404.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|_| AppError::not_found("NOT_FOUND", "Not found"))
    }
}

#[cfg(test)]
mod page_tests {
    use super::Page;

    #[test]
    fn limits_default_to_20_are_clamped_to_100_and_negatives_are_refused() {
        let page = |skip, limit| Page { skip, limit }.bounds();
        assert_eq!(page(None, None).unwrap(), (20, 0));
        assert_eq!(page(Some(40), Some(1000)).unwrap(), (100, 40));
        assert!(page(Some(-1), None).is_err());
        assert!(page(None, Some(0)).is_err());
    }
}
