//! What each key does, in a sentence: the help overlay's text, searchable
//! (`/` in help). One place, so the words follow the keys.

use super::keys::Action;

/// One sentence per action: what it does and what it sends.
pub fn explain(action: Action) -> &'static str {
    use Action::*;
    match action {
        Revalidate => {
            "send the selected (or marked) routes to the site's revalidate endpoint; nothing is fetched afterwards"
        }
        Verify => {
            "revalidate, then fetch the page at every layer (each origin, the CDN, the RSC payload) until it changes or 30 s pass, and give a verdict"
        }
        Fresh => {
            "the fix for a stale page: revalidate on every origin, wait until each serves the new page, purge the CDN, then verify every layer"
        }
        Purge => {
            "remove the selected pages from the CDN only: the origins are not revalidated (the CDN refills from what they serve now)"
        }
        Checks => {
            "passive troubleshooting: config, path, reachability, the secret, cache layers; sends no revalidation and no real secret"
        }
        Probe => {
            "fetch the page through the CDN and from each origin, and read its cache headers; sends nothing"
        }
        Watch => {
            "watch the selected page: read it at every layer every 30 s (sends nothing), say when it turns stale or fresh, ring the bell when it turns fresh; w again stops"
        }
        RevalidateTag => "pick one of the site's tags (or type one) and revalidate it",
        AdHoc => {
            "type a path that is not in the table; the linter checks it as you type, Tab accepts its suggestion"
        }
        Mark => "mark the route for a bulk action (r, v, f, P, c act on every marked route)",
        MarkAll => "mark every route the filter shows",
        Filter => "narrow the routes as you type; Esc clears",
        CopyCurl => "copy the revalidation as a curl command; the secret stays a variable",
        Zoom => "the details pane full screen, and back",
        History => {
            "every revalidation, verification, check and purge recorded, with its reason; a, s, p, t and / narrow it"
        }
        Sort => "sort the routes by the next column: PATH, LAST, OUTCOME, VERIFIED, config order",
        SortReverse => "turn the sort round",
        Help => "this help; / searches it",
        CommandLine => {
            ":site NAME, :path /x, :tag NAME, :history …, :reason TEXT, :refresh (read the sitemap again), :stale (find the pages stale now, marked for f), :q (Tab completes)"
        }
        Quit => "quit; requests in flight are stopped",
        Cancel => "close, clear the filter, or stop sending (requests in flight finish)",
        NextPane | PrevPane => "move between the sites, routes and details panes",
        Open => "open the selected site's routes",
        Up | Down | Top | Bottom | PageUp | PageDown => {
            "move the selection, or scroll the details pane"
        }
    }
}

/// Which of the three fixing keys to press: the question help answers first.
pub const WHICH_KEY: [&str; 3] = [
    "v verify: did my revalidation reach every layer? (asks the endpoint, then watches)",
    "f make fresh: the page is stale somewhere: fix it everywhere (origins, then CDN)",
    "P purge: the origins are already fresh, only the CDN copy is old",
];

/// The help overlay's state: a search, and how far it is scrolled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelpView {
    pub search: String,
    /// `/` is typing into `search`.
    pub searching: bool,
    pub scroll: usize,
}
