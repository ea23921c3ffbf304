//! Tests of the rules, by scenario.
