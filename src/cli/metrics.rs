//! `watch --metrics ADDR`: the latest read of each watched page in
//! Prometheus's text format (OpenMetrics, through the Prometheus project's
//! own `prometheus-client`), for the alerting a team already runs. The
//! README's "Metrics" section lists each metric and an example rule.

use crate::engine::watcher::Watched;
use crate::model::standing::Standing;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PageLabels {
    site: String,
    path: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LayerLabels {
    site: String,
    path: String,
    layer: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StandingLabels {
    site: String,
    path: String,
    standing: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Every metric `watch` serves.
pub struct Metrics {
    registry: Registry,
    copy_age: Family<LayerLabels, FloatGauge>,
    expires_in: Family<LayerLabels, FloatGauge>,
    past_lastmod: Family<PageLabels, FloatGauge>,
    standing: Family<StandingLabels, Gauge>,
    probe_errors: Family<PageLabels, Counter>,
    last_read: Family<PageLabels, FloatGauge>,
}

const STANDINGS: [Standing; 4] = [
    Standing::Fresh,
    Standing::Unknown,
    Standing::Attention,
    Standing::Stale,
];

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let m = Metrics {
            copy_age: Family::default(),
            expires_in: Family::default(),
            past_lastmod: Family::default(),
            standing: Family::default(),
            probe_errors: Family::default(),
            last_read: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "isrctl_copy_age_seconds",
            "Age of the copy each layer serves (Age header, or the render its marker time shows)",
            m.copy_age.clone(),
        );
        registry.register(
            "isrctl_copy_expires_in_seconds",
            "Seconds until the copy each layer serves expires (TTL minus age; negative: past it)",
            m.expires_in.clone(),
        );
        registry.register(
            "isrctl_seconds_past_lastmod",
            "Seconds since the sitemap's lastmod while the public copy is older than it (0 otherwise)",
            m.past_lastmod.clone(),
        );
        registry.register(
            "isrctl_page_standing",
            "1 for how the page stands now (fresh, unknown, attention, stale), 0 for the others",
            m.standing.clone(),
        );
        registry.register(
            "isrctl_probe_errors",
            "Layers that sent no whole answer, counted over the watch",
            m.probe_errors.clone(),
        );
        registry.register(
            "isrctl_last_read_timestamp_seconds",
            "When the page was last read (Unix time)",
            m.last_read.clone(),
        );
        Metrics { registry, ..m }
    }

    /// The latest read of one page replaces what the metrics said of it.
    pub fn observe(&self, w: &Watched) {
        let page = PageLabels {
            site: w.site.clone(),
            path: w.path.clone(),
        };
        for layer in &w.layers {
            let labels = LayerLabels {
                site: w.site.clone(),
                path: w.path.clone(),
                layer: layer.layer.clone(),
            };
            // A layer that no longer says its age has none to report.
            match layer.age_s {
                Some(age) => {
                    self.copy_age.get_or_create(&labels).set(age as f64);
                }
                None => {
                    self.copy_age.remove(&labels);
                }
            }
            if let Some(left) = layer.expires_in_s {
                self.expires_in.get_or_create(&labels).set(left as f64);
            }
        }
        let past = w.seconds_past_lastmod as f64;
        self.past_lastmod.get_or_create(&page).set(past);
        for standing in STANDINGS {
            let labels = StandingLabels {
                site: w.site.clone(),
                path: w.path.clone(),
                standing: standing.as_str().to_string(),
            };
            let now = i64::from(standing == w.standing);
            self.standing.get_or_create(&labels).set(now);
        }
        self.probe_errors
            .get_or_create(&page)
            .inc_by(w.errors as u64);
        let read_at = w.time.as_millisecond() as f64 / 1000.0;
        self.last_read.get_or_create(&page).set(read_at);
    }

    /// The text Prometheus scrapes.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail; an empty body says so if it did.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Serve `GET /metrics` on `listener` until the program ends.
pub async fn serve(listener: tokio::net::TcpListener, metrics: Arc<Metrics>) {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    metrics.encode(),
                )
            }
        }),
    );
    if let Err(e) = axum::serve(listener, app).await {
        tracing::warn!("metrics server stopped: {e}");
    }
}
