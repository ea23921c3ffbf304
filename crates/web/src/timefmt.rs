//! Times as pages show them. The alliance's reference zone is UTC (membership is decided by UTC
//! calendar day, reports bucket by UTC month: domain.md §5), so every time is printed in UTC;
//! the page script adds the viewer's own zone beside it.

use jiff::{Timestamp, tz::TimeZone};

/// `2024-02-27 15:00:00 UTC`: to the second, since a deadline is an exact instant (a procedure
/// that closes at 17:19:37 must not read as closing at 17:19).
#[must_use]
pub fn utc(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC).strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The exact instant for `<time datetime>` and the script: RFC 3339 in UTC.
#[must_use]
pub fn iso(t: Timestamp) -> String {
    t.to_string()
}

/// What is left until `deadline` at `now`, in words, as the page shows it without script (and
/// as the script's countdown words it): seconds too within the last day, so that it never says
/// "0 minutes left" while seconds remain, nor any time left once none does.
#[must_use]
pub fn remaining(now: Timestamp, deadline: Timestamp) -> String {
    let secs = deadline.as_second() - now.as_second();
    if secs <= 0 {
        return "deadline passed".to_owned();
    }
    let (d, h, m) = (secs / 86_400, (secs % 86_400) / 3_600, (secs % 3_600) / 60);
    let unit = |n: i64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(unit(d, "day"));
    }
    if d > 0 || h > 0 {
        parts.push(unit(h, "hour"));
    }
    parts.push(unit(m, "minute"));
    if d == 0 {
        parts.push(unit(secs % 60, "second"));
    }
    format!("{} left", parts.join(" "))
}

/// Parses a `datetime-local` form value (`2024-02-28T12:00`, seconds optional) as UTC.
pub fn parse_utc_input(s: &str) -> Option<Timestamp> {
    let dt: jiff::civil::DateTime = s.trim().parse().ok()?;
    dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn remaining_time_in_words() {
        let now = t("2024-02-27T09:00:00Z");
        assert_eq!(remaining(now, t("2024-02-27T15:00:00Z")), "6 hours 0 minutes 0 seconds left");
        assert_eq!(remaining(now, t("2024-03-01T10:01:30Z")), "3 days 1 hour 1 minute left");
        assert_eq!(remaining(now, t("2024-02-27T09:00:59Z")), "0 minutes 59 seconds left");
        assert_eq!(remaining(now, t("2024-02-27T09:00:01Z")), "0 minutes 1 second left");
        assert_eq!(remaining(now, now), "deadline passed");
        assert_eq!(remaining(now, t("2024-02-27T08:59:59Z")), "deadline passed");
    }

    #[test]
    fn utc_inputs_round_trip() {
        let x = t("2024-02-28T12:00:00Z");
        assert_eq!(utc(x), "2024-02-28 12:00:00 UTC");
        assert_eq!(utc(t("2024-02-28T17:19:37.5Z")), "2024-02-28 17:19:37 UTC");
        assert_eq!(parse_utc_input("2024-02-28T12:00"), Some(x));
        assert_eq!(parse_utc_input("2024-02-28T12:00:30"), Some(t("2024-02-28T12:00:30Z")));
        assert_eq!(parse_utc_input("tomorrow"), None);
    }
}
