//! Tab completion on the `:` command line: the verb, then a site, a tag,
//! a configured path or a history word.

use super::State;

/// The command line's verbs, as `:help`… the unknown-command message lists them.
pub const VERBS: [&str; 8] = [
    "site", "path", "tag", "history", "reason", "refresh", "stale", "q",
];

/// At most this many candidates are offered (a sitemap has 100,000 paths).
const MAX_CANDIDATES: usize = 50;

impl State {
    /// The whole lines the typed command line may become, sorted.
    pub fn command_completions(&self, line: &str) -> Vec<String> {
        let Some((verb, arg)) = line.split_once(' ') else {
            return VERBS
                .iter()
                .filter(|v| v.starts_with(line))
                .map(|v| format!("{v} "))
                .collect();
        };
        // `:history` takes several words: complete the last one.
        let (kept, word) = match arg.rsplit_once(' ') {
            Some((before, last)) if verb == "history" => (format!("{verb} {before} "), last),
            _ => (format!("{verb} "), arg),
        };
        let mut words = self.words_for(verb, word);
        words.sort();
        words.dedup();
        words.into_iter().map(|w| format!("{kept}{w}")).collect()
    }

    /// The words `verb` takes that start with `typed`, at most
    /// [`MAX_CANDIDATES`] (drawn at each keystroke: never a whole sitemap).
    fn words_for(&self, verb: &str, typed: &str) -> Vec<String> {
        let starts = |w: &&str| w.starts_with(typed);
        let pick = |words: &mut dyn Iterator<Item = &str>| -> Vec<String> {
            words
                .filter(starts)
                .take(MAX_CANDIDATES)
                .map(str::to_string)
                .collect()
        };
        let site = self.site();
        match verb {
            "site" => pick(&mut self.sites.iter().map(|s| s.name.as_str())),
            "tag" => pick(&mut site.iter().flat_map(|s| s.tags.iter().map(String::as_str))),
            "path" => pick(
                &mut site
                    .iter()
                    .flat_map(|s| s.routes.iter())
                    .filter(|r| r.page_type.is_none())
                    .map(|r| r.path.as_str()),
            ),
            "history" => pick(
                &mut self
                    .sites
                    .iter()
                    .map(|s| s.name.as_str())
                    .chain(super::ACTIONS)
                    .chain(["problems", "1h", "24h", "7d"]),
            ),
            _ => Vec::new(),
        }
    }
}
/// What Tab makes of the line: the one completion, else the longest
/// prefix the candidates share (never shorter than what was typed).
pub fn tab_complete(line: &str, candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return line.to_string();
    };
    let shared = candidates.iter().fold(first.as_str(), |prefix, c| {
        let same = prefix
            .char_indices()
            .zip(c.chars())
            .find(|((_, a), b)| a != b)
            .map_or(prefix.len().min(c.len()), |((i, _), _)| i);
        &prefix[..same]
    });
    match shared.len() > line.len() {
        true => shared.to_string(),
        false => line.to_string(),
    }
}
