//! Every signing vector of the contract, both ways: the signer produces the published
//! signature and header, and the verifier accepts the header for that request.

#![cfg(feature = "sign")]

use serde::Deserialize;
use sks_api::sign::{Credentials, SignedHeader, authorization};

#[derive(Deserialize)]
struct Vectors {
    #[serde(rename = "api-key")]
    key: String,
    #[serde(rename = "api-secret")]
    secret: String,
    expires: i64,
    upstream: Vec<Vector>,
    derived: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    method: String,
    url: String,
    body: String,
    signature: String,
    authorization: String,
}

fn vectors() -> Vectors {
    let text = include_str!("../contract/exo2-hmac-sha256.vectors.json");
    serde_json::from_str(text).expect("the vectors file parses")
}

/// Splits a URL into its escaped path and its query string.
fn path_and_query(url: &str) -> (&str, Option<&str>) {
    let after_host = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let path_and_query = &after_host[after_host.find('/').unwrap_or(after_host.len())..];
    match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    }
}

fn decoded_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

#[test]
fn the_signer_reproduces_every_vector() {
    let v = vectors();
    let credentials = Credentials::new(&v.key, &v.secret);
    let all: Vec<&Vector> = v.upstream.iter().chain(v.derived.iter()).collect();
    assert!(all.len() >= 9, "expected every vector, found {}", all.len());
    for vector in all {
        let (path, query) = path_and_query(&vector.url);
        let pairs = decoded_query(query);
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let header = authorization(
            &credentials,
            &vector.method,
            path,
            &pairs,
            vector.body.as_bytes(),
            v.expires,
        )
        .unwrap();
        assert_eq!(
            header, vector.authorization,
            "{} {}",
            vector.method, vector.url
        );
        assert!(header.ends_with(&format!("signature={}", vector.signature)));
    }
}

#[test]
fn the_verifier_accepts_every_vector_and_rejects_a_wrong_secret() {
    let v = vectors();
    // Any moment before the vectors' expiry, within the accepted window.
    let now = v.expires - 60;
    for vector in v.upstream.iter().chain(v.derived.iter()) {
        let (path, query) = path_and_query(&vector.url);
        let header = SignedHeader::parse(&vector.authorization).unwrap();
        assert_eq!(header.credential, v.key);
        header
            .verify(
                &v.secret,
                &vector.method,
                path,
                query,
                vector.body.as_bytes(),
                now,
            )
            .unwrap_or_else(|e| panic!("{} {}: {e}", vector.method, vector.url));
        assert!(
            header
                .verify(
                    "not-the-secret",
                    &vector.method,
                    path,
                    query,
                    vector.body.as_bytes(),
                    now
                )
                .is_err()
        );
    }
}
