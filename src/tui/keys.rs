//! Key bindings as data: what each key does, where, and how the footer and
//! the help overlay describe it. One table, so help and footer never
//! disagree with what the keys really do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextPane,
    PrevPane,
    Open,
    Mark,
    MarkAll,
    Revalidate,
    Verify,
    Checks,
    Probe,
    RevalidateTag,
    AdHoc,
    Filter,
    CopyCurl,
    Help,
    CommandLine,
    Cancel,
    Quit,
}

/// Where a binding is shown in the footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// In every pane's footer.
    Always,
    /// Only when the routes pane has focus.
    Routes,
    /// Only in the help overlay.
    HelpOnly,
}

#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub action: Action,
    /// The key as written in help and footer.
    pub key: &'static str,
    pub label: &'static str,
    pub shown: Shown,
    /// Sends revalidations: hidden and refused in read-only mode.
    pub sends: bool,
}

const fn bind(
    code: KeyCode,
    action: Action,
    key: &'static str,
    label: &'static str,
    shown: Shown,
) -> Binding {
    Binding {
        code,
        modifiers: KeyModifiers::NONE,
        action,
        key,
        label,
        shown,
        sends: false,
    }
}

const fn sending(binding: Binding) -> Binding {
    Binding {
        sends: true,
        ..binding
    }
}

const fn ctrl(binding: Binding) -> Binding {
    Binding {
        modifiers: KeyModifiers::CONTROL,
        ..binding
    }
}

use Action::*;
use KeyCode::Char;
use Shown::*;

/// The default bindings, in the order help lists them.
pub const BINDINGS: &[Binding] = &[
    sending(bind(Char('r'), Revalidate, "r", "revalidate", Routes)),
    sending(bind(Char('v'), Verify, "v", "verify", Routes)),
    bind(Char('c'), Checks, "c", "checks", Routes),
    bind(Char('p'), Probe, "p", "probe", Routes),
    sending(bind(Char('t'), RevalidateTag, "t", "tag", Always)),
    sending(bind(Char('a'), AdHoc, "a", "ad-hoc path", Always)),
    bind(Char(' '), Mark, "space", "mark", Routes),
    ctrl(bind(
        Char('a'),
        MarkAll,
        "ctrl-a",
        "mark all shown",
        HelpOnly,
    )),
    bind(Char('/'), Filter, "/", "filter", Routes),
    bind(Char('y'), CopyCurl, "y", "copy curl", Routes),
    bind(Char('?'), Help, "?", "help", Always),
    bind(Char(':'), CommandLine, ":", "command", HelpOnly),
    bind(Char('q'), Quit, "q", "quit", Always),
    ctrl(bind(Char('c'), Quit, "ctrl-c", "quit", HelpOnly)),
    bind(
        KeyCode::Esc,
        Cancel,
        "esc",
        "cancel / clear filter / stop sending",
        HelpOnly,
    ),
    bind(
        KeyCode::Tab,
        NextPane,
        "tab",
        "next pane (shift-tab back)",
        HelpOnly,
    ),
    bind(
        KeyCode::BackTab,
        PrevPane,
        "shift-tab",
        "previous pane",
        HelpOnly,
    ),
    bind(
        KeyCode::Enter,
        Open,
        "enter",
        "open the site's routes",
        HelpOnly,
    ),
    bind(Char('j'), Down, "j/↓", "down", HelpOnly),
    bind(KeyCode::Down, Down, "↓", "down", HelpOnly),
    bind(Char('k'), Up, "k/↑", "up", HelpOnly),
    bind(KeyCode::Up, Up, "↑", "up", HelpOnly),
    bind(Char('g'), Top, "g", "top", HelpOnly),
    bind(KeyCode::Home, Top, "home", "top", HelpOnly),
    bind(Char('G'), Bottom, "G", "bottom", HelpOnly),
    bind(KeyCode::End, Bottom, "end", "bottom", HelpOnly),
    bind(KeyCode::PageUp, PageUp, "pgup", "page up", HelpOnly),
    bind(KeyCode::PageDown, PageDown, "pgdn", "page down", HelpOnly),
];

/// The action bound to a key press, if any.
pub fn action_for(key: &KeyEvent) -> Option<Action> {
    // Shifted letters arrive with SHIFT set; the character already says it.
    let modifiers = key.modifiers - KeyModifiers::SHIFT;
    BINDINGS
        .iter()
        .find(|b| b.code == key.code && b.modifiers == modifiers)
        .map(|b| b.action)
}

/// Whether an action sends revalidations.
pub fn sends(action: Action) -> bool {
    BINDINGS.iter().any(|b| b.action == action && b.sends)
}

/// Bindings for the footer of the focused pane.
pub fn footer(routes_focused: bool, read_only: bool) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| {
        let here = match b.shown {
            Always => true,
            Routes => routes_focused,
            HelpOnly => false,
        };
        here && !(read_only && b.sends)
    })
}

/// Help lines: every action once, movement folded into one line, sending
/// keys hidden in read-only mode.
pub fn help(read_only: bool) -> Vec<(&'static str, &'static str)> {
    let movement = [Up, Down, Top, Bottom, PageUp, PageDown, PrevPane];
    let mut lines: Vec<(&str, &str)> = Vec::new();
    for b in BINDINGS {
        if (read_only && b.sends) || movement.contains(&b.action) {
            continue;
        }
        lines.push((b.key, b.label));
    }
    lines.push(("j k g G", "move, top, bottom (pgup/pgdn page)"));
    lines
}
