//! The reminder ladder: how long before a deadline reminders go out, as the deployment sets it
//! (`reminders = "72h,24h,2h"`).

use std::fmt;
use std::str::FromStr;

use jiff::SignedDuration;

/// When reminders go out: how long before a deadline, longest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder(Vec<SignedDuration>);

impl Ladder {
    /// A ladder of these rungs (each positive), in any order; duplicates are dropped.
    ///
    /// # Errors
    /// A rung that is zero or negative.
    pub fn new(mut rungs: Vec<SignedDuration>) -> Result<Self, InvalidLadder> {
        if let Some(bad) = rungs.iter().find(|r| !r.is_positive()) {
            return Err(InvalidLadder(format!("{bad:#}")));
        }
        rungs.sort_unstable_by(|a, b| b.cmp(a));
        rungs.dedup();
        Ok(Self(rungs))
    }

    /// The rungs, longest first.
    #[must_use]
    pub fn rungs(&self) -> &[SignedDuration] {
        &self.0
    }
}

impl Default for Ladder {
    /// 72 hours, 24 hours and 2 hours before the deadline.
    fn default() -> Self {
        Self(vec![SignedDuration::from_hours(72), SignedDuration::from_hours(24), SignedDuration::from_hours(2)])
    }
}

/// A reminder ladder that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a reminder ladder is a comma-separated list of positive durations, such as `72h,24h,2h` (not `{0}`)")]
pub struct InvalidLadder(pub String);

impl FromStr for Ladder {
    type Err = InvalidLadder;

    /// `72h,24h,2h`; empty for no reminders.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rungs = s
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| r.parse::<SignedDuration>().map_err(|_| InvalidLadder(r.to_owned())))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(rungs)
    }
}

impl fmt::Display for Ladder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rungs: Vec<String> = self.0.iter().map(|r| format!("{r:#}")).collect();
        f.write_str(&rungs.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladders_read_and_print() {
        let l: Ladder = "2h, 72h,24h,24h".parse().unwrap();
        assert_eq!(l.to_string(), "72h,24h,2h");
        assert_eq!(l, Ladder::default());
        assert_eq!("".parse::<Ladder>().unwrap().rungs(), &[]);
        assert!("-2h".parse::<Ladder>().is_err());
        assert!("0s".parse::<Ladder>().is_err());
        assert!("soon".parse::<Ladder>().unwrap_err().to_string().contains("`soon`"));
    }
}
