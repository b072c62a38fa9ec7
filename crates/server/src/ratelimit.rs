//! Per-caller rate limits on `/graphql` (GCRA, with `governor`).
//!
//! A request with a bearer token counts against that token (keyed by a hash of it, so the
//! token itself is not kept); a request without one counts against its client's IP address.
//! Each kind has its own quota: a sustained number of requests per minute and a burst. Over
//! the quota the answer is `429 Too Many Requests` with `Retry-After` (whole seconds) and a
//! GraphQL error with code `RATE_LIMITED`. A quota of 0 requests per minute turns that kind
//! of limit off. Health, metrics and other routes are not limited.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::errors::ErrorCode;

/// How many requests a caller may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Sustained requests per minute for each bearer token (0: unlimited).
    pub per_token_per_minute: u32,
    /// Requests a token may make at once before the sustained rate applies.
    pub per_token_burst: u32,
    /// Sustained requests per minute for each anonymous client address (0: unlimited).
    pub anonymous_per_minute: u32,
    /// Requests an anonymous address may make at once.
    pub anonymous_burst: u32,
}

impl Default for RateLimits {
    /// No limits (what a library user or a test gets unless it asks);
    /// `engage serve` uses [`RateLimits::recommended`].
    fn default() -> Self {
        Self {
            per_token_per_minute: 0,
            per_token_burst: 0,
            anonymous_per_minute: 0,
            anonymous_burst: 0,
        }
    }
}

impl RateLimits {
    /// What `engage serve` allows by default: 600 requests a minute per token (bursts of
    /// 100), 120 a minute per anonymous address (bursts of 30).
    pub const fn recommended() -> Self {
        Self {
            per_token_per_minute: 600,
            per_token_burst: 100,
            anonymous_per_minute: 120,
            anonymous_burst: 30,
        }
    }
}

/// Who a request counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CallerKey {
    /// SHA-256 of the bearer token.
    Token([u8; 32]),
    Address(Option<IpAddr>),
}

/// The limiters of one server.
pub(crate) struct RateLimiter {
    tokens: Option<DefaultKeyedRateLimiter<CallerKey>>,
    anonymous: Option<DefaultKeyedRateLimiter<CallerKey>>,
}

fn limiter(per_minute: u32, burst: u32) -> Option<DefaultKeyedRateLimiter<CallerKey>> {
    let rate = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Some(DefaultKeyedRateLimiter::keyed(
        Quota::per_minute(rate).allow_burst(burst),
    ))
}

impl RateLimiter {
    pub(crate) fn new(limits: &RateLimits) -> Self {
        Self {
            tokens: limiter(limits.per_token_per_minute, limits.per_token_burst),
            anonymous: limiter(limits.anonymous_per_minute, limits.anonymous_burst),
        }
    }

    /// Forget callers whose allowance is full again (keeps memory flat).
    pub(crate) fn upkeep(&self) {
        for l in [&self.tokens, &self.anonymous].into_iter().flatten() {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// `Err(seconds to wait)` when the caller is over its quota.
    fn check(&self, key: &CallerKey) -> Result<(), u64> {
        let limiter = match key {
            CallerKey::Token(_) => &self.tokens,
            CallerKey::Address(_) => &self.anonymous,
        };
        let Some(limiter) = limiter else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

fn caller_key(request: &Request) -> CallerKey {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match bearer {
        Some(token) => CallerKey::Token(Sha256::digest(token.as_bytes()).into()),
        None => CallerKey::Address(
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ),
    }
}

/// The middleware: count the request against its caller, or answer 429.
pub(crate) async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limiter: &Arc<RateLimiter> = &state.rate_limiter;
    match limiter.check(&caller_key(&request)) {
        Ok(()) => next.run(request).await,
        Err(retry_after) => {
            let retry_after = retry_after.max(1);
            let body = serde_json::json!({
                "errors": [{
                    "message": format!(
                        "too many requests: this client is over its rate limit; retry after {retry_after} s"
                    ),
                    "extensions": { "code": ErrorCode::RateLimited.as_str(), "retryAfterSeconds": retry_after },
                }]
            });
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_over_its_burst_waits_and_others_do_not() {
        let limiter = RateLimiter::new(&RateLimits {
            per_token_per_minute: 60,
            per_token_burst: 2,
            anonymous_per_minute: 0,
            anonymous_burst: 0,
        });
        let a = CallerKey::Token([1; 32]);
        let b = CallerKey::Token([2; 32]);
        assert!(limiter.check(&a).is_ok());
        assert!(limiter.check(&a).is_ok());
        let wait = limiter.check(&a).unwrap_err();
        assert!((1..=1).contains(&wait), "{wait}");
        assert!(limiter.check(&b).is_ok());
        // Anonymous limits are off here.
        for _ in 0..100 {
            assert!(limiter.check(&CallerKey::Address(None)).is_ok());
        }
    }
}
