//! What every page's frame shows: the title, who is signed in, and the navigation of the
//! viewer's role (each role sees the pages it may use, and no link to what it may not).

use concord_core::Actor;

use crate::session::Viewer;

/// A navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
    /// A count beside the label (unread notices), when there is one.
    pub count: Option<u64>,
}

/// The page frame.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    /// `Signed in as …`, empty when nobody is.
    pub user: String,
    pub role: String,
    /// The session's anti-CSRF token, for the sign-out form.
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

impl Layout {
    /// The frame for `viewer` on the page at `path`.
    #[must_use]
    pub fn new(viewer: Option<&Viewer>, title: impl Into<String>, path: &str) -> Self {
        let mut items: Vec<(String, &'static str)> = Vec::new();
        if let Some(v) = viewer {
            items.push(("/".into(), "Dashboard"));
            items.push(("/proposals".into(), "Proposals"));
            if v.actor == Actor::Secretariat {
                items.push(("/proposals/new".into(), "Draft a proposal"));
            }
            items.push(("/members".into(), "Members and partners"));
            items.push(("/bodies".into(), "Bodies"));
            items.push(("/coalitions".into(), "Coalitions"));
            match v.actor {
                Actor::Member(c) => items.push((format!("/support?donor={c}"), "Our pledges")),
                Actor::Partner(c) => items.push((format!("/support?partner={c}"), "Our requests")),
                _ => items.push(("/support".into(), "Support")),
            }
            items.push(("/support/dashboard".into(), "Support dashboard"));
            items.push(("/notices".into(), "Notices"));
        }
        items.push(("/log".into(), "Log"));
        let unread = viewer.map(|v| v.unread);
        let nav = items
            .into_iter()
            .map(|(href, label)| {
                let count = if href == "/notices" { unread } else { None };
                NavItem { current: href == path, href, label, count }
            })
            .collect();
        Self {
            title: title.into(),
            user: viewer.map(|v| v.user.clone()).unwrap_or_default(),
            role: viewer.map(|v| v.actor.to_string()).unwrap_or_default(),
            csrf: viewer.map(|v| v.csrf.clone()).unwrap_or_default(),
            nav,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use concord_core::CountryCode;

    fn viewer(actor: Actor) -> Viewer {
        Viewer { user: "u".into(), actor, csrf: "c".into(), token_hash: [0; 32], unread: 0 }
    }

    #[test]
    fn each_role_sees_its_own_navigation() {
        let labels = |a: Actor| Layout::new(Some(&viewer(a)), "t", "/").nav.iter().map(|n| n.label).collect::<Vec<_>>();
        assert!(labels(Actor::Secretariat).contains(&"Draft a proposal"));
        assert!(!labels(Actor::Observer).contains(&"Draft a proposal"));
        assert!(labels(Actor::Member(CountryCode::parse("FRA").unwrap())).contains(&"Our pledges"));
        assert!(labels(Actor::Partner(CountryCode::parse("UKR").unwrap())).contains(&"Our requests"));
        let anonymous = Layout::new(None, "t", "/log");
        assert_eq!(anonymous.nav.len(), 1, "signed out: only the public log");
        assert!(anonymous.nav[0].current);
    }
}
