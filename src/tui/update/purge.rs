//! `P`: purge the selected pages at the site's CDN.

use super::*;

pub(super) fn purge(state: &mut State, site: usize, targets: Vec<Target>) -> Vec<Command> {
    let Some(config) = state.sites.get(site) else {
        return Vec::new();
    };
    let name = config.name.clone();
    let items = crate::engine::plan::purge_items(targets);
    if let Err(why) = crate::engine::plan::plan_purge(config, &items) {
        state.say(Level::Problem, why.to_string());
        return Vec::new();
    }
    if items.is_empty() {
        state.say(Level::Info, "nothing to purge: select a page");
        return Vec::new();
    }
    let what: Vec<String> = items.iter().map(ToString::to_string).collect();
    state.push_activity(
        Level::Info,
        format!("{name}: purging {} at the CDN", what.join(", ")),
    );
    state.marks.retain(|(s, _)| *s != site);
    vec![Command::Purge { site, items }]
}
