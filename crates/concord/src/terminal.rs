//! What the CLI prints to a terminal: text from the log (titles, statements, descriptions,
//! names) shown as text, never obeyed as terminal commands.
//!
//! The domain refuses control characters in such text, but a CLI talks to servers and reads
//! databases it does not control (an older log, another implementation), so every line it
//! prints for people goes through [`escape`] as well: an escape sequence, a carriage return or
//! a backspace could otherwise clear the screen or rewrite a line ("FRA objected"), and the
//! Unicode bidirectional overrides could reorder what is shown (CVE-2021-42574). Machine output
//! (`--json`, CSV) is data and keeps every character: JSON escapes control characters itself.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself: a C0 or C1 control other than newline and
/// tab, DEL, or a bidirectional embedding, override or isolate.
fn hazardous(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with each hazardous character written as a visible `\u{…}` escape.
#[must_use]
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(hazardous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hazardous(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `println!` for people: the line is [`escape`]d before it is written.
macro_rules! outln {
    () => { $crate::terminal::line("") };
    ($($arg:tt)*) => { $crate::terminal::line(&$crate::terminal::escape(&format!($($arg)*))) };
}
pub(crate) use outln;

/// Writes `s` and a newline to standard output. A reader that went away (`concord … | head`)
/// ends the command quietly, as the other tools of a pipeline do, instead of a panic's
/// backtrace; any other failure to write is an error the user must see.
pub fn line(s: &str) {
    use std::io::Write;

    if let Err(e) = writeln!(std::io::stdout().lock(), "{s}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("concord: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_stays_text() {
        assert_eq!(
            escape("Statement: no plans\n\tfor troops — ça va, Україна"),
            "Statement: no plans\n\tfor troops — ça va, Україна"
        );
        assert_eq!(escape("ok\r\x1b[2K    FRA  object"), "ok\\u{d}\\u{1b}[2K    FRA  object");
        assert_eq!(escape("a\u{9b}31m\u{7f}\0"), "a\\u{9b}31m\\u{7f}\\u{0}");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert!(matches!(escape("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
