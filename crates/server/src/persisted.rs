//! Automatic persisted queries: Apollo's APQ protocol, as Apollo Client's persisted-query
//! link speaks it.
//!
//! A client sends only the SHA-256 of its query text in
//! `extensions.persistedQuery = { "version": 1, "sha256Hash": "<64 hex digits>" }`, over
//! POST or over GET (`extensions` as a URL parameter, so the request can be cached). If the
//! server knows that hash it runs the query it stands for; if not, it answers with the error
//! `PersistedQueryNotFound` (`extensions.code` `PERSISTED_QUERY_NOT_FOUND`), and the client
//! sends the query again with its hash. The server checks the hash, runs the query, and,
//! when it parsed and validated, remembers it for the next hash-only request.
//!
//! The cache holds query *text* and is bounded by bytes, not by entry count, so its memory
//! cannot grow with the size of the queries clients choose to send; the least recently used
//! queries are forgotten first. A cache of 0 bytes turns the feature off: hash-only requests
//! are then answered `PersistedQueryNotSupported` and the client falls back to full queries.
//!
//! This lives in the HTTP handler rather than in async-graphql's `ApolloPersistedQueries`
//! extension because the handler must know the query before execution (a mutation sent by
//! hash over GET must still be refused with 405), and because that extension caches parsed
//! documents, before validation, bounded only by their number.

use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;
use sha2::{Digest, Sha256};

/// The SHA-256 of a query's text.
pub type QueryHash = [u8; 32];

/// Bytes charged for each cached entry on top of its query text (key, pointers, list links).
const ENTRY_OVERHEAD: usize = 96;

/// `extensions.persistedQuery` of a request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistedQuery {
    pub hash: QueryHash,
}

impl PersistedQuery {
    /// Read `extensions.persistedQuery`. `Err` explains what is malformed.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        let obj = value.as_object().ok_or(
            "`extensions.persistedQuery` must be an object with `version` and `sha256Hash`",
        )?;
        match obj.get("version") {
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(1) => {}
            Some(serde_json::Value::Number(n)) => {
                return Err(format!(
                    "persisted query version {n} is not supported: only version 1 is"
                ));
            }
            _ => {
                return Err("`extensions.persistedQuery.version` must be the number 1".into());
            }
        }
        let text = obj
            .get("sha256Hash")
            .and_then(serde_json::Value::as_str)
            .ok_or("`extensions.persistedQuery.sha256Hash` must be a string")?;
        let mut hash = [0_u8; 32];
        hex::decode_to_slice(text, &mut hash).map_err(|_| {
            format!(
                "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits (a SHA-256), not `{}`",
                text.chars().take(80).collect::<String>()
            )
        })?;
        Ok(Self { hash })
    }
}

/// Why a persisted query could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersistedQueryError {
    /// The hash is not in the cache: the client should send the query with it.
    #[error("PersistedQueryNotFound")]
    NotFound,
    /// The server keeps no persisted queries (its cache is 0 bytes).
    #[error("PersistedQueryNotSupported")]
    NotSupported,
    /// The query sent does not hash to the hash sent with it.
    #[error(
        "provided sha does not match query: the SHA-256 of the query is {actual}, the request says {claimed}"
    )]
    HashMismatch { claimed: String, actual: String },
}

/// What to run for a request, and whether to remember it afterwards.
#[derive(Debug)]
pub struct Resolved {
    pub query: String,
    /// Set when the request carried both the query and its (matching) hash: remember the
    /// query under this hash once it has parsed and validated ([`PersistedQueries::insert`]).
    pub register: Option<QueryHash>,
}

struct Cache {
    entries: LruCache<QueryHash, Arc<str>>,
    bytes: usize,
}

/// The server's persisted queries: hash → query text, least recently used forgotten first.
pub struct PersistedQueries {
    cache: Mutex<Cache>,
    max_bytes: usize,
}

fn cost(query: &str) -> usize {
    query.len().saturating_add(ENTRY_OVERHEAD)
}

/// The lowercase hex SHA-256 of `query`, as Apollo Client computes it.
pub fn sha256_hex(query: &str) -> String {
    hex::encode(Sha256::digest(query.as_bytes()))
}

impl PersistedQueries {
    /// A cache holding at most `max_bytes` of query text (plus a small per-entry charge).
    /// `0` turns persisted queries off.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            cache: Mutex::new(Cache {
                entries: LruCache::unbounded(),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // The cache holds no invariant a panic half-way could break beyond `bytes`, which
        // only decides when to evict.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Turn a request's `query` and `extensions.persistedQuery` into the query to run.
    pub fn resolve(
        &self,
        query: Option<String>,
        persisted: &PersistedQuery,
    ) -> Result<Resolved, PersistedQueryError> {
        match query.filter(|q| !q.is_empty()) {
            None => {
                if self.max_bytes == 0 {
                    return Err(PersistedQueryError::NotSupported);
                }
                let found = self.lock().entries.get(&persisted.hash).cloned();
                match found {
                    Some(text) => Ok(Resolved {
                        query: text.to_string(),
                        register: None,
                    }),
                    None => Err(PersistedQueryError::NotFound),
                }
            }
            Some(query) => {
                let actual: QueryHash = Sha256::digest(query.as_bytes()).into();
                if actual != persisted.hash {
                    return Err(PersistedQueryError::HashMismatch {
                        claimed: hex::encode(persisted.hash),
                        actual: hex::encode(actual),
                    });
                }
                Ok(Resolved {
                    query,
                    register: (self.max_bytes > 0).then_some(actual),
                })
            }
        }
    }

    /// Remember `query` under `hash`, forgetting the least recently used queries to stay
    /// within the byte limit. A query larger than the whole cache is not kept.
    pub fn insert(&self, hash: QueryHash, query: &str) {
        let charge = cost(query);
        if charge > self.max_bytes {
            return;
        }
        let mut cache = self.lock();
        if let Some(old) = cache.entries.put(hash, Arc::from(query)) {
            cache.bytes = cache.bytes.saturating_sub(cost(&old));
        }
        cache.bytes = cache.bytes.saturating_add(charge);
        while cache.bytes > self.max_bytes {
            match cache.entries.pop_lru() {
                Some((_, evicted)) => cache.bytes = cache.bytes.saturating_sub(cost(&evicted)),
                None => {
                    cache.bytes = 0;
                    break;
                }
            }
        }
    }

    /// How many queries are kept, and the bytes charged for them.
    pub fn usage(&self) -> (usize, usize) {
        let cache = self.lock();
        (cache.entries.len(), cache.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pq(query: &str) -> PersistedQuery {
        PersistedQuery::from_json(&json!({ "version": 1, "sha256Hash": sha256_hex(query) }))
            .expect("well-formed")
    }

    #[test]
    fn extension_is_checked() {
        let ok = json!({ "version": 1, "sha256Hash": "ab".repeat(32) });
        assert_eq!(PersistedQuery::from_json(&ok).expect("ok").hash, [0xab; 32]);
        let upper = json!({ "version": 1, "sha256Hash": "AB".repeat(32) });
        assert_eq!(
            PersistedQuery::from_json(&upper).expect("ok").hash,
            [0xab; 32]
        );
        for (bad, words) in [
            (json!("x"), "must be an object"),
            (json!({ "sha256Hash": "ab".repeat(32) }), "version"),
            (
                json!({ "version": 2, "sha256Hash": "ab".repeat(32) }),
                "version 2 is not supported",
            ),
            (json!({ "version": 1 }), "must be a string"),
            (
                json!({ "version": 1, "sha256Hash": "abc" }),
                "64 hexadecimal",
            ),
            (
                json!({ "version": 1, "sha256Hash": "zz".repeat(32) }),
                "64 hexadecimal",
            ),
        ] {
            let err = PersistedQuery::from_json(&bad).expect_err("malformed");
            assert!(err.contains(words), "{bad}: {err}");
        }
    }

    #[test]
    fn register_then_resolve_by_hash() {
        let cache = PersistedQueries::new(1024);
        let q = "{ head { position } }";
        assert_eq!(
            cache.resolve(None, &pq(q)).expect_err("unknown"),
            PersistedQueryError::NotFound
        );
        let resolved = cache.resolve(Some(q.into()), &pq(q)).expect("matches");
        assert_eq!(resolved.query, q);
        let hash = resolved.register.expect("to register");
        assert_eq!(hex::encode(hash), sha256_hex(q));
        // Resolving does not register: only a validated query is inserted.
        assert!(cache.resolve(None, &pq(q)).is_err());
        cache.insert(hash, q);
        let again = cache.resolve(None, &pq(q)).expect("known");
        assert_eq!(again.query, q);
        assert!(again.register.is_none());
        // An empty query string counts as absent.
        assert_eq!(
            cache
                .resolve(Some(String::new()), &pq(q))
                .expect("known")
                .query,
            q
        );
    }

    #[test]
    fn mismatched_hash_is_refused() {
        let cache = PersistedQueries::new(1024);
        let err = cache
            .resolve(
                Some("{ head { hash } }".into()),
                &pq("{ head { position } }"),
            )
            .expect_err("mismatch");
        let PersistedQueryError::HashMismatch { claimed, actual } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(claimed, &sha256_hex("{ head { position } }"));
        assert_eq!(actual, &sha256_hex("{ head { hash } }"));
        assert!(
            err.to_string()
                .starts_with("provided sha does not match query")
        );
    }

    #[test]
    fn cache_is_bounded_by_bytes_and_forgets_least_recently_used() {
        let q = |i: usize| format!("{{ a{i}: head {{ position }} }}{}", " ".repeat(100));
        let per_entry = cost(&q(0));
        let cache = PersistedQueries::new(per_entry * 3);
        for i in 0..3 {
            let r = cache.resolve(Some(q(i)), &pq(&q(i))).expect("ok");
            cache.insert(r.register.expect("register"), &r.query);
        }
        assert_eq!(cache.usage(), (3, per_entry * 3));
        // Touch 0 so that 1 is the least recently used, then add a fourth.
        assert!(cache.resolve(None, &pq(&q(0))).is_ok());
        let r = cache.resolve(Some(q(3)), &pq(&q(3))).expect("ok");
        cache.insert(r.register.expect("register"), &r.query);
        assert_eq!(cache.usage(), (3, per_entry * 3));
        assert!(cache.resolve(None, &pq(&q(0))).is_ok());
        assert_eq!(
            cache.resolve(None, &pq(&q(1))).expect_err("evicted"),
            PersistedQueryError::NotFound
        );
        assert!(cache.resolve(None, &pq(&q(2))).is_ok());
        assert!(cache.resolve(None, &pq(&q(3))).is_ok());

        // Re-inserting the same query does not count it twice.
        let r = cache.resolve(Some(q(3)), &pq(&q(3))).expect("ok");
        cache.insert(r.register.expect("register"), &r.query);
        assert_eq!(cache.usage(), (3, per_entry * 3));

        // A query larger than the whole cache is not kept, and evicts nothing.
        let huge = "#".repeat(per_entry * 3);
        let r = cache.resolve(Some(huge.clone()), &pq(&huge)).expect("ok");
        cache.insert(r.register.expect("register"), &r.query);
        assert_eq!(cache.usage(), (3, per_entry * 3));
    }

    #[test]
    fn zero_bytes_turns_it_off() {
        let cache = PersistedQueries::new(0);
        let q = "{ head { position } }";
        assert_eq!(
            cache.resolve(None, &pq(q)).expect_err("off"),
            PersistedQueryError::NotSupported
        );
        let r = cache.resolve(Some(q.into()), &pq(q)).expect("still runs");
        assert!(r.register.is_none());
    }
}
