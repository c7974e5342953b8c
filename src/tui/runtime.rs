//! The message loop: terminal input, engine events and timers become
//! messages; `update` turns them into state and commands; the screen is
//! drawn only when something changed. Input comes in as a stream so tests
//! drive the whole loop without a terminal.

use super::message::{Command, EngineEvent, Message};
use super::state::State;
use super::update::update;
use super::view::view;
use crate::engine::Engine;
use crate::engine::verify::DEFAULT_DEADLINE;
use crate::model::text::secs_until_change;
use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// How often the spinner turns while requests are in flight.
const SPINNER_PERIOD: Duration = Duration::from_millis(100);

pub struct Loop<'a, B: Backend, W: Write> {
    pub terminal: &'a mut Terminal<B>,
    pub engine: Engine,
    pub engine_events: mpsc::UnboundedReceiver<EngineEvent>,
    /// Where OSC 52 clipboard sequences go (the terminal).
    pub clipboard: W,
    /// Where a copy is kept too, since OSC 52 may be dropped.
    pub fallback: super::clipboard::Fallback,
    /// The watches `w` started, to stop one alone.
    pub watches: std::collections::HashMap<(usize, String), tokio::task::JoinHandle<()>>,
    /// Frames drawn, for tests and benchmarks.
    pub frames: &'a AtomicU64,
}

impl<B: Backend, W: Write> Loop<'_, B, W> {
    pub async fn run<I>(
        &mut self,
        state: &mut State,
        mut input: I,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()>
    where
        I: Stream<Item = std::io::Result<Event>> + Unpin,
    {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut dirty = true;
        loop {
            if dirty {
                self.draw(state)?;
                dirty = false;
            }
            if state.quit {
                return Ok(());
            }
            let wake = next_wakeup(state);
            let message = tokio::select! {
                event = input.next() => match event {
                    Some(Ok(Event::Key(key))) => Message::Key(key),
                    Some(Ok(Event::Paste(text))) => Message::Paste(text),
                    Some(Ok(Event::Resize(..))) => Message::Resize,
                    Some(Ok(Event::Mouse(mouse))) if mouse_matters(&mouse) => Message::Mouse(mouse),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Err(e),
                    None => return Ok(()),
                },
                Some(event) = self.engine_events.recv() => Message::Engine(event),
                _ = tokio::time::sleep(wake.unwrap_or(Duration::MAX)), if wake.is_some() => {
                    Message::Tick(jiff::Timestamp::now())
                }
                _ = &mut shutdown => {
                    self.engine.cancel_all();
                    return Ok(());
                }
            };
            dirty |= self.handle(state, message);
            // Drain results that arrived meanwhile: one frame for a burst.
            while let Ok(event) = self.engine_events.try_recv() {
                dirty |= self.handle(state, Message::Engine(event));
            }
        }
    }

    /// Apply one message; true when the screen must be redrawn.
    fn handle(&mut self, state: &mut State, message: Message) -> bool {
        let visible_change = match &message {
            Message::Key(key) => state.modal.is_some() || state.keys.action_for(key).is_some(),
            // An index changes nothing on screen.
            Message::Engine(EngineEvent::RouteIndex { .. }) => false,
            _ => true,
        };
        if !matches!(message, Message::Tick(_)) {
            state.now = jiff::Timestamp::now();
        }
        let answers: Vec<Message> = update(state, message)
            .into_iter()
            .filter_map(|command| self.execute(command))
            .collect();
        // What a command's outcome says (where a copy went) asks nothing more.
        for answer in answers {
            update(state, answer);
        }
        visible_change
    }

    fn draw(&mut self, state: &State) -> std::io::Result<()> {
        self.terminal
            .draw(|frame| view(state, frame))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.frames.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Carry out a command; what it says back, if anything.
    fn execute(&mut self, command: Command) -> Option<Message> {
        match command {
            // The engine's tasks report through events; their handles are
            // not needed here.
            Command::Revalidate { site, targets } => {
                self.engine.revalidate(site, targets);
            }
            Command::Verify { site, targets } => {
                self.engine.verify(site, targets, DEFAULT_DEADLINE);
            }
            Command::Fresh { site, targets } => {
                self.engine.fresh(site, targets, DEFAULT_DEADLINE, true);
            }
            Command::Purge { site, items } => {
                self.engine.purge(site, items, crate::engine::PURGE_WAIT);
            }
            Command::RunChecks { site, paths } => {
                let plan = crate::engine::checks::Plan {
                    paths,
                    active: false,
                    deadline: DEFAULT_DEADLINE,
                    last_revalidation: None,
                };
                self.engine.run_checks(site, plan);
            }
            Command::Probe { site, path } => {
                self.engine.probe(site, path);
            }
            Command::ReadSitemap { site } => {
                self.engine.read_sitemap(site);
            }
            Command::FindStale { site } => {
                self.engine.find_stale(site, Default::default());
            }
            Command::Watch { site, path } => {
                let plan = crate::engine::watcher::WatchPlan {
                    paths: vec![path.clone()],
                    interval: super::update::WATCH_INTERVAL,
                    rounds: None,
                };
                let handle = self.engine.watch(site, plan);
                if let Some(old) = self.watches.insert((site, path), handle) {
                    old.abort();
                }
            }
            Command::Unwatch { site, path } => {
                if let Some(handle) = self.watches.remove(&(site, path)) {
                    handle.abort();
                }
            }
            Command::Bell => {
                let _ = self.clipboard.write_all(b"\x07");
                let _ = self.clipboard.flush();
            }
            Command::CancelAll => self.engine.cancel_all(),
            Command::SetReason(reason) => self.engine.set_reason(reason.as_deref()),
            Command::Copy(text) => {
                let said = super::clipboard::copy(&text, &mut self.clipboard, &self.fallback);
                return Some(Message::Copied(said));
            }
        }
        None
    }
}

/// Clicks and wheel turns; pointer movement and drags change nothing
/// (and would redraw the screen for each cell the pointer crosses).
fn mouse_matters(mouse: &crossterm::event::MouseEvent) -> bool {
    use crossterm::event::{MouseButton, MouseEventKind};
    matches!(
        mouse.kind,
        MouseEventKind::Down(MouseButton::Left)
            | MouseEventKind::ScrollUp
            | MouseEventKind::ScrollDown
    )
}

/// When the screen will next look different without any input: the
/// spinner while requests are in flight, else the next change of a shown
/// relative time ("just now" → "1 min ago"); never, when nothing changes.
pub fn next_wakeup(state: &State) -> Option<Duration> {
    if state.in_flight > 0 {
        return Some(SPINNER_PERIOD);
    }
    // An informational message goes after its lifetime.
    let message = state
        .status
        .as_ref()
        .filter(|(level, _)| *level != super::state::Level::Problem)
        .map(|_| {
            let age = state.now.duration_since(state.status_since).unsigned_abs();
            super::state::MESSAGE_LIFETIME
                .saturating_sub(age)
                .max(Duration::from_millis(100))
        });
    let relative_time = relative_time_change(state);
    match (message, relative_time) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// When a shown relative time ("just now") next reads differently.
fn relative_time_change(state: &State) -> Option<Duration> {
    let site = state.site()?;
    state
        .visible
        .iter()
        .skip(state.route_idx.saturating_sub(100))
        .take(200)
        .filter_map(|&i| site.routes.get(i))
        .filter_map(|route| state.result_for(state.site_idx, &route.target()))
        .map(|result| secs_until_change(result.time, state.now))
        .min()
        .map(|secs| Duration::from_secs(secs.max(1) as u64))
}
