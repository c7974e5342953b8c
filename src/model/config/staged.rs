//! A large config read in two steps: its sites first, then its routes.
//!
//! A generated config of a million routes takes seconds to parse and
//! check even on every core, while its sites (what the console's first
//! frame shows) are a few lines. So the skeleton (the text with its route
//! tables blanked, see `slices`) is parsed and its sites validated first;
//! the route tables follow in slices, each slice's routes validated by the
//! thread that parsed them, so the raw routes are never all held at once.
//!
//! The two steps give exactly what the whole parse and validation give
//! (a property test holds them to it); anything they might not (an error
//! in the skeleton, whose sites the routes need; a shape slices do not
//! read; a parse error, which the whole parse words) is read whole.

use super::slices::{self, ROUTES_PER_SLICE, SLICE_FROM};
use super::*;
use std::ops::Range;

/// What [`load_staged`] read.
pub enum Staged {
    /// Read whole: small, or in a shape read only whole.
    Whole(Config),
    /// The sites are read and valid; the routes are still to read.
    SitesFirst(SitesFirst),
}

impl Staged {
    /// The sites as far as they are read (no routes yet for `SitesFirst`).
    pub fn sites(&self) -> &Config {
        match self {
            Staged::Whole(config) => config,
            Staged::SitesFirst(first) => &first.sites,
        }
    }
}

/// A config whose sites are read and valid, its routes still in the text.
pub struct SitesFirst {
    /// The sites, validated, without their routes.
    pub sites: Config,
    text: String,
    skeleton: Skeleton,
}

impl SitesFirst {
    /// How many route tables are still to read.
    pub fn routes_to_read(&self) -> usize {
        self.skeleton.tables.len()
    }

    /// Reads and checks the routes: the whole config, or every error.
    /// Blocking, and on every core: call it off the async runtime.
    pub fn routes(self) -> Result<Config, LoadError> {
        let SitesFirst {
            sites,
            text,
            skeleton,
        } = self;
        let file = sites.file;
        let at = Locator {
            text: &text,
            file: &file,
        };
        let ranges = slices::slices(&skeleton.tables, ROUTES_PER_SLICE);
        let Some(checked) = check_slices(at, &ranges, &skeleton.sites) else {
            return parse(&text, &file);
        };
        // Gone before the routes are gathered: the text's size less at
        // the peak.
        drop(text);
        merged(&file, skeleton, checked)
    }
}

/// Reads `file`: a large config in the shape a generator writes comes
/// back with its sites first; any other whole, as [`load`] reads it.
pub fn load_staged(file: &Path) -> Result<Staged, LoadError> {
    let text = match String::from_utf8(read_config(file)?) {
        Ok(text) => text,
        Err(e) => return Err(not_utf8(e.as_bytes(), e.utf8_error(), file)),
    };
    let at = Locator { text: &text, file };
    let Some(skeleton) = sites_first(at) else {
        return parse(&text, file).map(Staged::Whole);
    };
    let sites = Config {
        file: file.to_path_buf(),
        sites: skeleton.sites.clone(),
        warnings: skeleton.warnings.clone(),
        keys: skeleton.keys.clone(),
    };
    Ok(Staged::SitesFirst(SitesFirst {
        sites,
        text,
        skeleton,
    }))
}

/// A large config validated in slices; `None` when it must be read whole.
pub(super) fn validated(at: Locator<'_>) -> Option<Result<Config, LoadError>> {
    routes_after(at, sites_first(at)?, ROUTES_PER_SLICE)
}

/// The sites of a large config, validated without their routes.
pub(super) struct Skeleton {
    tables: Vec<Range<usize>>,
    sites: Vec<Site>,
    keys: Vec<KeySetting>,
    warnings: Vec<ConfigError>,
}

/// `None` for a small config, a shape slices do not read, or a skeleton
/// that does not parse or validate.
fn sites_first(at: Locator<'_>) -> Option<Skeleton> {
    if at.text.len() < SLICE_FROM {
        return None;
    }
    skeleton_of(at)
}

pub(super) fn skeleton_of(at: Locator<'_>) -> Option<Skeleton> {
    let tables = slices::route_tables(at.text)?;
    if tables.is_empty() {
        return None;
    }
    let raw = toml::from_str::<raw::RawConfig>(&slices::blanked(at.text, &tables)).ok()?;
    if raw
        .sites
        .values()
        .any(|site| site.get_ref().routes.is_some())
    {
        return None;
    }
    let mut v = Validator::new(at);
    let keys = key_settings(&at, &raw.keys);
    let sites = v.sites(raw);
    if !v.errors.is_empty() {
        return None;
    }
    Some(Skeleton {
        tables,
        sites,
        keys,
        warnings: v.warnings,
    })
}

/// The skeleton's sites with their routes, read `per_slice` tables at a
/// time; `None` when a slice does not parse or names a site the skeleton
/// lacks.
pub(super) fn routes_after(
    at: Locator<'_>,
    skeleton: Skeleton,
    per_slice: usize,
) -> Option<Result<Config, LoadError>> {
    let ranges = slices::slices(&skeleton.tables, per_slice);
    let checked = check_slices(at, &ranges, &skeleton.sites)?;
    Some(merged(at.file, skeleton, checked))
}

/// Each site's routes gathered in file order, each slice's freed as it
/// is taken; the site's tags are its declared ones and its routes'.
fn merged(file: &Path, skeleton: Skeleton, checked: Vec<Checked>) -> Result<Config, LoadError> {
    let Skeleton {
        mut sites,
        keys,
        mut warnings,
        ..
    } = skeleton;
    let mut errors = Vec::new();
    let mut routes: Vec<Vec<Route>> = sites.iter().map(|_| Vec::new()).collect();
    for (site, held) in routes.iter_mut().enumerate() {
        held.reserve_exact(routes_of(&checked, site));
    }
    for slice in checked {
        for (site, more) in slice.routes {
            routes[site].extend(more);
        }
        errors.extend(slice.errors);
        warnings.extend(slice.warnings);
    }
    for (site, routes) in sites.iter_mut().zip(routes) {
        site.tags = validate::all_tags(&site.tags, &routes);
        site.routes = routes.into();
    }
    validate::config_or_errors(file, sites, keys, errors, warnings)
}

fn routes_of(checked: &[Checked], site: usize) -> usize {
    let of_site = checked.iter().flat_map(|c| &c.routes);
    of_site
        .filter(|(s, _)| *s == site)
        .map(|(_, r)| r.len())
        .sum()
}

/// One slice's routes, validated, by the index of their site.
struct Checked {
    routes: Vec<(usize, Vec<Route>)>,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigError>,
}

/// Each slice parsed and its routes validated, on every core, in file
/// order; `None` when one does not parse or names a site not in the
/// skeleton.
fn check_slices(at: Locator<'_>, ranges: &[Range<usize>], sites: &[Site]) -> Option<Vec<Checked>> {
    slices::on_every_core(ranges.len(), |i| {
        let mut v = Validator::new(at);
        let mut routes = Vec::new();
        for (name, raw) in slices::parse_slice(at.text, ranges.get(i)?)? {
            let site = sites.iter().position(|s| s.name == name)?;
            routes.push((site, v.routes(raw, &sites[site].path_rules)));
        }
        Some(Checked {
            routes,
            errors: v.errors,
            warnings: v.warnings,
        })
    })
    .into_iter()
    .collect()
}
