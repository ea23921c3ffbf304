//! The web pages in real Chromium, driven over WebDriver (fantoccini → chromedriver) against
//! `concord demo` on a loopback port. Each module is one journey with its own demo and browser
//! ([`harness`] holds what they share), so the journeys run side by side. Every page is checked with axe-core against
//! the WCAG 2.1 A and AA rules, and screenshots of the main pages go to `target/screenshots/`.
//!
//! Needs `chromium`, `chromedriver` and `target/npm/node_modules/axe-core` (installed by
//! `.ci/run`). Without them the test fails when `CI=true`, and is skipped with a notice otherwise.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod exports;
mod finding;
mod harness;
mod pages;
mod rounds;
mod support_forms;
mod widths;
