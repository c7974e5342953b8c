//! Keys that look without sending: the checks (`c`), a probe (`p`) and
//! the curl copied for the clipboard (`y`).

use super::*;

/// `c`: the passive checks for the selected (or marked) plain routes.
pub(super) fn run_checks(state: &mut State) -> Vec<Command> {
    let Some(site) = state.site() else {
        return Vec::new();
    };
    let name = site.name.clone();
    let paths: Vec<String> = selection_targets(state)
        .into_iter()
        .filter(|t| t.page_type.is_none())
        .map(|t| t.value)
        .collect();
    state.checklist = Some(Checklist {
        time: state.now,
        site: name.clone(),
        paths: paths.clone(),
        findings: Vec::new(),
        done: false,
    });
    state.push_activity(
        Level::Info,
        format!("{name}: checking {}", describe_paths(&paths)),
    );
    vec![Command::RunChecks {
        site: state.site_idx,
        paths,
    }]
}

fn describe_paths(paths: &[String]) -> String {
    match paths {
        [] => "the site".to_string(),
        [one] => one.clone(),
        many => format!("{} paths", many.len()),
    }
}

/// `p`: fetch the selected page through every layer.
pub(super) fn probe_selected(state: &mut State) -> Vec<Command> {
    let (Some(site), Some(route)) = (state.site(), state.selected_route()) else {
        return Vec::new();
    };
    if route.page_type.is_some() {
        state.say(
            Level::Info,
            "a pattern is not a page: probe one of its paths",
        );
        return Vec::new();
    }
    let (name, path) = (site.name.clone(), route.path.clone());
    state.push_activity(Level::Info, format!("{name}: probing {path}"));
    vec![Command::Probe {
        site: state.site_idx,
        path,
    }]
}

pub(super) fn copy_curl(state: &mut State) -> Vec<Command> {
    let (Some(site), Some(route)) = (state.site(), state.selected_route()) else {
        return Vec::new();
    };
    match endpoint::curl_command(&site.endpoint, &route.target(), &site.secret) {
        // Where it went is said when it has gone (`Message::Copied`).
        Ok(curl) => {
            state.say(Level::Info, format!("copying: {curl}"));
            state.push_activity(Level::Info, format!("copying: {curl}"));
            vec![Command::Copy(curl)]
        }
        Err(reason) => {
            state.say(Level::Problem, reason.to_string());
            Vec::new()
        }
    }
}
