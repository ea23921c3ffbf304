//! What `/metrics` exposes (OpenMetrics text, for Prometheus): the write path, the log,
//! connections and sign-ins.
//! One registry per app, so that tests running several apps in a process do not share counts.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// How a submitted write ended.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum WriteResult {
    Committed,
    Refused,
    /// Answered from an earlier write with the same idempotency key.
    Replayed,
    Unavailable,
}

impl EncodeLabelValue for WriteResult {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write;
        encoder.write_str(match self {
            Self::Committed => "committed",
            Self::Refused => "refused",
            Self::Replayed => "replayed",
            Self::Unavailable => "unavailable",
        })
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WriteLabels {
    pub result: WriteResult,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub writes: Family<WriteLabels, Counter>,
    pub batches: Counter,
    pub commit_seconds: Histogram,
    pub conflicts: Counter,
    pub entries_followed: Counter,
    pub log_size: Gauge,
    pub deadlines_closed: Counter,
    /// Connections being served now.
    pub connections: Gauge,
    /// Connections beyond the cap, answered 503 and closed.
    pub connections_shed: Counter,
    /// Connections beyond the cap and the shedding slots, closed unanswered.
    pub connections_dropped: Counter,
    /// Password checks (Argon2id) run for sign-ins.
    pub signin_checks: Counter,
    /// Sign-ins refused because every password-check slot was busy.
    pub signin_busy: Counter,
    /// Sign-ins refused without a check because the account's failure budget was spent.
    pub signin_locked: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("concord");
        let writes = Family::<WriteLabels, Counter>::default();
        registry.register("writes", "Writes submitted to the sequencer, by how they ended", writes.clone());
        let batches = Counter::default();
        registry.register("batches", "Batches appended to the log (each one durable transaction)", batches.clone());
        // 0.5 ms to about 4 s.
        let commit_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "batch_commit_seconds",
            "Time from deciding a batch to its durable append",
            commit_seconds.clone(),
        );
        let conflicts = Counter::default();
        registry.register(
            "append_conflicts",
            "Batches decided again because another server appended first",
            conflicts.clone(),
        );
        let entries_followed = Counter::default();
        registry.register(
            "entries_followed",
            "Log entries appended by other servers and folded into this one's state",
            entries_followed.clone(),
        );
        let log_size = Gauge::default();
        registry.register("log_entries", "Entries in the log, as this server last saw it", log_size.clone());
        let deadlines_closed = Counter::default();
        registry.register(
            "deadlines_closed",
            "Procedures closed by this server's scheduler at their deadline",
            deadlines_closed.clone(),
        );
        let connections = Gauge::default();
        registry.register("http_connections", "HTTP connections being served", connections.clone());
        let connections_shed = Counter::default();
        registry.register(
            "http_connections_shed",
            "Connections beyond the cap, answered 503 with Retry-After and closed",
            connections_shed.clone(),
        );
        let connections_dropped = Counter::default();
        registry.register(
            "http_connections_dropped",
            "Connections beyond the cap and the shedding slots, closed unanswered",
            connections_dropped.clone(),
        );
        let signin_checks = Counter::default();
        registry.register("signin_checks", "Password checks (Argon2id) run for sign-ins", signin_checks.clone());
        let signin_busy = Counter::default();
        registry.register(
            "signin_busy",
            "Sign-ins refused at once because every password-check slot was busy",
            signin_busy.clone(),
        );
        let signin_locked = Counter::default();
        registry.register(
            "signin_locked",
            "Sign-ins refused without a password check: the account is locked or its failures spent",
            signin_locked.clone(),
        );
        Self {
            registry,
            writes,
            batches,
            commit_seconds,
            conflicts,
            entries_followed,
            log_size,
            deadlines_closed,
            connections,
            connections_shed,
            connections_dropped,
            signin_checks,
            signin_busy,
            signin_locked,
        }
    }
}

impl Metrics {
    /// Counts one write that ended as `result`.
    pub fn write(&self, result: WriteResult) {
        self.writes.get_or_create(&WriteLabels { result }).inc();
    }

    /// Sets the log size gauge.
    pub fn set_log_size(&self, size: u64) {
        self.log_size.set(i64::try_from(size).unwrap_or(i64::MAX));
    }

    /// The OpenMetrics text of every metric.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_appear_in_the_text_under_the_concord_prefix() {
        let m = Metrics::default();
        m.write(WriteResult::Committed);
        m.write(WriteResult::Committed);
        m.write(WriteResult::Refused);
        m.set_log_size(42);
        let text = m.encode();
        assert!(text.contains("concord_writes_total{result=\"committed\"} 2"), "{text}");
        assert!(text.contains("concord_writes_total{result=\"refused\"} 1"), "{text}");
        assert!(text.contains("concord_log_entries 42"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
