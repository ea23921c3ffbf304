//! The IATI export of a support state built by running real commands through
//! `concord_core::decide` and `State::apply`, validated against the IATI 2.03 schema with
//! `xmllint` (Debian's `libxml2-utils`, installed by `.ci/run`), and read back with `xmllint
//! --xpath`, a reader independent of the writer under test.
//!
//! Without `xmllint` these tests fail: a schema test that skips itself proves nothing.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use concord_core::support::{
    Capability, Channel, CoalitionId, CoalitionTerms, Currency, DonorState, FundId, FundPolicy, FundTerms, Money,
    PledgeId, PledgeStatus, PledgeTerms, RangeClass, SupportCategory, SupportCommand, ValuationMethod,
};
use concord_core::{
    Actor, Command, CountryCode, DecisionKind, Member, Partner, Procedure, ProposalId, ProposalStatus, State, decide,
};
use concord_iati::{Error, Options, activities};
use jiff::Timestamp;
use jiff::civil::{Date, date};

/// The reference list of members (domain.md §4): `alpha3,alpha2,numeric,name,accession`.
const MEMBERS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference/members.csv"));

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/iati-2.03/iati-activities-schema.xsd")
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s:?} is not an instant: {e}"))
}

fn c(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}

fn eur(minor_units: i64) -> Money {
    Money { minor_units, currency: Currency::EUR }
}

/// Support commands run at this instant, after the programme was adopted.
fn now() -> Timestamp {
    ts("2024-03-10T09:00:00Z")
}

/// A delivery day: after the pledges' announcement, before [`now`].
fn day() -> Date {
    date(2024, 3, 9)
}

fn options() -> Options {
    Options {
        reporting_org_ref: "XI-IATI-CONCORD".into(),
        reporting_org_name: "Concord Alliance Secretariat".into(),
        generated: ts("2024-03-11T12:00:00Z"),
    }
}

/// A state built only through `decide` and `apply`.
struct World {
    state: State,
}

impl World {
    /// Decides `command`, which must be accepted, and applies its events.
    fn run(&mut self, actor: Actor, command: &Command, at: Timestamp) {
        let events = decide(&self.state, actor, command, at)
            .unwrap_or_else(|r| panic!("{actor} {command:?} at {at} was refused: {r}"));
        for e in &events {
            self.state.apply(e).unwrap_or_else(|err| panic!("{e:?} does not apply: {err}"));
        }
    }

    /// The 32 members, Ukraine as partner, Australia as a non-member donor, an adopted assistance
    /// programme, the non-lethal alliance fund on it, and an artillery coalition.
    fn alliance() -> Self {
        let mut w = Self { state: State::new() };
        let s = Actor::Secretariat;
        let at = ts("2024-01-02T08:00:00Z");
        for line in MEMBERS_CSV.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.trim().split(',').collect();
            let member = Member {
                code: c(f[0]),
                alpha2: f[1].into(),
                numeric: f[2].into(),
                name: f[3].into(),
                accession: f[4].parse().unwrap_or_else(|e| panic!("accession of {}: {e}", f[0])),
                departure: None,
            };
            w.run(s, &Command::AdmitMember { member }, at);
        }
        w.run(s, &Command::RegisterPartner { partner: Partner { code: c("UKR"), name: "Ukraine".into() } }, at);

        // An assistance programme, adopted by silence: nobody breaks it before the deadline.
        let t0 = ts("2024-02-27T09:00:00Z");
        let deadline = ts("2024-03-08T12:00:00Z");
        let programme = ProposalId(1);
        let draft = Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::AssistanceProgramme,
            significance: None,
            title: "Comprehensive assistance".into(),
            text: "The alliance sets up a non-lethal trust fund for Ukraine.".into(),
        };
        w.run(s, &draft, t0);
        w.run(
            s,
            &Command::Circulate {
                proposal: programme,
                procedure: Procedure::Silence,
                deadline,
                marking: None,
                urgent: None,
            },
            t0,
        );
        w.run(Actor::Scheduler, &Command::CloseAtDeadline { proposal: programme }, deadline);
        assert_eq!(w.state.proposals[&programme].status, ProposalStatus::Adopted);

        w.run(
            s,
            &Command::Support(SupportCommand::RegisterDonorState {
                donor: DonorState { code: c("AUS"), name: "Australia".into() },
            }),
            now(),
        );
        let fund = FundTerms {
            name: "Comprehensive Assistance Package Trust Fund".into(),
            channel: Channel::AllianceFund,
            policy: FundPolicy::NonLethalOnly,
            authorised_by: programme,
        };
        w.run(s, &Command::Support(SupportCommand::CreateFund { fund }), now());
        let coalition = CoalitionTerms {
            name: "Artillery Coalition".into(),
            capability: Capability::Artillery,
            leads: [c("FRA"), c("USA")].into(),
            participants: [c("FRA"), c("USA"), c("AUS"), c("EST")].into(),
            formed_on: Some(date(2024, 2, 14)),
        };
        w.run(s, &Command::Support(SupportCommand::FormCoalition { coalition }), now());
        w
    }

    /// Records `terms` with `status` (as the secretariat, entering public data); the pledge's id.
    fn pledge(&mut self, terms: PledgeTerms, status: PledgeStatus) -> PledgeId {
        let id = self.state.support.next_pledge_id();
        self.run(
            Actor::Secretariat,
            &Command::Support(SupportCommand::RecordPledge { pledge: terms, status: Some(status) }),
            now(),
        );
        id
    }

    fn deliver(&mut self, pledge: PledgeId, quantity: u64, value: i64) {
        let cmd = Command::Support(SupportCommand::RecordDelivery {
            pledge,
            delivered_on: day(),
            quantity,
            value: eur(value),
        });
        self.run(Actor::Secretariat, &cmd, now());
    }
}

/// A bilateral pledge by `donor` to Ukraine: 100 of `category` worth 1,000,000.00 EUR,
/// announced on 2024-03-01.
fn bilateral(donor: &str, category: SupportCategory) -> PledgeTerms {
    PledgeTerms {
        donor: c(donor),
        recipient: c("UKR"),
        request: None,
        channel: Channel::Bilateral,
        coalition: None,
        fund: None,
        category,
        capability: Capability::Artillery,
        range: RangeClass::NotApplicable,
        item: category.words().into(),
        quantity: 100,
        value: eur(100_000_000),
        valuation: ValuationMethod::ReportedByDonor,
        announced_on: Some(date(2024, 3, 1)),
        source_ref: None,
        authorised_by: None,
    }
}

/// The item name that must come through escaped.
const TRICKY_ITEM: &str = r#"155mm shells <M795> & "fuzes" 'DM'"#;

/// Pledges covering every transaction rule:
/// 1. bilateral artillery ammunition, announced only, 1234567 cents, a tricky item name;
/// 2. medical supplies to the alliance fund, committed;
/// 3. Australia's coalition artillery ammunition, fully delivered in two shipments, one confirmed;
/// 4. US long-range missiles, undated, partly delivered, then corrected downwards;
/// 5. French humanitarian relief, cancelled;
/// 6. Italian training through another multilateral, allocated.
fn world() -> World {
    let mut w = World::alliance();
    let p1 = PledgeTerms {
        item: TRICKY_ITEM.into(),
        value: eur(1_234_567),
        source_ref: Some("Press release <1> & more".into()),
        ..bilateral("DEU", SupportCategory::ArtilleryAmmunition)
    };
    w.pledge(p1, PledgeStatus::Announced);
    let p2 = PledgeTerms {
        channel: Channel::AllianceFund,
        fund: Some(FundId::FIRST),
        capability: Capability::Medical,
        item: "First-aid kits".into(),
        ..bilateral("NOR", SupportCategory::Medical)
    };
    w.pledge(p2, PledgeStatus::Committed);
    let p3 = PledgeTerms {
        channel: Channel::Coalition,
        coalition: Some(CoalitionId::FIRST),
        ..bilateral("AUS", SupportCategory::ArtilleryAmmunition)
    };
    let p3 = w.pledge(p3, PledgeStatus::Committed);
    w.deliver(p3, 40, 40_000_000);
    w.deliver(p3, 60, 60_000_000);
    let first = w.state.support.pledges[&p3].deliveries[0];
    w.run(
        Actor::Partner(c("UKR")),
        &Command::Support(SupportCommand::ConfirmReceipt { delivery: first, note: None }),
        now(),
    );
    let p4 = PledgeTerms {
        announced_on: None,
        range: RangeClass::Long,
        item: "ATACMS".into(),
        ..bilateral("USA", SupportCategory::LongRangeMissiles)
    };
    let p4 = w.pledge(p4, PledgeStatus::Allocated);
    w.deliver(p4, 10, 10_000_000);
    let correction = Command::Support(SupportCommand::CorrectDeliveries {
        pledge: p4,
        delivered_on: day(),
        quantity: -2,
        value: eur(-2_000_050),
        reason: "two counted twice".into(),
    });
    w.run(Actor::Secretariat, &correction, now());
    let p5 = w.pledge(bilateral("FRA", SupportCategory::HumanitarianRelief), PledgeStatus::Announced);
    w.run(
        Actor::Secretariat,
        &Command::Support(SupportCommand::ChangePledgeStatus { pledge: p5, status: PledgeStatus::Cancelled }),
        now(),
    );
    let p6 = PledgeTerms { channel: Channel::OtherMultilateral, ..bilateral("ITA", SupportCategory::Training) };
    w.pledge(p6, PledgeStatus::Allocated);
    w
}

/// The exported document, written to a file the checks can read.
struct Doc {
    xml: String,
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Doc {
    fn new(xml: String) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let path = dir.path().join("activities.xml");
        std::fs::write(&path, &xml).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        Self { xml, _dir: dir, path }
    }

    fn export(state: &State) -> Self {
        Self::new(activities(state, &options()).unwrap_or_else(|e| panic!("export failed: {e}")))
    }

    /// `xmllint --xpath 'string(expr)'`: the expression's string value.
    fn string(&self, expr: &str) -> String {
        let out = xmllint(&["--xpath", &format!("string({expr})"), path_str(&self.path)]);
        assert!(out.status.success() || out.status.code() == Some(10), "xmllint --xpath {expr}: {out:?}");
        // xmllint ends its answer with a newline of its own.
        let s = String::from_utf8_lossy(&out.stdout);
        s.strip_suffix('\n').unwrap_or(&s).to_owned()
    }

    fn count(&self, expr: &str) -> usize {
        let n = self.string(&format!("count({expr})"));
        n.trim().parse().unwrap_or_else(|e| panic!("count({expr}) gave {n:?}: {e}"))
    }

    /// The transaction types of activity `n` (from 1), in document order.
    fn transaction_types(&self, n: usize) -> Vec<String> {
        let k = self.count(&format!("/iati-activities/iati-activity[{n}]/transaction"));
        (1..=k)
            .map(|i| {
                self.string(&format!("/iati-activities/iati-activity[{n}]/transaction[{i}]/transaction-type/@code"))
            })
            .collect()
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or_else(|| panic!("{} is not UTF-8", p.display()))
}

/// Runs xmllint; fails, naming the package, when it is not installed.
fn xmllint(args: &[&str]) -> std::process::Output {
    Process::new("xmllint").args(args).output().unwrap_or_else(|e| {
        panic!(
            "xmllint could not be run ({e}): install it (Debian: apt-get install libxml2-utils; .ci/run does); \
             the IATI export is only tested against the schema"
        )
    })
}

/// Validates the file against the IATI 2.03 activities schema; xmllint's report on failure.
fn validate(path: &Path) -> Result<(), String> {
    let xsd = schema();
    assert!(xsd.is_file(), "the IATI schema is missing at {}", xsd.display());
    let out = xmllint(&["--noout", "--schema", path_str(&xsd), path_str(path)]);
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

fn assert_valid(doc: &Doc) {
    if let Err(report) = validate(&doc.path) {
        panic!("the export does not validate against IATI 2.03:\n{report}\n{}", doc.xml);
    }
}

#[test]
fn the_export_validates_against_the_iati_2_03_schema() {
    let doc = Doc::export(&world().state);
    assert_valid(&doc);
    assert_eq!(doc.count("/iati-activities/iati-activity"), 6, "one activity per pledge");
    assert_eq!(doc.string("/iati-activities/@version"), "2.03");
    assert_eq!(doc.string("/iati-activities/@generated-datetime"), "2024-03-11T12:00:00Z");
    assert_eq!(doc.string("/iati-activities/iati-activity[1]/iati-identifier"), "XI-IATI-CONCORD-PLEDGE-1");
    assert_eq!(doc.string("/iati-activities/iati-activity[6]/iati-identifier"), "XI-IATI-CONCORD-PLEDGE-6");
    assert_eq!(doc.count("//reporting-org[@ref='XI-IATI-CONCORD' and @type='40']"), 6);
    assert_eq!(doc.count("//iati-activity/recipient-country[@code='UA']"), 6, "Ukraine is UA in IATI");
}

#[test]
fn the_validator_is_not_vacuous_an_element_out_of_order_fails() {
    // Moving activity-status after activity-date breaks the xs:sequence: the schema check must see it.
    let doc = Doc::export(&world().state);
    let status = r#"<activity-status code="1"/>"#;
    let at = doc.xml.find(status).unwrap_or_else(|| panic!("no {status} in\n{}", doc.xml));
    let mut broken = doc.xml.clone();
    broken.replace_range(at..at + status.len(), "");
    let date_end = broken[at..].find("</activity-date>").map(|i| at + i + "</activity-date>".len());
    broken.insert_str(date_end.unwrap_or_else(|| panic!("no activity date")), status);
    let broken = Doc::new(broken);
    assert!(validate(&broken.path).is_err(), "an out-of-order activity-status was accepted");
}

#[test]
fn amounts_are_exact_decimals_with_currency_and_value_date() {
    let doc = Doc::export(&world().state);
    let value = "/iati-activities/iati-activity[1]/transaction[1]/value";
    assert_eq!(doc.string(value), "12345.67", "1234567 EUR cents");
    assert_eq!(doc.string(&format!("{value}/@currency")), "EUR");
    assert_eq!(doc.string(&format!("{value}/@value-date")), "2024-03-01");
    assert!(doc.xml.contains(r#"<value currency="EUR" value-date="2024-03-01">12345.67</value>"#), "{}", doc.xml);
    // The correction on pledge 4 takes 20000.50 EUR back: a negative disbursement.
    let corr = "/iati-activities/iati-activity[4]/transaction[transaction-type/@code='3'][2]";
    assert_eq!(doc.string(&format!("{corr}/value")), "-20000.50");
    assert!(doc.string(&format!("{corr}/description/narrative")).contains("two counted twice"));
    assert_eq!(
        doc.string("/iati-activities/iati-activity[4]/transaction[transaction-type/@code='3'][1]/value"),
        "100000.00"
    );
}

#[test]
fn item_names_and_sources_are_escaped_and_read_back_unchanged() {
    let doc = Doc::export(&world().state);
    assert_valid(&doc);
    assert!(!doc.xml.contains("<M795>"), "markup from an item name reached the document");
    assert!(doc.xml.contains("&lt;M795&gt; &amp; &quot;fuzes&quot;"), "{}", doc.xml);
    let title = doc.string("/iati-activities/iati-activity[1]/title/narrative");
    assert!(title.starts_with(TRICKY_ITEM), "{title:?}");
    let description = doc.string("/iati-activities/iati-activity[1]/description/narrative");
    assert!(description.contains(TRICKY_ITEM) && description.contains("Press release <1> & more"), "{description:?}");
}

#[test]
fn transaction_types_follow_the_pledge_s_status_and_deliveries() {
    let doc = Doc::export(&world().state);
    let status = |n: usize| doc.string(&format!("/iati-activities/iati-activity[{n}]/activity-status/@code"));
    // 1: announced only: an outgoing pledge; pipeline.
    assert_eq!(doc.transaction_types(1), ["12"]);
    assert_eq!(status(1), "1");
    // 2: committed: pledge and commitment; implementation.
    assert_eq!(doc.transaction_types(2), ["12", "2"]);
    assert_eq!(status(2), "2");
    // 3: delivered in two shipments: pledge, commitment, two disbursements; one receipt still
    // unconfirmed, so finalisation rather than closed; the last delivery ends it.
    assert_eq!(doc.transaction_types(3), ["12", "2", "3", "3"]);
    assert_eq!(status(3), "3");
    assert_eq!(doc.string("/iati-activities/iati-activity[3]/activity-date[@type='4']/@iso-date"), "2024-03-09");
    assert_eq!(
        doc.string("/iati-activities/iati-activity[3]/transaction[3]/@ref"),
        "XI-IATI-CONCORD-PLEDGE-3-DELIVERY-1"
    );
    // 4: allocated, one delivery and one correction.
    assert_eq!(doc.transaction_types(4), ["12", "2", "3", "3"]);
    assert_eq!(status(4), "2");
    // 5: cancelled: the pledge was made, nothing more; cancelled.
    assert_eq!(doc.transaction_types(5), ["12"]);
    assert_eq!(status(5), "5");
    // 6: allocated.
    assert_eq!(doc.transaction_types(6), ["12", "2"]);
    // Every transaction names the donor as provider and the partner as receiver.
    assert_eq!(doc.string("/iati-activities/iati-activity[3]/transaction[1]/provider-org/narrative"), "Australia");
    assert_eq!(doc.string("/iati-activities/iati-activity[3]/transaction[1]/receiver-org/narrative"), "Ukraine");
}

#[test]
fn delivered_and_fully_confirmed_is_closed() {
    let mut w = world();
    let second = w.state.support.pledges[&PledgeId::new(3).unwrap()].deliveries[1];
    w.run(
        Actor::Partner(c("UKR")),
        &Command::Support(SupportCommand::ConfirmReceipt { delivery: second, note: None }),
        now(),
    );
    let doc = Doc::export(&w.state);
    assert_valid(&doc);
    assert_eq!(doc.string("/iati-activities/iati-activity[3]/activity-status/@code"), "4");
}

#[test]
fn lethal_categories_get_vocabulary_99_and_dac_codes_only_where_they_apply() {
    let doc = Doc::export(&world().state);
    let sectors = |n: usize| doc.count(&format!("/iati-activities/iati-activity[{n}]/sector"));
    let code = |n: usize, vocabulary: &str| {
        doc.string(&format!("/iati-activities/iati-activity[{n}]/sector[@vocabulary='{vocabulary}']/@code"))
    };
    // Artillery ammunition and long-range missiles: lethal, our own vocabulary only.
    assert_eq!(code(1, "99"), "CONCORD-L-06-ARTILLERY-AMMO");
    assert_eq!(sectors(1), 1, "no DAC code for weapons: they are not ODA");
    assert_eq!(code(4, "99"), "CONCORD-L-13-LONG-RANGE-MISSILES");
    // Medical supplies: vocabulary 99, and DAC 12191 (medical services).
    assert_eq!(code(2, "99"), "CONCORD-NL-01-MEDICAL");
    assert_eq!(code(2, "1"), "12191");
    // Humanitarian relief: DAC 72010, and the activity is flagged humanitarian.
    assert_eq!(code(5, "1"), "72010");
    assert_eq!(doc.string("/iati-activities/iati-activity[5]/@humanitarian"), "1");
    assert_eq!(doc.count("/iati-activities/iati-activity[@humanitarian]"), 1);
}

#[test]
fn participating_organisations_follow_the_channel() {
    let doc = Doc::export(&world().state);
    let org = |n: usize, role: &str| {
        doc.string(&format!("/iati-activities/iati-activity[{n}]/participating-org[@role='{role}']/narrative"))
    };
    let orgs = |n: usize| doc.count(&format!("/iati-activities/iati-activity[{n}]/participating-org"));
    // Bilateral: the donor funds and implements.
    assert_eq!((org(1, "1"), org(1, "4")), ("Germany".to_owned(), "Germany".to_owned()));
    // Alliance fund: the fund implements.
    assert_eq!(org(2, "1"), "Norway");
    assert_eq!(org(2, "4"), "Comprehensive Assistance Package Trust Fund");
    // Coalition, with a non-member donor: the coalition implements.
    assert_eq!((org(3, "1"), org(3, "4")), ("Australia".to_owned(), "Artillery Coalition".to_owned()));
    // Another multilateral, which the pledge does not name: funding only.
    assert_eq!(org(6, "1"), "Italy");
    assert_eq!(orgs(6), 1);
}

#[test]
fn an_undated_pledge_is_dated_by_the_earliest_day_recorded_and_says_so() {
    let doc = Doc::export(&world().state);
    let date = "/iati-activities/iati-activity[4]/activity-date[@type='2']";
    // Recorded on 2024-03-10, first delivered on 2024-03-09: it existed by then.
    assert_eq!(doc.string(&format!("{date}/@iso-date")), "2024-03-09");
    assert!(doc.string(&format!("{date}/narrative")).contains("unknown"));
    assert_eq!(doc.string("/iati-activities/iati-activity[4]/transaction[1]/transaction-date/@iso-date"), "2024-03-09");
    // A dated one has no such note.
    assert_eq!(doc.count("/iati-activities/iati-activity[1]/activity-date/narrative"), 0);
}

#[test]
fn the_same_state_gives_the_same_bytes() {
    let state = world().state;
    let a = activities(&state, &options()).unwrap_or_else(|e| panic!("{e}"));
    let b = activities(&state, &options()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b);
    assert!(a.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#));
}

#[test]
fn an_empty_support_state_has_no_valid_document_and_says_so() {
    // The schema requires at least one iati-activity (iati-activities: minOccurs="1"), so an
    // empty document would not validate: the export refuses instead of writing one.
    let w = World::alliance();
    assert!(matches!(activities(&w.state, &options()), Err(Error::NoPledges)));
    assert!(matches!(activities(&State::new(), &options()), Err(Error::NoPledges)));
    let empty = Doc::new(r#"<?xml version="1.0" encoding="UTF-8"?><iati-activities version="2.03"/>"#.into());
    let report = validate(&empty.path).err().unwrap_or_else(|| panic!("an empty iati-activities validated"));
    assert!(report.contains("iati-activity"), "{report}");
}

#[test]
fn unusable_options_and_unknown_partner_codes_are_errors() {
    let state = world().state;
    let with = |reporting_org_ref: &str, reporting_org_name: &str| Options {
        reporting_org_ref: reporting_org_ref.into(),
        reporting_org_name: reporting_org_name.into(),
        ..options()
    };
    assert!(matches!(activities(&state, &with(" ", "Secretariat")), Err(Error::MissingOption(_))));
    assert!(matches!(activities(&state, &with("XI-IATI-X", "")), Err(Error::MissingOption(_))));
    assert!(matches!(activities(&state, &with("XI IATI/X", "Secretariat")), Err(Error::InvalidOrgRef(_))));

    // A partner whose alpha-2 code the export does not know: refused, not guessed.
    let mut w = World::alliance();
    let moldova = Partner { code: c("MDA"), name: "Moldova".into() };
    w.run(Actor::Secretariat, &Command::RegisterPartner { partner: moldova }, now());
    w.pledge(
        PledgeTerms { recipient: c("MDA"), ..bilateral("ROU", SupportCategory::Demining) },
        PledgeStatus::Announced,
    );
    let err = activities(&w.state, &options()).err();
    assert!(matches!(err, Some(Error::NoAlpha2(code)) if code == c("MDA")), "{err:?}");
}
