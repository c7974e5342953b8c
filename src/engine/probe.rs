//! Reading a page at every layer without revalidating anything: what
//! `probe` prints and the console's probe shows. A GET through a CDN that
//! had no copy makes it cache what it got, so nothing here sends a secret
//! and every layer's answer is only read.

use super::{Engine, EngineEvent, SiteId};
use crate::engine::checks::cache_layers::ProbedPage;
use crate::model::config::{CacheTopology, Limits, Site};
use crate::model::observation::LayerKind;
use crate::model::trouble::{CLIENT_FIX, Trouble};
use crate::wire::probe::{self, Layer, ProbeSettings};
use tokio::task::JoinHandle;
use url::Url;

impl Engine {
    /// Fetch a page through every layer of its site, revalidating nothing.
    pub fn probe(&self, site: SiteId, path: String) -> JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            let session = match engine.session(site).await {
                Ok(session) => session,
                Err(reason) => return engine.not_started(site, Vec::new(), reason),
            };
            let page = read_page(&session, path).await;
            engine.inner.recorder.probe(&session.site.name, &page);
            engine.emit(EngineEvent::Probed { site, page });
        })
    }
}

/// A page of the session's site at each of its layers, through the
/// session's one client (its connections reused from page to page).
pub(crate) async fn read_page(session: &super::session::Session, path: String) -> ProbedPage {
    let settings = session.probe_settings(&path);
    let probes = probe::probe_page(&settings, &session.site, &path).await;
    ProbedPage::new(path, probes, session.site.cache)
}

/// A bare URL: the URL itself and a cache-busted copy.
pub async fn probe_url(url: Url) -> Result<ProbedPage, Trouble> {
    let client = crate::wire::http::client(&Limits::default(), true).map_err(|e| {
        Trouble::unavailable(format!("cannot build the HTTP client: {e}")).with_fix(CLIENT_FIX)
    })?;
    let settings = ProbeSettings {
        client,
        marker: None,
        cdn: None,
    };
    let layers = vec![
        Layer {
            kind: LayerKind::Public,
            url: url.clone(),
        },
        Layer {
            kind: LayerKind::CacheBusted,
            url: probe::cache_busted(&url),
        },
    ];
    let path = url.path().to_string();
    let observations = probe::read_in_turn(&settings, &layers).await;
    Ok(ProbedPage::new(path, observations, CacheTopology::Unknown))
}

/// A site's page at each of its layers (CDN, each origin, cache-busted).
pub async fn probe_path(site: &Site, path: &str) -> Result<ProbedPage, Trouble> {
    let settings = ProbeSettings::for_site(site, path)?;
    let probes = probe::probe_page(&settings, site, path).await;
    Ok(ProbedPage::new(path.to_string(), probes, site.cache))
}
