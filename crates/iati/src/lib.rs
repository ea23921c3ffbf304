//! Concord's IATI export: the support state as an IATI 2.03 activities document
//! (`../shared/reference/domain.md` §3.2, issue 3 item 8).
//!
//! Each pledge is one `iati-activity`, so that the alliance's record of who gives what, through
//! which channel, can be read by the tools that already read aid data. An activity carries the
//! pledge's donor (funding, role 1) and whoever carries it out (implementing, role 4: the donor,
//! or the fund or coalition it goes through), the partner as recipient country, the category as a
//! sector in Concord's own vocabulary (99: military items are not ODA and have no DAC code) and in
//! the DAC vocabulary where one honestly applies, and its money as transactions: 12 (outgoing
//! pledge) for the announcement, 2 (outgoing commitment) once committed, 3 (disbursement) for
//! each delivery record, corrections as signed amounts.
//!
//! Elements are written in the order of the `xs:sequence`s of `iati-activities-schema.xsd`,
//! through `quick-xml`'s writer, which escapes every text and attribute value. Amounts are exact
//! decimals from integer minor units. Like the domain, this crate reads no clock: the document's
//! `generated-datetime` is an argument, every other date comes from the state, so one state and
//! one set of options always give the same bytes.
//!
//! The schema checks structure only (domain.md §3.2): the codes written here (roles, statuses,
//! transaction types, organisation types) come from the IATI 2.03 codelists, named beside each.

#![forbid(unsafe_code)]

use std::io;

use concord_core::support::{
    AidType, Channel, CoalitionId, Delivery, DeliveryId, FundId, Money, Pledge, PledgeId, PledgeStatus, RangeClass,
};
use concord_core::{CountryCode, State};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

mod country;

pub use country::alpha2;

/// The IATI standard version the document declares and follows.
pub const VERSION: &str = "2.03";

/// OrganisationType 40, Multilateral: the alliance, which reports, and its funds.
const ORG_MULTILATERAL: &str = "40";
/// OrganisationType 10, Government: donor states and the partner.
const ORG_GOVERNMENT: &str = "10";
/// OrganisationType 90, Other: a coalition is a group of states, not an organisation of its own.
const ORG_OTHER: &str = "90";

/// The reporting organisation's identifier when none is configured (`XI-` is IATI's prefix for
/// organisations without a registration agency).
pub const DEFAULT_ORG_REF: &str = "XI-CONCORD-ALLIANCE";
/// The reporting organisation's name when none is configured.
pub const DEFAULT_ORG_NAME: &str = "Alliance secretariat (Concord)";

/// Who publishes the document, and when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The reporting organisation's IATI organisation identifier (e.g. `XI-IATI-EXAMPLE`); it
    /// prefixes every activity's identifier, as the standard requires.
    pub reporting_org_ref: String,
    /// Its name, as people say it.
    pub reporting_org_name: String,
    /// When the document is generated: given, never read from a clock.
    pub generated: Timestamp,
}

/// Why no document could be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// IATI 2.03 requires at least one `iati-activity` in `iati-activities`
    /// (`minOccurs="1"`): a state without pledges has no valid document.
    #[error(
        "there are no pledges to export, and an IATI 2.03 document must hold at least one activity: record a pledge first"
    )]
    NoPledges,
    #[error(
        "the reporting organisation's {0} is empty: give the IATI organisation identifier and name it publishes under"
    )]
    MissingOption(&'static str),
    /// An identifier must not hold spaces or the characters IATI reserves (`/ ? #`).
    #[error(
        "{0:?} cannot be an IATI organisation identifier: it may not contain spaces, '/', '?' or '#' (e.g. XI-IATI-EXAMPLE)"
    )]
    InvalidOrgRef(String),
    #[error("pledge {pledge} names donor {donor}, which is neither a member nor a registered donor state")]
    UnknownDonor { pledge: PledgeId, donor: CountryCode },
    #[error("pledge {pledge} goes to {recipient}, which is not a registered partner")]
    UnknownRecipient { pledge: PledgeId, recipient: CountryCode },
    /// IATI names countries by ISO 3166-1 alpha-2; Concord by alpha-3.
    #[error("no ISO 3166-1 alpha-2 code is known for {0}: add it to the export's table (crates/iati/src/country.rs)")]
    NoAlpha2(CountryCode),
    #[error("pledge {pledge} names fund {fund}, which does not exist")]
    UnknownFund { pledge: PledgeId, fund: FundId },
    #[error("pledge {pledge} names coalition {coalition}, which does not exist")]
    UnknownCoalition { pledge: PledgeId, coalition: CoalitionId },
    #[error("pledge {pledge} lists delivery {delivery}, which does not exist")]
    UnknownDelivery { pledge: PledgeId, delivery: DeliveryId },
    #[error("writing the XML failed: {0}")]
    Write(#[from] io::Error),
}

/// The support state as an IATI 2.03 `iati-activities` document, one activity per pledge in id
/// order.
///
/// # Errors
/// [`Error::NoPledges`] when there is nothing to export (the schema allows no empty document),
/// [`Error::MissingOption`] or [`Error::InvalidOrgRef`] for unusable options, and the
/// `Unknown…`/[`Error::NoAlpha2`] errors when the state names something it does not hold (which
/// `State::apply` never lets happen) or a partner whose alpha-2 code is not known.
pub fn activities(state: &State, options: &Options) -> Result<String, Error> {
    let org_ref = options.reporting_org_ref.trim();
    if org_ref.is_empty() {
        return Err(Error::MissingOption("identifier (reporting_org_ref)"));
    }
    if options.reporting_org_name.trim().is_empty() {
        return Err(Error::MissingOption("name (reporting_org_name)"));
    }
    if org_ref.chars().any(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#')) {
        return Err(Error::InvalidOrgRef(options.reporting_org_ref.clone()));
    }
    let support = &state.support;
    if support.pledges.is_empty() {
        return Err(Error::NoPledges);
    }

    let mut x = Xml(Writer::new_with_indent(Vec::new(), b' ', 2));
    x.0.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let generated = options.generated.to_string();
    x.start("iati-activities", &[("version", VERSION), ("generated-datetime", &generated)])?;
    for pledge in support.pledges.values() {
        activity(&mut x, state, options, org_ref, pledge)?;
    }
    x.end("iati-activities")?;
    let mut bytes = x.0.into_inner();
    bytes.push(b'\n');
    // The writer was only ever given `str`s, so the bytes are UTF-8.
    Ok(String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?)
}

/// What an activity needs to know about one pledge, looked up once.
struct Parties<'a> {
    donor: &'a str,
    recipient: &'a str,
    recipient_alpha2: String,
    /// The implementing organisation (role 4): name and OrganisationType, if one is known.
    implementing: Option<(&'a str, &'static str)>,
}

fn parties<'a>(state: &'a State, p: &'a Pledge) -> Result<Parties<'a>, Error> {
    let t = &p.terms;
    let id = p.id;
    let donor = state
        .members
        .get(&t.donor)
        .map(|m| m.name.as_str())
        .or_else(|| state.support.donors.get(&t.donor).map(|d| d.name.as_str()))
        .ok_or(Error::UnknownDonor { pledge: id, donor: t.donor })?;
    let recipient = state
        .partners
        .get(&t.recipient)
        .map(|r| r.name.as_str())
        .ok_or(Error::UnknownRecipient { pledge: id, recipient: t.recipient })?;
    let recipient_alpha2 = alpha2(state, t.recipient).ok_or(Error::NoAlpha2(t.recipient))?;
    // Role 4 is whoever carries the support out. A fund or a coalition does, when the pledge goes
    // through one; otherwise the donor itself (bilateral, or alliance-coordinated: the alliance
    // coordinates, members pay and deliver). Another multilateral (the EU's EPF) is not named in
    // the pledge, so no implementing organisation is claimed for it.
    let implementing = if let Some(f) = t.fund {
        let fund = state.support.funds.get(&f).ok_or(Error::UnknownFund { pledge: id, fund: f })?;
        Some((fund.terms.name.as_str(), ORG_MULTILATERAL))
    } else if let Some(c) = t.coalition {
        let coalition = state.support.coalitions.get(&c).ok_or(Error::UnknownCoalition { pledge: id, coalition: c })?;
        Some((coalition.terms.name.as_str(), ORG_OTHER))
    } else {
        // (The rules give every alliance-fund pledge a fund and every coalition pledge a
        // coalition; were one missing, the donor is still who gives.)
        match t.channel {
            Channel::Bilateral | Channel::AllianceCoordinated | Channel::AllianceFund | Channel::Coalition => {
                Some((donor, ORG_GOVERNMENT))
            }
            Channel::OtherMultilateral => None,
        }
    };
    Ok(Parties { donor, recipient, recipient_alpha2, implementing })
}

/// ActivityStatus for a pledge: 1 pipeline while only announced; 2 implementation from
/// committed until delivered; 3 finalisation once delivered, 4 closed when the partner has also
/// confirmed every delivery; 5 cancelled.
#[must_use]
pub fn activity_status(p: &Pledge, deliveries: &[&Delivery]) -> &'static str {
    match p.status {
        PledgeStatus::Announced => "1",
        PledgeStatus::Committed | PledgeStatus::Allocated | PledgeStatus::PartiallyDelivered => "2",
        PledgeStatus::Delivered => {
            let shipments: Vec<_> = deliveries.iter().filter(|d| !d.is_correction()).collect();
            if !shipments.is_empty() && shipments.iter().all(|d| d.receipt.is_some()) { "4" } else { "3" }
        }
        PledgeStatus::Cancelled => "5",
    }
}

/// Whether the pledge has been committed (IATI transaction 2): committed or any later status on
/// the forward path. A cancelled pledge does not say whether it ever was, so it gets none.
#[must_use]
pub fn is_committed(status: PledgeStatus) -> bool {
    matches!(
        status,
        PledgeStatus::Committed | PledgeStatus::Allocated | PledgeStatus::PartiallyDelivered | PledgeStatus::Delivered
    )
}

fn utc_day(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

fn activity(x: &mut Xml, state: &State, options: &Options, org_ref: &str, p: &Pledge) -> Result<(), Error> {
    let t = &p.terms;
    let who = parties(state, p)?;
    let deliveries: Vec<&Delivery> = p
        .deliveries
        .iter()
        .map(|d| state.support.deliveries.get(d).ok_or(Error::UnknownDelivery { pledge: p.id, delivery: *d }))
        .collect::<Result<_, _>>()?;
    // The activity changed last when its pledge, a delivery or a receipt was recorded.
    let updated = deliveries
        .iter()
        .flat_map(|d| std::iter::once(d.recorded_at.get()).chain(d.receipt.as_ref().map(|r| r.at)))
        .chain(std::iter::once(p.recorded_at.get()))
        .max()
        .unwrap_or(p.recorded_at.get())
        .to_string();
    // The day the pledge starts: its announcement, or (undated pledges are kept, rule 12, and the
    // schema requires a date) the earliest day Concord knows it existed: its recording, or an
    // earlier first delivery. Said so wherever it is used.
    let (start, start_known) = match t.announced_on {
        Some(d) => (d, true),
        None => {
            let first = deliveries.iter().map(|d| d.delivered_on).min();
            (first.map_or(utc_day(p.recorded_at.get()), |f| f.min(utc_day(p.recorded_at.get()))), false)
        }
    };
    let start = start.to_string();
    let currency = t.value.currency.as_str();

    let mut attrs = vec![("default-currency", currency), ("last-updated-datetime", updated.as_str())];
    if t.category.aid_type() == AidType::Humanitarian {
        attrs.push(("humanitarian", "1"));
    }
    // Narratives then need no language of their own.
    attrs.push(("xml:lang", "en"));
    x.start("iati-activity", &attrs)?;

    // xs:sequence of iati-activity, in order.
    x.text_element("iati-identifier", &[], &format!("{org_ref}-PLEDGE-{}", p.id))?;
    x.start("reporting-org", &[("ref", org_ref), ("type", ORG_MULTILATERAL)])?;
    x.narrative(&options.reporting_org_name)?;
    x.end("reporting-org")?;
    x.start("title", &[])?;
    x.narrative(&format!("{}: {} from {} to {}", t.item, t.category, who.donor, who.recipient))?;
    x.end("title")?;
    x.start("description", &[("type", "1")])?;
    x.narrative(&description(p, &who, state))?;
    x.end("description")?;
    org(x, "participating-org", &[("role", "1"), ("type", ORG_GOVERNMENT)], who.donor)?;
    if let Some((name, kind)) = who.implementing {
        org(x, "participating-org", &[("role", "4"), ("type", kind)], name)?;
    }
    x.empty("activity-status", &[("code", activity_status(p, &deliveries))])?;
    // ActivityDateType 2 (actual start): the pledge's announcement, the start of the funding.
    let start_date = [("type", "2"), ("iso-date", start.as_str())];
    if start_known {
        x.empty("activity-date", &start_date)?;
    } else {
        x.start("activity-date", &start_date)?;
        x.narrative(
            "Announcement date unknown: the earliest day recorded for the pledge (its recording or first delivery)",
        )?;
        x.end("activity-date")?;
    }
    // ActivityDateType 4 (actual end): the last delivery, once delivered.
    if p.status == PledgeStatus::Delivered {
        if let Some(last) = deliveries.iter().map(|d| d.delivered_on).max() {
            x.empty("activity-date", &[("type", "4"), ("iso-date", &last.to_string())])?;
        }
    }
    x.start("recipient-country", &[("code", &who.recipient_alpha2)])?;
    x.narrative(who.recipient)?;
    x.end("recipient-country")?;
    // SectorVocabulary 99 (the reporting organisation's own) for every category; 1 (DAC 5-digit)
    // too where one honestly applies. One code per vocabulary, so no percentages are needed.
    x.start("sector", &[("vocabulary", "99"), ("code", t.category.iati_code())])?;
    x.narrative(t.category.words())?;
    x.end("sector")?;
    if let Some(dac) = t.category.dac_code() {
        x.empty("sector", &[("vocabulary", "1"), ("code", dac)])?;
    }

    // Transactions: the pledge, the commitment, then each delivery record in order.
    let pledged = Txn {
        kind: "12",
        date: &start,
        value: t.value,
        note: if start_known {
            "Pledge announced".into()
        } else {
            "Pledge recorded; its announcement date is unknown".into()
        },
        reference: None,
    };
    transaction(x, &pledged, &who)?;
    if is_committed(p.status) {
        // The state keeps a pledge's current status, not the day it changed: the commitment is
        // dated like the pledge, and says so.
        let committed = Txn {
            kind: "2",
            date: &start,
            value: t.value,
            note: format!(
                "Committed (status: {}); dated as the pledge, the day of commitment is not recorded",
                p.status
            ),
            reference: None,
        };
        transaction(x, &committed, &who)?;
    }
    for d in &deliveries {
        let date = d.delivered_on.to_string();
        let note = match (&d.correction, &d.receipt) {
            (Some(reason), _) => format!("Correction of the deliveries recorded ({} units): {reason}", d.quantity),
            (None, Some(r)) => format!("{} units delivered; receipt confirmed on {}", d.quantity, utc_day(r.at)),
            (None, None) => format!("{} units delivered; receipt not yet confirmed", d.quantity),
        };
        let reference = format!("{org_ref}-PLEDGE-{}-DELIVERY-{}", p.id, d.id);
        // A correction is a disbursement with a signed value: the schema's value is an
        // xsd:decimal, and a negative disbursement is how IATI reverses one.
        let disbursed = Txn { kind: "3", date: &date, value: d.value, note, reference: Some(&reference) };
        transaction(x, &disbursed, &who)?;
    }
    x.end("iati-activity")
}

fn description(p: &Pledge, who: &Parties<'_>, state: &State) -> String {
    let t = &p.terms;
    let lethal = if t.category.is_lethal() { "lethal" } else { "non-lethal" };
    let mut s = format!(
        "{} pledges {} × {} to {} ({}, {lethal}, {} aid; capability: {}",
        who.donor,
        t.quantity,
        t.item,
        who.recipient,
        t.category,
        t.category.aid_type(),
        t.capability
    );
    if t.range != RangeClass::NotApplicable {
        s.push_str(&format!("; range: {}", t.range));
    }
    s.push_str(&format!("), {}", t.channel));
    let through = t
        .fund
        .and_then(|f| state.support.funds.get(&f).map(|f| f.terms.name.as_str()))
        .or_else(|| t.coalition.and_then(|c| state.support.coalitions.get(&c).map(|c| c.terms.name.as_str())));
    if let Some(name) = through {
        s.push_str(&format!(" through {name}"));
    }
    s.push_str(&format!(". Valued at {} ({}). Status: {}.", t.value, t.valuation, p.status));
    if let Some(src) = &t.source_ref {
        s.push_str(&format!(" Source: {src}."));
    }
    s
}

struct Txn<'a> {
    /// TransactionType: 12 outgoing pledge, 2 outgoing commitment, 3 disbursement.
    kind: &'static str,
    date: &'a str,
    value: Money,
    note: String,
    reference: Option<&'a str>,
}

fn transaction(x: &mut Xml, t: &Txn<'_>, who: &Parties<'_>) -> Result<(), Error> {
    let attrs: Vec<(&str, &str)> = t.reference.map(|r| ("ref", r)).into_iter().collect();
    x.start("transaction", &attrs)?;
    // xs:sequence of transaction, in order.
    x.empty("transaction-type", &[("code", t.kind)])?;
    x.empty("transaction-date", &[("iso-date", t.date)])?;
    let amount = t.value.decimal();
    x.text_element("value", &[("currency", t.value.currency.as_str()), ("value-date", t.date)], &amount)?;
    x.start("description", &[])?;
    x.narrative(&t.note)?;
    x.end("description")?;
    org(x, "provider-org", &[("type", ORG_GOVERNMENT)], who.donor)?;
    org(x, "receiver-org", &[("type", ORG_GOVERNMENT)], who.recipient)?;
    x.end("transaction")
}

/// An organisation element holding its name as a narrative.
fn org(x: &mut Xml, element: &str, attrs: &[(&str, &str)], name: &str) -> Result<(), Error> {
    x.start(element, attrs)?;
    x.narrative(name)?;
    x.end(element)
}

/// The writer, with the few shapes the document uses. Every text and attribute value goes
/// through quick-xml's escaping; nothing is concatenated into markup.
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<(), Error> {
        let mut e = BytesStart::new(name);
        for (k, v) in attrs {
            e.push_attribute((*k, xml_chars(v).as_str()));
        }
        Ok(self.0.write_event(Event::Start(e))?)
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<(), Error> {
        let mut e = BytesStart::new(name);
        for (k, v) in attrs {
            e.push_attribute((*k, xml_chars(v).as_str()));
        }
        Ok(self.0.write_event(Event::Empty(e))?)
    }

    fn end(&mut self, name: &str) -> Result<(), Error> {
        Ok(self.0.write_event(Event::End(BytesEnd::new(name)))?)
    }

    /// `<name attrs>text</name>` on one line.
    fn text_element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> Result<(), Error> {
        let mut w = self.0.create_element(name);
        for (k, v) in attrs {
            w = w.with_attribute((*k, xml_chars(v).as_str()));
        }
        w.write_text_content(BytesText::new(&xml_chars(text)))?;
        Ok(())
    }

    fn narrative(&mut self, text: &str) -> Result<(), Error> {
        self.text_element("narrative", &[], text)
    }
}

/// `s` with the characters XML 1.0 cannot carry at all, even escaped (controls other than tab,
/// newline and return; U+FFFE, U+FFFF), replaced by U+FFFD. The domain's free texts may hold
/// them, and the log cannot be edited; the export shows where one was rather than failing.
fn xml_chars(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_carry_are_replaced_and_the_rest_kept() {
        assert_eq!(xml_chars("a\u{0}b\u{1b}c"), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(xml_chars("tab\tline\n<&\"'é"), "tab\tline\n<&\"'é");
    }

    #[test]
    fn only_the_forward_path_from_committed_counts_as_committed() {
        use PledgeStatus as S;
        assert!(!is_committed(S::Announced));
        assert!(!is_committed(S::Cancelled));
        for s in [S::Committed, S::Allocated, S::PartiallyDelivered, S::Delivered] {
            assert!(is_committed(s), "{s}");
        }
    }
}
