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

/// "1,800".
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
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1800), "1,800");
        assert_eq!(thousands(31532400), "31,532,400");
    }
}
