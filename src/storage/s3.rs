//! S3-compatible object storage (AWS S3, MinIO, R2 and the like) over plain HTTPS with AWS
//! Signature Version 4, for deployments with several instances or on Lambda, where a local
//! disk is not shared. Objects are addressed path-style: `{endpoint}/{bucket}/{prefix}{key}`.

use hmac::{KeyInit, Mac};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::{Key, Storage, StorageFuture};
use crate::domain::time::{now_ms, rfc3339};

pub struct S3Storage {
    http: reqwest::Client,
    endpoint: url::Url,
    bucket: String,
    region: String,
    prefix: String,
    access_key: String,
    secret_key: SecretString,
}

/// The S3 settings (see the README's configuration table).
#[derive(Clone)]
pub struct S3Config {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub prefix: String,
    pub access_key: String,
    pub secret_key: SecretString,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "S3Config({} bucket {} in {}, key ***)",
            self.endpoint, self.bucket, self.region
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Percent-encodes a path the way SigV4 wants it (unreserved characters and `/` kept).
fn uri_encode_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `Authorization` header of a request, by AWS Signature Version 4. `headers` are the
/// lower-case names and values to sign (they must include `host`, `x-amz-date` and
/// `x-amz-content-sha256`).
#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    payload_hash: &str,
    amz_date: &str,
    region: &str,
    access_key: &str,
    secret_key: &str,
) -> String {
    let mut sorted: Vec<(&str, &str)> = headers.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let canonical_headers: String = sorted
        .iter()
        .map(|(k, v)| format!("{k}:{}\n", v.trim()))
        .collect();
    let signed_headers = sorted.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
    let canonical = format!(
        "{method}\n{}\n\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        uri_encode_path(path)
    );
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/s3/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{secret_key}").as_bytes(), date);
    let k_region = hmac(&k_date, region);
    let k_service = hmac(&k_region, "s3");
    let k_signing = hmac(&k_service, "aws4_request");
    let signature = hex(&hmac(&k_signing, &to_sign));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

impl S3Storage {
    pub fn new(config: S3Config, http: reqwest::Client) -> Result<Self, String> {
        let endpoint =
            url::Url::parse(&config.endpoint).map_err(|_| "S3_ENDPOINT is not a URL".to_owned())?;
        Ok(Self {
            http,
            endpoint,
            bucket: config.bucket,
            region: config.region,
            prefix: config.prefix,
            access_key: config.access_key,
            secret_key: config.secret_key,
        })
    }

    /// Sends one signed request for `path` (under the endpoint).
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> std::io::Result<reqwest::Response> {
        let mut url = self.endpoint.clone();
        url.set_path(&uri_encode_path(path));
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => return Err(std::io::Error::other("S3 endpoint has no host")),
        };
        let stamp = rfc3339(now_ms()).replace(['-', ':'], "");
        let payload_hash = hex(&Sha256::digest(&body));
        let mut headers = vec![
            ("host", host.as_str()),
            ("x-amz-content-sha256", payload_hash.as_str()),
            ("x-amz-date", stamp.as_str()),
        ];
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        let authorization = sign(
            method.as_str(),
            path,
            &headers,
            &payload_hash,
            &stamp,
            &self.region,
            &self.access_key,
            self.secret_key.expose_secret(),
        );
        let mut request = self
            .http
            .request(method, url)
            .header("x-amz-content-sha256", &payload_hash)
            .header("x-amz-date", &stamp)
            .header("authorization", authorization)
            .body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        request.send().await.map_err(std::io::Error::other)
    }

    fn object_path(&self, key: &Key) -> String {
        format!("/{}/{}{}", self.bucket, self.prefix, key.as_str())
    }

    /// Creates the bucket (for first set-up and tests); an existing one is fine.
    pub async fn create_bucket(&self) -> std::io::Result<()> {
        let response = self
            .send(Method::PUT, &format!("/{}", self.bucket), Vec::new(), None)
            .await?;
        match response.status() {
            s if s.is_success() || s == StatusCode::CONFLICT => Ok(()),
            s => Err(std::io::Error::other(format!(
                "creating the bucket answered {s}"
            ))),
        }
    }
}

fn failure(what: &str, status: StatusCode) -> std::io::Error {
    std::io::Error::other(format!("object storage {what} answered {status}"))
}

impl Storage for S3Storage {
    fn put<'a>(&'a self, key: &'a Key, bytes: Vec<u8>) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let response = self
                .send(
                    Method::PUT,
                    &self.object_path(key),
                    bytes,
                    Some(key.kind().content_type()),
                )
                .await?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(failure("PUT", response.status()))
            }
        })
    }

    fn get<'a>(&'a self, key: &'a Key) -> StorageFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let response = self
                .send(Method::GET, &self.object_path(key), Vec::new(), None)
                .await?;
            match response.status() {
                StatusCode::NOT_FOUND => Ok(None),
                s if s.is_success() => Ok(Some(
                    response
                        .bytes()
                        .await
                        .map_err(std::io::Error::other)?
                        .to_vec(),
                )),
                s => Err(failure("GET", s)),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a Key) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let response = self
                .send(Method::DELETE, &self.object_path(key), Vec::new(), None)
                .await?;
            match response.status() {
                s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
                s => Err(failure("DELETE", s)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of AWS's Signature Version 4 documentation for S3 (GET Object with a
    /// Range header), with its published signature.
    #[test]
    fn signatures_match_the_aws_documentation_example() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let auth = sign(
            "GET",
            "/test.txt",
            &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", empty),
                ("x-amz-date", "20130524T000000Z"),
            ],
            empty,
            "20130524T000000Z",
            "us-east-1",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        );
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }
}
