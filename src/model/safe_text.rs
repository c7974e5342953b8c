//! Text from outside, made safe to show or store.
//!
//! Servers, config files and secret commands are not ours: their text may
//! carry terminal escape sequences (`ESC ]52;…` writes the clipboard,
//! `ESC ]0;…` the window title), binary garbage, or the secret echoed back.
//! Before such text is shown or stored it is, in this order:
//! 1. masked (the whole text, so no cut can leave part of the secret),
//! 2. escaped (C0 controls but newline and tab, DEL and C1 become `\x1b`),
//! 3. cut to a bounded length.

use std::borrow::Cow;

/// A character a terminal may act on rather than print: C0 controls
/// (newline and tab excepted), DEL and the C1 range.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c)
}

/// `text` with every unsafe character written as a visible escape (`\x1b`,
/// `\u{9b}`); newline and tab kept.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unsafe, true)
}

/// `text` on one line: like [`escape_controls`], and newline and tab
/// escaped too (for header values, markers, one-line messages).
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape_where(text, char::is_control, false)
}

/// `unsafe_char` is [`is_unsafe`] (`keeps_lines`: newline and tab are
/// safe) or `char::is_control`: both mean C0, DEL and C1 controls, which
/// [`has_controls`] finds in the bytes (a million history lines were
/// decoded char by char just to learn that none was there).
fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool, keeps_lines: bool) -> Cow<'_, str> {
    if !has_controls(text, keeps_lines) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !unsafe_char(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// Whether `text` holds a control character (C0, DEL, or C1: U+0080 to
/// U+009F, which UTF-8 writes as 0xC2 then 0x80..=0x9F), newline and tab
/// aside when `keeps_lines`. Byte by byte: no char is decoded.
pub fn has_controls(text: &str, keeps_lines: bool) -> bool {
    let bytes = text.as_bytes();
    // Printable ASCII (and newline and tab) throughout, in chunks the
    // compiler turns into vector compares: the common case, decided fast.
    let plain = |b: u8| ((0x20..0x7f).contains(&b)) | (keeps_lines & ((b == b'\n') | (b == b'\t')));
    if bytes
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & plain(b)))
    {
        return false;
    }
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\n' | b'\t' => !keeps_lines,
        0x00..=0x1f | 0x7f => true,
        0xc2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
        _ => false,
    })
}

/// At most `max` characters of `text`, "…" marking a cut. Never splits a
/// character; the caller has masked and escaped `text` already.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => {
            let keep = text[..end]
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(end, |(i, _)| i);
            format!("{}…", &text[..keep])
        }
    }
}

/// Not text: a NUL, invalid UTF-8 early on, or mostly control bytes.
pub fn looks_binary(body: &[u8]) -> bool {
    let head = &body[..body.len().min(1024)];
    if head.contains(&0) {
        return true;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A multi-byte character cut at 1024 bytes is still text.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return true,
    };
    let controls = valid.chars().filter(|&c| is_unsafe(c)).count();
    controls * 10 > valid.chars().count().max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_byte_check_finds_exactly_the_controls_the_char_check_finds() {
        for c in (0..0x250u32).filter_map(char::from_u32) {
            let text = format!("a{c}é");
            assert_eq!(
                super::has_controls(&text, true),
                text.chars().any(super::is_unsafe),
                "{c:?}"
            );
            assert_eq!(
                super::has_controls(&text, false),
                text.chars().any(char::is_control),
                "{c:?}"
            );
        }
    }

    use super::*;
    use crate::model::redact::{Redactor, body_excerpt, excerpt};
    use crate::model::secret::Secret;

    #[test]
    fn escapes_terminal_controls_keeps_text() {
        let hostile = "ok\x1b]52;c;aGk=\x07 title\x1b]0;pwned\x07 \u{9b}2J del\x7f\nnext\tcol";
        let shown = escape_controls(hostile);
        assert_eq!(
            shown,
            "ok\\x1b]52;c;aGk=\\x07 title\\x1b]0;pwned\\x07 \\x9b2J del\\x7f\nnext\tcol"
        );
        assert!(!shown.chars().any(is_unsafe));
        assert_eq!(one_line("a\nb\tc"), "a\\nb\\tc");
        assert!(matches!(escape_controls("plain — é"), Cow::Borrowed(_)));
    }

    #[test]
    fn cut_marks_and_never_splits_a_character() {
        assert_eq!(cut("héllo", 10), "héllo");
        assert_eq!(cut("héllo", 5), "héllo");
        assert_eq!(cut("héllo wörld", 5), "héll…");
        assert_eq!(cut("ab", 0), "…");
    }

    #[test]
    fn masks_before_cutting() {
        let secret = Secret::new("abcdefghijklmnopqrstuvwxyz", "test");
        let redactor = Redactor::new(Some(&secret));
        let text = format!("{}{}", "x".repeat(290), secret.expose());
        let shown = excerpt(&text, &redactor, 300, true);
        assert!(!shown.contains("abcd"), "{shown}");
    }

    #[test]
    fn binary_and_compressed_bodies_are_described() {
        let r = Redactor::default();
        assert_eq!(
            body_excerpt(&[0x1f, 0x8b, 8, 0, 0], None, &r, 100, true).as_deref(),
            Some("binary body, 5 bytes")
        );
        assert_eq!(
            body_excerpt(b"abc", Some("gzip"), &r, 100, true).as_deref(),
            Some("binary body, 3 bytes, gzip")
        );
        assert_eq!(
            body_excerpt(b" {\"ok\":1} ", None, &r, 100, true).as_deref(),
            Some("{\"ok\":1}")
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::model::redact::{Redactor, excerpt, one_line_excerpt};
    use crate::model::secret::Secret;
    use proptest::prelude::*;

    /// Every run of 4 characters of `secret`.
    fn pieces(secret: &str) -> Vec<String> {
        let chars: Vec<char> = secret.chars().collect();
        chars.windows(4).map(|w| w.iter().collect()).collect()
    }

    proptest! {
        /// A message that contains the secret anywhere, read whole or cut
        /// short at any length, shown at any length: never 4 characters of it.
        #[test]
        fn no_four_characters_of_the_secret_survive_any_cut(
            secret in "[A-Z0-9_]{8,40}",
            // Padding shares no character with the secret, so any run of
            // the secret's characters in the output came from the secret.
            before in "[a-z ,.:;!?-]{0,400}",
            after in "[a-z ,.:;!?-]{0,400}",
            read_cut in 0usize..900,
            shown in 0usize..600,
        ) {
            let redactor = Redactor::new(Some(&Secret::new(&secret, "test")));
            let message = format!("{before}{secret}{after}");
            let read: String = message.chars().take(read_cut).collect();
            let whole = read.len() == message.len();
            let shown_texts = [
                excerpt(&read, &redactor, shown, whole),
                one_line_excerpt(&read, &redactor, shown, whole),
            ];
            for text in shown_texts {
                for piece in pieces(&secret) {
                    prop_assert!(!text.contains(&piece), "{piece:?} in {text:?}");
                }
            }
        }

        /// Whatever bytes come in, nothing a terminal acts on goes out.
        #[test]
        fn escaped_text_has_no_control_characters(text in any::<String>()) {
            prop_assert!(!escape_controls(&text).chars().any(is_unsafe));
            prop_assert!(!one_line(&text).chars().any(char::is_control));
        }
    }
}
