//! Retries with exponential backoff and full jitter.
//!
//! Only errors marked retryable are retried (5xx, throttling, timeouts, connection errors);
//! authentication and permission errors never are. The survivor is marked with the number
//! of retries spent, so the user reads "still failing after 3 retries".

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::error::Error;

/// Retry policy.
#[derive(Debug, Clone, Copy)]
pub struct RetryConfig {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff.
    pub initial_backoff: Duration,
    /// Cap on one backoff.
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        // The Baidu SDKs use 3 retries, 300 ms doubling, capped at 20 s.
        RetryConfig {
            max_retries: 3,
            initial_backoff: Duration::from_millis(300),
            max_backoff: Duration::from_secs(20),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn none() -> Self {
        RetryConfig {
            max_retries: 0,
            ..Default::default()
        }
    }

    /// Fast retries for tests.
    pub fn fast() -> Self {
        RetryConfig {
            max_retries: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(10),
        }
    }

    /// The backoff before retry number `attempt` (0-based): a uniformly random duration in
    /// `[0, min(max, initial * 2^attempt)]` ("full jitter").
    pub fn backoff(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt.min(20)));
        let cap = exp.min(self.max_backoff);
        let nanos = cap.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(rng.random_range(0..=nanos))
    }
}

/// Run `op` until it succeeds, fails with a non-retryable error, or runs out of retries.
pub async fn retry<T, F, Fut>(config: &RetryConfig, operation: &str, mut op: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_retryable() && attempt < config.max_retries => {
                let wait = config.backoff(attempt, &mut rand::rng());
                tracing::info!(
                    message = "Request failed, retrying.",
                    operation,
                    error = %e,
                    error_type = %e.kind(),
                    attempt = attempt + 1,
                    max_retries = config.max_retries,
                    backoff_ms = wait.as_millis() as u64,
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => {
                return Err(if attempt > 0 {
                    e.with_retries(attempt)
                } else {
                    e
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn backoff_grows_and_is_capped() {
        let cfg = RetryConfig {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        let mut rng = rand::rng();
        for attempt in 0..10 {
            let cap = Duration::from_millis(100 * 2u64.pow(attempt)).min(Duration::from_secs(1));
            for _ in 0..50 {
                assert!(cfg.backoff(attempt, &mut rng) <= cap);
            }
        }
    }

    #[tokio::test]
    async fn retries_retryable_errors_then_succeeds() {
        let calls = AtomicU32::new(0);
        let out = retry(&RetryConfig::fast(), "t", || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(Error::new(ErrorKind::ServerError, "boom"))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(out.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn never_retries_permission_errors() {
        let calls = AtomicU32::new(0);
        let out: Result<(), _> = retry(&RetryConfig::fast(), "t", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::PermissionDenied, "no"))
        })
        .await;
        assert_eq!(out.unwrap_err().kind(), ErrorKind::PermissionDenied);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn gives_up_and_counts_retries() {
        let calls = AtomicU32::new(0);
        let out: Result<(), _> = retry(&RetryConfig::fast(), "t", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::Throttled, "slow down"))
        })
        .await;
        let err = out.unwrap_err();
        assert_eq!(err.retries(), 3);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert!(err.to_string().contains("still failing after 3 retries"));
    }
}
