//! The differences between two revisions of a text, word by word: the longest common
//! subsequence of their words, then runs of kept, removed and added words. Hand-written: a
//! proposal's text is short (at most `MAX_TEXT`), and the quadratic table is bounded by
//! [`MAX_WORDS`] (beyond it the whole text is shown as replaced).

/// Words per side beyond which no word-level diff is attempted.
const MAX_WORDS: usize = 2_000;

/// A run of words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    Same(String),
    Removed(String),
    Added(String),
}

impl Chunk {
    /// `same`, `removed` or `added`: what the template switches on.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Same(_) => "same",
            Self::Removed(_) => "removed",
            Self::Added(_) => "added",
        }
    }

    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            Self::Same(s) | Self::Removed(s) | Self::Added(s) => s,
        }
    }
}

/// Splits keeping the whitespace with the word before it, so that joining the chunks gives the
/// texts back exactly.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&s[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn push(out: &mut Vec<Chunk>, chunk: Chunk) {
    match (out.last_mut(), chunk) {
        (Some(Chunk::Same(a)), Chunk::Same(b))
        | (Some(Chunk::Removed(a)), Chunk::Removed(b))
        | (Some(Chunk::Added(a)), Chunk::Added(b)) => {
            a.push_str(&b);
        }
        (_, chunk) => out.push(chunk),
    }
}

/// The changes from `old` to `new`.
#[must_use]
pub fn diff(old: &str, new: &str) -> Vec<Chunk> {
    let (a, b) = (words(old), words(new));
    if a.len() > MAX_WORDS || b.len() > MAX_WORDS {
        return vec![Chunk::Removed(old.to_owned()), Chunk::Added(new.to_owned())];
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            push(&mut out, Chunk::Same(a[i].to_owned()));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            push(&mut out, Chunk::Added(b[j].to_owned()));
            j += 1;
        } else {
            push(&mut out, Chunk::Removed(a[i].to_owned()));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuild(chunks: &[Chunk], keep: fn(&Chunk) -> bool) -> String {
        chunks.iter().filter(|c| keep(c)).map(Chunk::text).collect()
    }

    #[test]
    fn a_changed_word_is_removed_and_added() {
        let d = diff("no plans for troops", "no plans for combat troops");
        assert_eq!(
            d,
            vec![Chunk::Same("no plans for ".into()), Chunk::Added("combat ".into()), Chunk::Same("troops".into())]
        );
    }

    #[test]
    fn both_texts_are_recovered_exactly() {
        let (old, new) =
            ("The alliance  gives\nnon-lethal aid only.", "The alliance gives non-lethal aid, and members more.");
        let d = diff(old, new);
        assert_eq!(rebuild(&d, |c| !matches!(c, Chunk::Added(_))), old);
        assert_eq!(rebuild(&d, |c| !matches!(c, Chunk::Removed(_))), new);
        assert!(diff("same", "same").iter().all(|c| matches!(c, Chunk::Same(_))));
        assert!(diff("", "").is_empty());
    }
}
