//! Key bindings as data: what each key does, where, and how the footer and
//! the help overlay describe it. One table, so help and footer never
//! disagree with what the keys really do.

use crate::model::config::{Config, ConfigError};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::borrow::Cow;

/// Declares `Action`, its `[keys]` names and `Action::ALL` from one list,
/// so no action can lack a name or be missing from the list.
macro_rules! actions {
    ($($(#[$doc:meta])* $action:ident => $name:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Action {
            $($(#[$doc])* $action,)*
        }

        impl Action {
            /// Every action, in help's order.
            pub const ALL: &'static [Action] = &[$(Action::$action,)*];

            /// Its name in the config's `[keys]`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Action::$action => $name,)*
                }
            }
        }
    };
}

actions! {
    Up => "up",
    Down => "down",
    Top => "top",
    Bottom => "bottom",
    PageUp => "page_up",
    PageDown => "page_down",
    NextPane => "next_pane",
    PrevPane => "prev_pane",
    Open => "open",
    Mark => "mark",
    MarkAll => "mark_all",
    Revalidate => "revalidate",
    Verify => "verify",
    Fresh => "fresh",
    Purge => "purge",
    Checks => "checks",
    Probe => "probe",
    /// Re-read the selected page every 30 s (`w` again stops).
    Watch => "watch",
    RevalidateTag => "tag",
    AdHoc => "ad_hoc",
    Filter => "filter",
    CopyCurl => "copy_curl",
    Help => "help",
    /// The details pane full screen, and back.
    Zoom => "zoom",
    /// Every recorded action, filterable.
    History => "history",
    /// Sort the routes by the next column.
    Sort => "sort",
    /// Turn the sort round.
    SortReverse => "sort_reverse",
    CommandLine => "command_line",
    Cancel => "cancel",
    Quit => "quit",
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

#[derive(Clone, Debug)]
pub struct Binding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub action: Action,
    /// The key as written in help and footer.
    pub key: Cow<'static, str>,
    pub label: &'static str,
    pub shown: Shown,
    /// Sends revalidations: hidden and refused in read-only mode.
    pub sends: bool,
}

const fn make(
    code: KeyCode,
    modifiers: KeyModifiers,
    action: Action,
    (key, label): (&'static str, &'static str),
    shown: Shown,
    sends: bool,
) -> Binding {
    Binding {
        code,
        modifiers,
        action,
        key: Cow::Borrowed(key),
        label,
        shown,
        sends,
    }
}

const NONE: KeyModifiers = KeyModifiers::NONE;

/// The words a binding shows: its key and what it does.
type Words = (&'static str, &'static str);

const fn bind(code: KeyCode, action: Action, (key, label): Words, shown: Shown) -> Binding {
    make(code, NONE, action, (key, label), shown, false)
}

/// A binding for an action that sends revalidations.
const fn sending(code: KeyCode, action: Action, (key, label): Words, shown: Shown) -> Binding {
    make(code, NONE, action, (key, label), shown, true)
}

const fn ctrl(code: KeyCode, action: Action, (key, label): Words, shown: Shown) -> Binding {
    let control = KeyModifiers::CONTROL;
    make(code, control, action, (key, label), shown, false)
}

use Action::*;
use KeyCode::Char;
use Shown::*;

/// The default bindings, in the order help lists them.
pub const BINDINGS: &[Binding] = &[
    sending(Char('r'), Revalidate, ("r", "revalidate"), Routes),
    sending(Char('v'), Verify, ("v", "verify"), Routes),
    sending(Char('f'), Fresh, ("f", "make fresh"), Routes),
    sending(Char('P'), Purge, ("P", "purge CDN"), HelpOnly),
    bind(Char('c'), Checks, ("c", "checks"), Routes),
    bind(Char('p'), Probe, ("p", "probe"), Routes),
    bind(Char('w'), Watch, ("w", "watch"), HelpOnly),
    sending(Char('t'), RevalidateTag, ("t", "tag"), Always),
    sending(Char('a'), AdHoc, ("a", "ad-hoc path"), Always),
    bind(Char(' '), Mark, ("space", "mark"), Routes),
    ctrl(Char('a'), MarkAll, ("ctrl-a", "mark all shown"), HelpOnly),
    bind(Char('/'), Filter, ("/", "filter"), Routes),
    bind(Char('y'), CopyCurl, ("y", "copy curl"), Routes),
    bind(Char('z'), Zoom, ("z", "zoom details"), Always),
    bind(Char('H'), History, ("H", "history"), Always),
    bind(Char('s'), Sort, ("s", "sort by next column"), HelpOnly),
    bind(Char('S'), SortReverse, ("S", "reverse the sort"), HelpOnly),
    bind(Char('?'), Help, ("?", "help"), Always),
    bind(Char(':'), CommandLine, (":", "command"), HelpOnly),
    bind(Char('q'), Quit, ("q", "quit"), Always),
    ctrl(Char('c'), Quit, ("ctrl-c", "quit"), HelpOnly),
    bind(
        KeyCode::Esc,
        Cancel,
        ("esc", "cancel / clear filter / stop sending"),
        HelpOnly,
    ),
    bind(
        KeyCode::Tab,
        NextPane,
        ("tab", "next pane (shift-tab back)"),
        HelpOnly,
    ),
    bind(
        KeyCode::BackTab,
        PrevPane,
        ("shift-tab", "previous pane"),
        HelpOnly,
    ),
    bind(
        KeyCode::Enter,
        Open,
        ("enter", "open the site's routes"),
        HelpOnly,
    ),
    bind(Char('j'), Down, ("j/↓", "down"), HelpOnly),
    bind(KeyCode::Down, Down, ("↓", "down"), HelpOnly),
    bind(Char('k'), Up, ("k/↑", "up"), HelpOnly),
    bind(KeyCode::Up, Up, ("↑", "up"), HelpOnly),
    bind(Char('g'), Top, ("g", "top"), HelpOnly),
    bind(KeyCode::Home, Top, ("home", "top"), HelpOnly),
    bind(Char('G'), Bottom, ("G", "bottom"), HelpOnly),
    bind(KeyCode::End, Bottom, ("end", "bottom"), HelpOnly),
    bind(KeyCode::PageUp, PageUp, ("pgup", "page up"), HelpOnly),
    bind(KeyCode::PageDown, PageDown, ("pgdn", "page down"), HelpOnly),
];

/// The names actions have in the config's `[keys]` table.
impl Action {
    /// The action `[keys]` calls `name`.
    pub fn named(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

/// The console's key bindings: the defaults, with the config's `[keys]`
/// overrides applied.
#[derive(Clone, Debug)]
pub struct KeyMap {
    bindings: Vec<Binding>,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap {
            bindings: BINDINGS.to_vec(),
        }
    }
}

impl KeyMap {
    /// Apply the config's `[keys]`; every problem names its place in the file.
    pub fn from_config(config: &Config) -> Result<KeyMap, Vec<ConfigError>> {
        let mut map = KeyMap::default();
        let mut errors = Vec::new();
        for setting in &config.keys {
            if let Err(message) = map.rebind(&setting.action, &setting.key) {
                errors.push(ConfigError {
                    file: config.file.clone(),
                    line: setting.line,
                    column: setting.column,
                    message,
                    fix: Some(KEYS_FIX.to_string()),
                });
            }
        }
        if errors.is_empty() {
            Ok(map)
        } else {
            Err(errors)
        }
    }

    /// Bind `action` to `key` alone, replacing its default keys.
    fn rebind(&mut self, action_name: &str, key: &str) -> Result<(), String> {
        let action = Action::named(action_name)
            .ok_or_else(|| format!("[keys]: no action named {action_name:?}"))?;
        let (code, modifiers) = parse_key(key)?;
        if is_ctrl_c(code, modifiers) && action != Action::Quit {
            return Err(format!(
                "[keys]: {key:?} always quits (a console must never trap you); choose another key"
            ));
        }
        if let Some(other) = self
            .bindings
            .iter()
            .find(|b| b.code == code && b.modifiers == modifiers && b.action != action)
        {
            let other_name = other.action.name();
            return Err(format!(
                "[keys]: {key:?} is already bound to {other_name}; bind {other_name} to another key too"
            ));
        }
        let Some(template) = self.bindings.iter().find(|b| b.action == action).cloned() else {
            return Err(format!("[keys]: {action_name} cannot be rebound"));
        };
        // Ctrl-C stays bound to quit whatever quit is rebound to.
        self.bindings
            .retain(|b| b.action != action || is_ctrl_c(b.code, b.modifiers));
        let position = BINDINGS
            .iter()
            .position(|b| b.action == action)
            .unwrap_or(0);
        let binding = Binding {
            code,
            modifiers,
            key: Cow::Owned(key.to_string()),
            ..template
        };
        self.bindings
            .insert(position.min(self.bindings.len()), binding);
        Ok(())
    }

    /// The action bound to a key press, if any.
    pub fn action_for(&self, key: &KeyEvent) -> Option<Action> {
        // Shifted letters arrive with SHIFT set; the character already says it.
        let modifiers = key.modifiers - KeyModifiers::SHIFT;
        self.bindings
            .iter()
            .find(|b| b.code == key.code && b.modifiers == modifiers)
            .map(|b| b.action)
    }

    /// The key bound to `action`, as help shows it ("f").
    pub fn key_of(&self, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .map(|b| b.key.to_string())
    }

    /// Bindings for the footer of the focused pane.
    pub fn footer(&self, routes_focused: bool, read_only: bool) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| {
            let here = match b.shown {
                Always => true,
                Routes => routes_focused,
                HelpOnly => false,
            };
            here && !(read_only && b.sends)
        })
    }

    /// Help lines: every action once, movement folded into one line,
    /// sending keys hidden in read-only mode.
    pub fn help(&self, read_only: bool) -> Vec<(String, &'static str, Action)> {
        let movement = [Up, Down, Top, Bottom, PageUp, PageDown, PrevPane];
        let mut lines: Vec<(String, &str, Action)> = Vec::new();
        for b in &self.bindings {
            if (read_only && b.sends) || movement.contains(&b.action) {
                continue;
            }
            lines.push((b.key.to_string(), b.label, b.action));
        }
        let key_of = |action| {
            self.bindings
                .iter()
                .find(|b| b.action == action)
                .map_or(String::new(), |b| b.key.to_string())
        };
        lines.push((
            format!(
                "{} {} {} {}",
                key_of(Down),
                key_of(Up),
                key_of(Top),
                key_of(Bottom)
            ),
            "down, up, top, bottom (pgup/pgdn page)",
            Down,
        ));
        lines
    }
}

const KEYS_FIX: &str = "write e.g. revalidate = \"R\", quit = \"ctrl-q\", filter = \"f3\" (a character, or space, tab, enter, esc, up, down, left, right, home, end, pgup, pgdn, f1-f12, with ctrl- or alt-); actions are listed in config.example.toml";

fn is_ctrl_c(code: KeyCode, modifiers: KeyModifiers) -> bool {
    code == KeyCode::Char('c') && modifiers == KeyModifiers::CONTROL
}

/// "R", "ctrl-a", "space", "f5", "alt-enter".
pub fn parse_key(text: &str) -> Result<(KeyCode, KeyModifiers), String> {
    let mut modifiers = KeyModifiers::NONE;
    let mut rest = text;
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
            modifiers |= KeyModifiers::CONTROL;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
            modifiers |= KeyModifiers::ALT;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest {
        "space" => KeyCode::Char(' '),
        "tab" => KeyCode::Tab,
        "backtab" | "shift-tab" => KeyCode::BackTab,
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        f if f.starts_with('f') && f.len() > 1 => match f[1..].parse::<u8>() {
            Ok(n @ 1..=12) => KeyCode::F(n),
            _ => return Err(format!("[keys]: {text:?} is not a key")),
        },
        c if c.chars().count() == 1 && !c.chars().any(char::is_control) => {
            KeyCode::Char(c.chars().next().unwrap_or(' '))
        }
        _ => {
            return Err(format!(
                "[keys]: {} is not a key",
                crate::model::safe_text::one_line(&format!("{text:?}"))
            ));
        }
    };
    Ok((code, modifiers))
}

/// Whether an action sends revalidations.
pub fn sends(action: Action) -> bool {
    BINDINGS.iter().any(|b| b.action == action && b.sends)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_listed_once_with_its_own_name() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len(), "a name or action twice");
        for binding in BINDINGS {
            assert!(
                Action::ALL.contains(&binding.action),
                "{:?}",
                binding.action
            );
        }
        for &action in Action::ALL {
            assert_eq!(Action::named(action.name()), Some(action));
        }
    }
}
