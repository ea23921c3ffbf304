//! Notices by e-mail: one message per notice, or a digest of several, each as plain text and
//! HTML (multipart/alternative), sent over SMTP or written to a folder.
//!
//! A mail leaves the deployment, so it says what happened and by when, and links to the page;
//! it never quotes a proposal's text (a notice does not carry it). Every value is escaped in the
//! HTML part: titles and descriptions are typed by people.
//!
//! A message is a pure function of its notices and settings: its `Message-ID` is derived from
//! the notice ids and its `Date` is when the (latest) notice became due, so the same notice sent
//! twice after a retry is the same message, which mail clients and archives fold into one. The
//! `X-Concord-Notice` header lists the notice ids for a program that files the mail.

use std::path::Path;
use std::time::SystemTime;

use concord_core::notice::Notice;
use jiff::tz::TimeZone;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::said::{Said, Zone, escape_html, said, short_utc};

/// The header naming the notice (or, in a digest, each notice, comma-separated) a mail carries.
pub const NOTICE_HEADER: &str = "X-Concord-Notice";

/// What every mail shares: who sends it and where the site is.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The sender; its domain also names the messages (`Message-ID`).
    pub from: Mailbox,
    /// The site's address as readers reach it (`https://concord.example`): links are made under it.
    pub base_url: String,
}

/// A mail that could not be made or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("a digest needs at least one notice")]
    EmptyDigest,
    #[error("the message could not be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP URL is not usable ({url}): {source}")]
    Url { url: String, source: lettre::transport::smtp::Error },
    #[error("the SMTP relay did not take the message: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("the message could not be written to the folder: {0}")]
    Folder(#[from] lettre::transport::file::Error),
}

impl MailError {
    /// Whether trying again later may succeed: the relay was unreachable or answered with a
    /// temporary failure (4xx), not that the message or the address is wrong.
    #[must_use]
    pub fn retryable(&self) -> bool {
        match self {
            Self::Smtp(e) => !e.is_permanent() && !e.is_client(),
            Self::Folder(_) => true,
            Self::EmptyDigest | Self::Build(_) | Self::Url { .. } => false,
        }
    }
}

/// `notice` as a mail to `to`, whose time zone is `zone` (named `zone_name`, such as
/// `Europe/Paris`): the subject says what and by when, the body shows the deadline in UTC and in
/// that zone, and links to the page.
///
/// # Errors
/// [`MailError::Build`] if lettre refuses the message (it should not for valid mailboxes).
pub fn render(
    notice: &Notice,
    to: &Mailbox,
    zone: &TimeZone,
    zone_name: &str,
    s: &MailSettings,
) -> Result<Message, MailError> {
    let said = said(notice, Zone { tz: zone, name: zone_name }, &s.base_url);
    let plain = format!("{}\n{}", plain_entry(&said), footer_plain(&s.base_url));
    let html = page(&escape_html(&said.subject), &format!("{}{}", html_entry(&said), footer_html(&s.base_url)));
    let message = Message::builder()
        .from(s.from.clone())
        .to(to.clone())
        .subject(said.subject)
        .date(SystemTime::from(notice.at))
        .message_id(Some(message_id(&notice.id, &s.from)))
        .raw_header(notice_header(&notice.id))
        .multipart(MultiPart::alternative_plain_html(plain, html))?;
    Ok(message)
}

/// One mail listing `notices` (the daily digest), in the order given, each as [`render`] would
/// say it. Its `X-Concord-Notice` header lists every notice's id.
///
/// # Errors
/// [`MailError::EmptyDigest`] for no notices; [`MailError::Build`] as for [`render`].
pub fn render_digest(
    notices: &[Notice],
    to: &Mailbox,
    zone: &TimeZone,
    zone_name: &str,
    s: &MailSettings,
) -> Result<Message, MailError> {
    let latest = notices.iter().map(|n| n.at).max().ok_or(MailError::EmptyDigest)?;
    let zone = Zone { tz: zone, name: zone_name };
    let all: Vec<Said> = notices.iter().map(|n| said(n, zone, &s.base_url)).collect();
    let count = match notices.len() {
        1 => "1 notice".to_owned(),
        n => format!("{n} notices"),
    };
    let subject = match notices.iter().filter_map(|n| n.what.deadline()).min() {
        Some(d) => format!("Concord: {count}, next deadline {}", short_utc(d)),
        None => format!("Concord: {count}"),
    };
    let plain_entries: Vec<String> = all.iter().map(plain_entry).collect();
    let plain = format!(
        "{subject}\n\n{}\n{}",
        plain_entries.join(&format!("\n{}\n\n", "-".repeat(40))),
        footer_plain(&s.base_url)
    );
    let html_entries: String = all
        .iter()
        .map(|e| format!("<section><h2>{}</h2>\n{}</section>\n", escape_html(&e.subject), html_entry(e)))
        .collect();
    let html = page(
        &escape_html(&subject),
        &format!("<h1>{}</h1>\n{html_entries}{}", escape_html(&subject), footer_html(&s.base_url)),
    );
    let ids: Vec<&str> = notices.iter().map(|n| n.id.as_str()).collect();
    let digest_id = hex(&Sha256::digest(ids.join("\n").as_bytes())[..12]);
    let message = Message::builder()
        .from(s.from.clone())
        .to(to.clone())
        .subject(subject)
        .date(SystemTime::from(latest))
        .message_id(Some(message_id(&format!("digest-{digest_id}"), &s.from)))
        .raw_header(notice_header(&ids.join(", ")))
        .multipart(MultiPart::alternative_plain_html(plain, html))?;
    Ok(message)
}

fn notice_header(value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(NOTICE_HEADER), value.to_owned())
}

/// `<notice-e12-member-FRA@concord.example>`: stable per notice, under the sender's domain.
fn message_id(id: &str, from: &Mailbox) -> String {
    let local: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' }).collect();
    format!("<notice-{local}@{}>", from.email.domain())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn plain_entry(e: &Said) -> String {
    let width = e.facts.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    let facts: String = e.facts.iter().map(|(label, value)| format!("{label:<width$}  {value}\n")).collect();
    format!("{}\n\n{}\n\n{facts}\nOpen: {}\n", e.subject, e.headline, e.link)
}

fn html_entry(e: &Said) -> String {
    let facts: String = e
        .facts
        .iter()
        .map(|(label, value)| format!("<dt>{}</dt><dd>{}</dd>\n", escape_html(label), escape_html(value)))
        .collect();
    let link = escape_html(&e.link);
    format!("<p>{}</p>\n<dl>\n{facts}</dl>\n<p><a href=\"{link}\">{link}</a></p>\n", escape_html(&e.headline))
}

fn footer_plain(base_url: &str) -> String {
    format!("--\nConcord, {base_url}\nThis notice does not quote the proposal's text: open the link to read it.\n")
}

fn footer_html(base_url: &str) -> String {
    format!(
        "<hr>\n<p><small>Concord, {}. This notice does not quote the proposal&#39;s text: open the link to read it.</small></p>\n",
        escape_html(base_url)
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n{body}</body>\n</html>\n"
    )
}

/// Where mail goes: an SMTP relay, or a folder of `.eml` files (the demo, with no relay set).
#[derive(Debug, Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    /// A relay named by `smtp_url`:
    /// - `smtp://host:port`: STARTTLS where the relay offers it, plain SMTP where it does not
    ///   (lettre's `tls=opportunistic`, made the default here: lettre's own default for a bare
    ///   `smtp://` never upgrades);
    /// - `smtp://host:port?tls=required`: STARTTLS or fail;
    /// - `smtps://host:port`: TLS from the first byte (port 465 by default).
    ///
    /// Credentials go in the URL (`smtp://user:password@host`, percent-encoded), and an EHLO
    /// name as its path (`smtp://host/mail.example.org`).
    ///
    /// # Errors
    /// [`MailError::Url`] for a URL lettre cannot use.
    pub fn from_url(smtp_url: &str) -> Result<Self, MailError> {
        let url = if smtp_url.starts_with("smtp://") && !smtp_url.contains("tls=") {
            let sep = if smtp_url.contains('?') { '&' } else { '?' };
            format!("{smtp_url}{sep}tls=opportunistic")
        } else {
            smtp_url.to_owned()
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|source| MailError::Url { url: redact(smtp_url), source })?
            .build();
        Ok(Self::Smtp(transport))
    }

    /// Mail written as `<uuid>.eml` files into `path`, which must exist.
    pub fn folder(path: impl AsRef<Path>) -> Self {
        Self::Folder(AsyncFileTransport::new(path))
    }

    /// Hands `m` to the relay, or writes it to the folder.
    ///
    /// # Errors
    /// [`MailError::Smtp`] or [`MailError::Folder`]; [`MailError::retryable`] says whether to
    /// try again.
    pub async fn send(&self, m: Message) -> Result<(), MailError> {
        match self {
            Self::Smtp(t) => {
                t.send(m).await?;
            }
            Self::Folder(t) => {
                let id = t.send(m).await?;
                tracing::debug!(file = %id, "mail written to the folder");
            }
        }
        Ok(())
    }
}

/// `smtp_url` without its password, for an error message.
fn redact(smtp_url: &str) -> String {
    match (smtp_url.find("://"), smtp_url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &smtp_url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &smtp_url[..scheme + 3], &smtp_url[at..])
        }
        _ => smtp_url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_core::notice::What;
    use concord_core::{DecisionKind, Procedure, ProposalId, Reader};

    fn settings() -> MailSettings {
        MailSettings {
            from: "Concord <notices@concord.example>".parse().unwrap(),
            base_url: "https://concord.example".into(),
        }
    }

    fn circulated(title: &str) -> Notice {
        Notice {
            id: "e12-member-FRA".into(),
            to: Reader::Member(concord_core::CountryCode::parse("FRA").unwrap()),
            at: "2026-12-01T09:00:00Z".parse().unwrap(),
            pressing: false,
            what: What::Circulated {
                proposal: ProposalId(3),
                title: title.into(),
                kind: DecisionKind::Statement,
                procedure: Procedure::Silence,
                revision: 1,
                restarted: false,
                deadline: "2026-12-05T17:00:00Z".parse().unwrap(),
            },
        }
    }

    fn text(m: &Message) -> String {
        String::from_utf8(m.formatted()).unwrap()
    }

    #[test]
    fn a_mail_names_its_notice_and_escapes_the_title() {
        let to: Mailbox = "FRA delegation <fra@example.org>".parse().unwrap();
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let m = render(&circulated("Tanks & <b>bold</b>"), &to, &paris, "Europe/Paris", &settings()).unwrap();
        let raw = text(&m);
        assert!(raw.contains("X-Concord-Notice: e12-member-FRA\r\n"), "{raw}");
        assert!(raw.contains("Message-ID: <notice-e12-member-FRA@concord.example>\r\n"), "{raw}");
        assert!(raw.contains("Subject: Silence ends Sat 5 Dec 17:00 UTC: Tanks & <b>bold</b>\r\n"), "{raw}");
        assert!(raw.contains("Tanks &amp; &lt;b&gt;bold&lt;/b&gt;"), "the HTML part escapes the title: {raw}");
        assert!(!raw.contains("<dd>#3 Tanks & <b>"), "{raw}");
        // The same notice is the same message, whenever it is rendered again.
        let again = render(&circulated("Tanks & <b>bold</b>"), &to, &paris, "Europe/Paris", &settings()).unwrap();
        assert_eq!(m.headers().to_string(), again.headers().to_string());
    }

    #[test]
    fn a_digest_lists_every_notice_id_and_needs_one() {
        let to: Mailbox = "fra@example.org".parse().unwrap();
        let mut second = circulated("Second");
        second.id = "e13-member-FRA".into();
        let m = render_digest(&[circulated("First"), second], &to, &TimeZone::UTC, "UTC", &settings()).unwrap();
        let raw = text(&m);
        assert!(raw.contains("X-Concord-Notice: e12-member-FRA, e13-member-FRA\r\n"), "{raw}");
        assert!(raw.contains("Subject: Concord: 2 notices, next deadline Sat 5 Dec 17:00 UTC\r\n"), "{raw}");
        assert!(matches!(render_digest(&[], &to, &TimeZone::UTC, "UTC", &settings()), Err(MailError::EmptyDigest)));
    }

    #[test]
    fn smtp_urls_upgrade_where_offered_and_hide_passwords() {
        assert!(Mailer::from_url("smtp://127.0.0.1:2525").is_ok());
        assert!(Mailer::from_url("smtp://127.0.0.1:2525?tls=required").is_ok());
        assert!(Mailer::from_url("smtps://mail.example.org").is_ok());
        let Err(MailError::Url { url, .. }) = Mailer::from_url("ftp://user:secret@mail.example.org") else {
            panic!("an ftp URL is not an SMTP relay")
        };
        assert_eq!(url, "ftp://user:***@mail.example.org");
    }
}
