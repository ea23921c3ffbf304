//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::api;

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Concord API", description = "Consensus decisions and support coordination for an alliance of states. Errors are RFC 9457 problem documents; times are RFC 3339; countries ISO 3166-1 alpha-3."),
    paths(
        api::health::healthz, api::health::readyz,
        api::members::list, api::members::show, api::members::admit, api::members::depart, api::members::register_key, api::members::revoke_key,
        api::partners::list, api::partners::register,
        api::proposals::list, api::proposals::show, api::proposals::draft, api::proposals::circulate,
        api::proposals::amend, api::proposals::extend, api::proposals::curtail, api::proposals::withdraw,
        api::proposals::positions, api::proposals::take_position, api::proposals::outcome,
        api::support::register_donor, api::support::file_request, api::support::withdraw_request,
        api::support::record_pledge, api::support::import_pledges, api::support::change_status, api::support::record_delivery,
        api::support::correct_deliveries, api::support::confirm_receipt, api::support::form_coalition,
        api::support::join_coalition, api::support::create_fund, api::support::record_rate,
        api::support::report_totals, api::support::report_delivery, api::support::report_gaps, api::support::report_shares,
        api::support_reads::list_requests, api::support_reads::show_request, api::support_reads::list_pledges,
        api::support_reads::show_pledge, api::support_reads::list_pledge_deliveries, api::support_reads::show_delivery,
        api::support_reads::list_coalitions, api::support_reads::show_coalition, api::support_reads::list_funds,
        api::support_reads::show_fund, api::support_reads::list_donors, api::support_reads::list_rates,
        api::log::entries, api::log::checkpoint, api::log::inclusion, api::log::consistency,
    ),
    modifiers(&Bearer),
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("cct_…").build()),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
