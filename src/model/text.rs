//! Numbers and times in the words both faces share: "1,800", "41 ms",
//! "just now", "5 min ago" — and when those words change (so the console
//! redraws only then, not on a timer).

use jiff::Timestamp;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Words for the time from `then` to `now`.
pub fn ago(then: Timestamp, now: Timestamp) -> String {
    let secs = now.duration_since(then).as_secs().max(0);
    match secs {
        s if s < MINUTE => "just now".to_string(),
        s if s < HOUR => format!("{} min ago", s / MINUTE),
        s if s < DAY => format!("{} h ago", s / HOUR),
        s => format!("{} d ago", s / DAY),
    }
}

/// Seconds from `now` until `ago(then, now)` reads differently.
pub fn secs_until_change(then: Timestamp, now: Timestamp) -> i64 {
    let secs = now.duration_since(then).as_secs().max(0);
    let unit = match secs {
        s if s < HOUR => MINUTE,
        s if s < DAY => HOUR,
        _ => DAY,
    };
    unit - secs % unit
}

/// The candidate one or two edits away from `typed` (a typo), if exactly
/// one is closest: "did you mean stale-cdn?".
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (edit_distance(typed, c), c))
        .filter(|(d, _)| *d <= 2)
        .collect();
    best.sort();
    match best.as_slice() {
        [(d, c), rest @ ..] if rest.first().is_none_or(|(e, _)| e > d) => Some(c),
        _ => None,
    }
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// "1,800".
/// A file path in at most `room` characters: the home directory as `~`,
/// then whole leading folders dropped (`…/isrctl/config.toml`), then the
/// file name cut from the left; nothing when not even `…` fits.
pub fn short_path(path: &str, room: usize) -> String {
    let home = std::env::var("HOME").ok().filter(|h| h.len() > 1);
    let path = match home.as_deref().and_then(|h| path.strip_prefix(h)) {
        Some(rest) if rest.starts_with('/') => format!("~{rest}"),
        _ => path.to_string(),
    };
    let width = |s: &str| s.chars().count();
    if width(&path) <= room {
        return path;
    }
    let parts: Vec<&str> = path.split('/').collect();
    for skip in 1..parts.len() {
        let tail = format!("…/{}", parts[skip..].join("/"));
        if width(&tail) <= room {
            return tail;
        }
    }
    let name: Vec<char> = parts.last().copied().unwrap_or_default().chars().collect();
    match room {
        0 => String::new(),
        n => {
            let kept: String = name[name.len().saturating_sub(n - 1)..].iter().collect();
            format!("…{kept}")
        }
    }
}

/// How long, in the words an operator reads at a glance: "40 s",
/// "30 min", "~57 min", "~2 h 5 min", past a day "~3 d 4 h" (`~` when
/// rounded).
pub fn duration_words(secs: u64) -> String {
    match secs {
        0..=99 => format!("{secs} s"),
        100..=5999 => {
            let minutes = (secs + 30) / 60;
            let approx = if secs.is_multiple_of(60) { "" } else { "~" };
            format!("{approx}{minutes} min")
        }
        6000..86_400 => {
            let minutes = (secs + 30) / 60;
            format!("~{} h {} min", minutes / 60, minutes % 60)
        }
        _ => {
            let hours = (secs + 1800) / 3600;
            match hours % 24 {
                0 => format!("~{} d", hours / 24),
                h => format!("~{} d {h} h", hours / 24),
            }
        }
    }
}

/// How much longer, and until when on the operator's clock: "~57 min
/// more, until 00:30 CET" (the zone as `TZ` says), with the date when it
/// is a day or more away.
pub fn more_until(secs: u64, now: jiff::Timestamp) -> String {
    let words = duration_words(secs);
    match clock_after(secs, now) {
        Some(clock) => format!("{words} more, until {clock}"),
        None => format!("{words} more"),
    }
}

/// The operator's clock `secs` after `now`: "00:30 CET", with the date
/// when it is a day or more away; `None` past the calendar's end.
pub fn clock_after(secs: u64, now: jiff::Timestamp) -> Option<String> {
    let then = now
        .checked_add(jiff::SignedDuration::from_secs(
            secs.min(i64::MAX as u64) as i64
        ))
        .ok()?;
    let format = if secs >= DAY as u64 {
        "%Y-%m-%d %H:%M %Z"
    } else {
        "%H:%M %Z"
    };
    let zone = jiff::tz::TimeZone::system();
    Some(then.to_zoned_datetime(zone).strftime(format).to_string())
}

/// A time on the operator's clock (`TZ`): "12:00:03 CET".
pub fn local_clock(time: jiff::Timestamp) -> String {
    time.to_zoned_datetime(jiff::tz::TimeZone::system())
        .strftime("%H:%M:%S %Z")
        .to_string()
}

/// An instant on the operator's clock, with its date unless it is within
/// a day of now: "12:00:03 CET", "2026-12-05 12:00 CET".
pub fn when(time: jiff::Timestamp) -> String {
    let zone = jiff::tz::TimeZone::system();
    let within_a_day = jiff::Timestamp::now().duration_since(time).abs().as_secs() < DAY;
    let format = if within_a_day {
        "%H:%M:%S %Z"
    } else {
        "%Y-%m-%d %H:%M %Z"
    };
    time.to_zoned_datetime(zone).strftime(format).to_string()
}

/// `text` as one word a POSIX shell reads back unchanged: bare when it is
/// plain, else in single quotes (a printed command runs as printed).
pub fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A duration in seconds as an operator reads it: "37 s", "~4 min",
/// "~2 h 5 min".
pub fn span(secs: f64) -> String {
    let secs = secs.max(0.0).round() as u64;
    match secs {
        0..=99 => format!("{secs} s"),
        100..=5399 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "41 ms", "1.2 s".
pub fn millis(ms: Option<u64>) -> String {
    match ms {
        None => "-".to_string(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

/// `text` in at most `width` characters: cut with `…` so the columns after
/// it stay where the header says.
pub fn fit(text: &str, width: usize) -> String {
    match text.chars().count() <= width {
        true => text.to_string(),
        false => {
            let kept: String = text.chars().take(width.saturating_sub(1)).collect();
            format!("{kept}…")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap()
    }

    #[test]
    fn words_and_their_next_change() {
        assert_eq!(ago(at(0), at(5)), "just now");
        assert_eq!(secs_until_change(at(0), at(5)), 55);
        assert_eq!(ago(at(0), at(61)), "1 min ago");
        assert_eq!(secs_until_change(at(0), at(61)), 59);
        assert_eq!(ago(at(0), at(7200)), "2 h ago");
        assert_eq!(ago(at(0), at(3 * DAY)), "3 d ago");
        assert_eq!(ago(at(10), at(0)), "just now", "clock skew reads as now");
    }

    #[test]
    fn closest_finds_a_typo_and_only_one() {
        let sites = ["healthy", "stale-cdn", "token-mismatch"];
        assert_eq!(closest("stale-cd", sites), Some("stale-cdn"));
        assert_eq!(closest("sit", sites), None);
        assert_eq!(closest("ab", ["ac", "ad"]), None, "two equally close");
    }

    #[test]
    fn a_path_shortens_from_the_left_and_keeps_its_file_name() {
        let path = "/srv/ops/isrctl/config.toml";
        assert_eq!(short_path(path, 80), path);
        assert_eq!(short_path(path, 20), "…/isrctl/config.toml");
        assert_eq!(short_path(path, 13), "…/config.toml");
        assert_eq!(short_path(path, 6), "….toml");
        assert_eq!(short_path(path, 0), "");
        for room in 0..30 {
            assert!(short_path(path, room).chars().count() <= room.max(1) || room == 0);
        }
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration_words(40), "40 s");
        assert_eq!(duration_words(1800), "30 min");
        assert_eq!(duration_words(3432), "~57 min");
        assert_eq!(duration_words(7500), "~2 h 5 min");
        assert_eq!(duration_words(2 * 86_400 + 4 * 3600 + 60), "~2 d 4 h");
        assert_eq!(duration_words(365 * 86_400), "~365 d");
        let noon: jiff::Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
        let words = more_until(3432, noon);
        assert!(words.starts_with("~57 min more, until "), "{words}");
        // A TTL a year long: in days, until a date (trial item 5).
        let words = more_until(365 * 86_400, noon);
        assert!(words.starts_with("~365 d more, until 2027-11-2"), "{words}");
    }

    #[test]
    fn a_shell_word_reads_back_as_written() {
        assert_eq!(shell_word("/shop/lamp"), "/shop/lamp");
        assert_eq!(shell_word("price fix"), "'price fix'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1800), "1,800");
        assert_eq!(thousands(31532400), "31,532,400");
    }
}
