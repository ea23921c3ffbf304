//! One module per page (or family of pages), each with its handlers and template structs.

pub mod bodies;
pub mod charts_page;
pub mod coalitions;
pub mod dashboard;
pub mod drafting;
pub mod events;
pub mod instructions;
pub mod log;
pub mod login;
pub mod members;
pub mod notices;
pub mod populations;
pub mod proposal;
pub mod proposals;
pub mod proxies;
pub mod rounds;
pub mod support;
pub mod support_admin;
pub mod support_forms;
pub mod tally;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::MethodRouter;

use concord_core::Marking;
use concord_server::AppState;

use crate::WebError;

/// A module's routes: each path with its handlers, as the router is built from them.
pub(crate) type Routes = Vec<(&'static str, MethodRouter<AppState>)>;

/// Every page's routes, each module declaring its own (but the log's, below).
fn routes() -> Routes {
    [
        dashboard::routes(),
        login::routes(),
        drafting::routes(),
        proposal::routes(),
        instructions::routes(),
        proposals::routes(),
        members::routes(),
        bodies::routes(),
        proxies::routes(),
        populations::routes(),
        coalitions::routes(),
        support::routes(),
        support_forms::routes(),
        support_admin::routes(),
        charts_page::routes(),
        events::routes(),
        notices::routes(),
    ]
    .concat()
}

/// The log's pages, which `log::router()` serves: that module belongs to the log format's own
/// work, so its paths are listed here by hand for [`paths`].
const LOG_PAGES: [&str; 1] = ["/log"];

/// The router, built from [`routes`] (and the log's).
pub(crate) fn router() -> Router<AppState> {
    routes().into_iter().fold(Router::new(), |r, (path, handlers)| r.route(path, handlers)).merge(log::router())
}

/// Every path the pages answer (`{id}` for a parameter), from the list the router is built
/// from: what a test walks so that a new page is covered as soon as it is routed.
#[must_use]
pub fn paths() -> Vec<&'static str> {
    routes().into_iter().map(|(path, _)| path).chain(LOG_PAGES).collect()
}

/// The HTML 404 page for any address the web and the API do not know (in the viewer's frame
/// when signed in: the extractor finds the viewer).
pub async fn not_found(_viewer: crate::session::MaybeViewer) -> WebError {
    missing()
}

/// What an unknown address is.
pub(crate) fn missing() -> WebError {
    WebError::NotFound("There is no page at this address.".into())
}

/// A marking as a page tags what it shows: words for people, and a class for the colour.
#[derive(Debug, Clone)]
pub(crate) struct MarkingTag {
    /// "members only", "released to UKR", "public".
    pub words: String,
    /// The marking as the API and the log spell it, for the title attribute.
    pub spelled: String,
    pub class: &'static str,
}

impl MarkingTag {
    pub(crate) fn of(m: Marking) -> Self {
        let (words, class) = match m {
            Marking::Members => ("members only".to_owned(), "mk-members"),
            Marking::MembersAndPartner(p) => (format!("released to {p}"), "mk-partner"),
            Marking::Public => ("public".to_owned(), "mk-public"),
        };
        Self { words, spelled: m.to_string(), class }
    }

    /// The tag of a proposal: its reach, narrowed among the members to its body's own.
    pub(crate) fn of_proposal(s: &concord_core::State, p: &concord_core::Proposal) -> Self {
        let mut tag = Self::of(s.proposal_reach(p));
        if let Some(body) = p.body.as_ref().filter(|_| tag.class != "mk-public") {
            tag.words = match s.proposal_reach(p) {
                Marking::MembersAndPartner(partner) => format!("{body}'s members and {partner}"),
                _ => format!("{body}'s members only"),
            };
            tag.spelled = format!("{} (body {body})", tag.spelled);
        }
        tag
    }
}

/// The audiences beyond the members something may be released to — each partner, then the
/// public — as options, the one spelled `selected` selected (the circulate and publish forms).
pub(crate) fn wider_audiences(s: &concord_core::State, selected: &str) -> Vec<crate::forms::Opt> {
    let partners =
        s.partners.values().map(|p| (Marking::MembersAndPartner(p.code), format!("the members and {}", p.name)));
    partners
        .chain([(Marking::Public, "the public".to_owned())])
        .map(|(m, label)| {
            let value = m.to_string();
            crate::forms::Opt { selected: value == selected, label, value }
        })
        .collect()
}

/// A rendered page with status 200.
pub(crate) fn page(t: &impl Template) -> Result<Response, WebError> {
    Ok(Html(t.render()?).into_response())
}

/// A rendered page with another status (a form shown again with its errors: 422).
pub(crate) fn page_with(status: StatusCode, t: &impl Template) -> Result<Response, WebError> {
    Ok((status, Html(t.render()?)).into_response())
}
