//! Where the last frame drew what, so a mouse click can be read as the
//! row or key under it. The view writes it (its one write besides the
//! details' scroll limit); `update` reads it.

use crate::tui::keys::Action;
use crate::tui::state::Pane;
use ratatui::layout::{Position, Rect};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hits {
    /// The sites list's rows (inside the border).
    pub sites: Rect,
    /// The routes table's rows (inside the border, under its header) and
    /// the index into `visible` of its first row.
    pub routes: Rect,
    pub routes_first: usize,
    pub details: Rect,
    /// The footer's keys: where each is written and what it does.
    pub footer: Vec<(Rect, Action)>,
}

/// What a click landed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Site(usize),
    Route(usize),
    Pane(Pane),
    Key(Action),
}

impl Hits {
    pub fn at(&self, column: u16, row: u16) -> Option<Hit> {
        let at = Position::new(column, row);
        if let Some((_, action)) = self.footer.iter().find(|(r, _)| r.contains(at)) {
            return Some(Hit::Key(*action));
        }
        if self.sites.contains(at) {
            return Some(Hit::Site(usize::from(row - self.sites.y)));
        }
        if self.routes.contains(at) {
            return Some(Hit::Route(
                self.routes_first + usize::from(row - self.routes.y),
            ));
        }
        if self.details.contains(at) {
            return Some(Hit::Pane(Pane::Details));
        }
        None
    }
}
