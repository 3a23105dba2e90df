//! Concurrency limits per (service, region).
//!
//! Clouds throttle per API endpoint, and an endpoint is a (service, region) pair, so that is
//! the unit we bound. Limits are applied by the caller around each request, never inside a
//! product.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A semaphore per (service, region), created on first use.
#[derive(Debug)]
pub struct Limits {
    per_key: usize,
    map: Mutex<HashMap<(String, String), Arc<Semaphore>>>,
}

impl Limits {
    /// Allow `per_key` concurrent requests per (service, region). Zero is treated as one.
    pub fn new(per_key: usize) -> Self {
        Limits {
            per_key: per_key.max(1),
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The configured bound.
    pub fn per_key(&self) -> usize {
        self.per_key
    }

    /// Wait for a slot for (service, region).
    pub async fn acquire(&self, service: &str, region: &str) -> OwnedSemaphorePermit {
        let sem = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            map.entry((service.to_string(), region.to_string()))
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_key)))
                .clone()
        };
        // The semaphore is never closed, so acquisition cannot fail.
        sem.acquire_owned()
            .await
            .expect("limit semaphores are never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bounds_concurrency_per_key_only() {
        let limits = Arc::new(Limits::new(2));
        let active = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (limits, active, peak) = (limits.clone(), active.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                let _p = limits.acquire("bcc", "bj").await;
                let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(5 + i)).await;
                active.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        // Another key is not blocked by the busy one.
        let other = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            limits.acquire("bcc", "gz"),
        )
        .await;
        assert!(other.is_ok());
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}
