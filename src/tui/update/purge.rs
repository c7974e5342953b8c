//! `P`: purge the selected pages at the site's CDN.

use super::*;
use crate::purge::PurgeItem;

pub(super) fn purge(state: &mut State, site: usize, targets: Vec<Target>) -> Vec<Command> {
    let Some(config) = state.sites.get(site) else {
        return Vec::new();
    };
    let name = config.name.clone();
    if config.purge.is_none() {
        let why = format!(
            "{name} has no [sites.{name}.purge]: configure the CDN purge to purge from here"
        );
        state.status = Some((Level::Problem, why));
        return Vec::new();
    }
    // A pattern names no page: its pages are purged by their own routes.
    let items: Vec<PurgeItem> = targets
        .into_iter()
        .filter(|t| t.page_type.is_none())
        .map(|t| match t.kind {
            crate::target::TargetKind::Path => PurgeItem::Path(t.value),
            crate::target::TargetKind::Tag => PurgeItem::Tag(t.value),
        })
        .collect();
    if items.is_empty() {
        state.status = Some((Level::Info, "nothing to purge: select a page".into()));
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
