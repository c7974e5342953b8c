//! Revalidate and verify: did the page really change, at each origin and at
//! the CDN, and after how long? Fingerprint the page at every layer,
//! revalidate through the site's job (within its limits), then poll every
//! layer with backoff until it changes or the deadline passes, and give a
//! [`Verdict`] with the evidence. The engine runs it for `revalidate
//! --verify` and the console's `v`; the `verify` and `webhook` checks adapt
//! it into findings.
//!
//! The model (real pages show data, not their render time: the same data
//! renders byte-identical HTML with the same ETag):
//!
//! - An origin has two facts, kept apart: **regenerated** (it answered
//!   `x-nextjs-cache: MISS`/`REVALIDATED`, or STALE and then a new render,
//!   or new content) and **content** (marker, else ETag, else body hash:
//!   did the page change?).
//! - The public layer, and the page's RSC variant there, are **fresh when
//!   they serve what the origins serve now** — never "changed since before".
//! - Not regenerated: the silent no-op. Regenerated with the same content:
//!   `regenerated_same_content` (the data source was not yet consistent).
//!   Origins that disagree: replicas. The CDN serving something else than
//!   agreeing origins: stale at the CDN; the RSC variant likewise.
//!
//! What Next.js does after each kind of revalidation decides when polling
//! can stop early: after `revalidatePath` the next request is a MISS, so an
//! origin answering HIT with the old page was not revalidated (a silent
//! no-op, or another instance: without origins, one answer is never
//! enough — the URL is sampled). After `revalidateTag(t, 'max')` the next
//! request is served STALE once, so a STALE is "not yet". A CDN copy whose
//! remaining TTL outlasts the deadline will not change in time either.

mod regeneration;
mod retry;
mod rsc;
mod settled;
mod stale_cdn;
mod topology;
mod watch;
mod words;

pub use retry::{VerifyPlan, retry_words, with_retry};
pub(crate) use rsc::watch_rsc;
pub(crate) use stale_cdn::note_stale_cdn;
pub(crate) use topology::SentTo;
pub(crate) use watch::{Gate, Watch, Watching, fingerprint};

use crate::engine::session::Session;
use crate::model::config::Site;
use crate::model::fingerprint::Fingerprint;
use crate::model::observation::LayerKind;
use crate::model::outcome::Outcome;
use crate::model::page_kind::PageKind;
use crate::model::paths::{self, covers};
use crate::model::target::{Target, TargetKind};
use crate::model::trouble::Trouble;
use crate::wire::job_runner::{self, Job};
use serde::Serialize;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use words::conclude;
#[cfg(test)]
use words::verdict;

/// How long a verification watches the page unless told otherwise: the
/// command line's `--deadline` default and the console's `v`.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_secs(2);

/// The pauses before each read while a layer is watched: none before the
/// first (an origin's next answer after `revalidatePath` is already the
/// new page, and a purged cache's next answer is a fetch), then
/// [`FIRST_POLL`] growing by 1.6 to [`MAX_POLL`] while the answer is
/// still coming (a background render, a purge spreading).
pub(crate) fn pauses() -> impl Iterator<Item = Duration> {
    let growing = std::iter::successors(Some(FIRST_POLL), |w| Some((*w * 8 / 5).min(MAX_POLL)));
    std::iter::once(Duration::ZERO).chain(growing)
}
/// How many answers the cache-busted URL gets, at least, before isrctl
/// concludes anything from it: without origins, several instances may
/// answer in turn, and one answer says nothing about the others.
pub(crate) const SAMPLES: u32 = 4;
/// Pages watched for one tag or pattern, at most.
const MAX_PAGES: usize = 3;
/// The evidence of an origin that served a new page without a sign that it
/// rendered it for this request.
const NEW_CONTENT: &str = "new content";
/// The evidence of an origin whose cache served the page another origin
/// rendered since the revalidation.
const SERVES_ANOTHERS_RENDER: &str = "HIT with the page another origin rendered since the revalidation (one shared ISR cache, or the same data)";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every layer serves the new page.
    FreshEverywhere,
    /// The origin(s) serve the new page; the CDN still serves the old copy.
    FreshAtOriginStaleAtCdn,
    /// Some origin instances serve the new page, others the old one.
    StaleReplica,
    /// The endpoint said yes, and no origin re-rendered the page: a silent no-op.
    Unchanged,
    /// Every origin re-rendered the page, with the same content as before:
    /// the data source was not yet consistent, or an inner cache kept it.
    RegeneratedSameContent,
    /// The HTML is fresh everywhere; the CDN's copy of the page's RSC
    /// payload (client-side navigations) is not.
    HtmlFreshRscStale,
    /// Every origin answers 404, before and until the deadline.
    NotFound,
    /// The origins rendered the page per request: revalidation does not apply.
    Dynamic,
    /// `next dev`: every request renders; ISR does not apply.
    DevServer,
    /// The page answered 5xx before the revalidation: broken, not stale.
    Broken,
    /// The page served before the revalidation, and 404 or 5xx after.
    BrokenByRevalidation,
    /// 401/403: the page cannot be read without credentials.
    NeedsCredentials,
    /// 3xx: the page is elsewhere.
    Redirects,
    /// Next's error page inside a 200.
    #[serde(rename = "soft_404")]
    Soft404,
    /// No fingerprint before or after at some layer.
    CouldNotTell,
}

impl Verdict {
    /// The verdict a history record names (`fresh_everywhere`).
    pub fn from_name(name: &str) -> Option<Verdict> {
        use serde::de::IntoDeserializer;
        let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        serde::Deserialize::deserialize(name).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::FreshEverywhere => "fresh_everywhere",
            Verdict::FreshAtOriginStaleAtCdn => "fresh_at_origin_stale_at_cdn",
            Verdict::StaleReplica => "stale_replica",
            Verdict::Unchanged => "unchanged",
            Verdict::RegeneratedSameContent => "regenerated_same_content",
            Verdict::HtmlFreshRscStale => "html_fresh_rsc_stale",
            Verdict::NotFound => "not_found",
            Verdict::Dynamic => "dynamic",
            Verdict::DevServer => "dev_server",
            Verdict::Broken => "broken",
            Verdict::BrokenByRevalidation => "broken_by_revalidation",
            Verdict::NeedsCredentials => "needs_credentials",
            Verdict::Redirects => "redirects",
            Verdict::Soft404 => "soft_404",
            Verdict::CouldNotTell => "could_not_tell",
        }
    }
}

/// How one layer went from the old page to the new one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerFreshness {
    pub layer: LayerKind,
    pub label: String,
    pub url: String,
    /// The last HTTP status this layer answered.
    pub status: Option<u16>,
    /// The page before the revalidation. The public layer is not fetched
    /// before (see [`fingerprint`]): its "before" is the origin's old page.
    /// For the RSC variant: the origins' payload it is judged against.
    pub before: Option<Fingerprint>,
    pub after: Option<Fingerprint>,
    /// Milliseconds after the endpoint's answer when this layer first
    /// served the new page: for an origin, when it showed it re-rendered
    /// the page; for the public layer, when it served what the origins serve.
    pub fresh_after_ms: Option<u64>,
    /// An origin's evidence that it re-rendered the page after the
    /// revalidation ("x-nextjs-cache MISS", "new content").
    pub regenerated: Option<String>,
    /// Without origins: the URL answered the old page again after the new
    /// one — several instances, each with its own ISR cache, behind it.
    pub alternated: Option<String>,
    /// What the page was before the revalidation, and is at the last answer.
    pub kind_before: Option<PageKind>,
    pub kind: Option<PageKind>,
    pub polls: u32,
    /// The last fetch, in one line.
    pub last: Option<String>,
    /// Why polling this layer stopped early without a change.
    pub settled: Option<String>,
    /// The read before the revalidation was a MISS: the page was cold
    /// (evicted, just deployed) and that read rendered it, so its "before"
    /// is already a render of the current data, not an old page.
    #[serde(skip)]
    pub(crate) cold_before: bool,
    /// The cache state of the answer that first showed the new page.
    #[serde(skip)]
    pub(crate) fresh_from: Option<crate::model::cache_headers::CacheState>,
    /// Answered STALE since the revalidation: the next HIT is a new render.
    #[serde(skip)]
    pub(crate) saw_stale: bool,
    /// The endpoint rendered the page on this origin before it answered
    /// (Pages Router `res.revalidate`): its next 200 is the new render.
    #[serde(skip)]
    pub(crate) rendered_by_endpoint: bool,
    /// Answers with the old page and no sign of a new render, in a row.
    #[serde(skip)]
    pub(crate) old_answers: u32,
    /// Where the last 3xx pointed (its `last` line says it too).
    #[serde(skip)]
    pub(crate) redirect: Option<String>,
    /// The public layer's answers showed a CDN (a cache status, an Age, or
    /// a CDN named in the config).
    #[serde(skip)]
    pub(crate) cdn_seen: bool,
}

impl LayerFreshness {
    /// How this layer ended, in words: "fresh after 120 ms", "old page: …".
    pub fn state(&self) -> String {
        match (self.fresh_after_ms, &self.settled) {
            (Some(ms), _) => format!("fresh after {} ms", crate::model::text::thousands(ms)),
            (None, Some(why)) => format!("old page: {why}"),
            (None, None) if self.before.is_none() => match (self.kind_before, self.status) {
                (Some(kind), Some(status)) if kind.words().is_some() => {
                    format!(
                        "answered {status} before the revalidation ({})",
                        kind.as_str()
                    )
                }
                _ => "no page before the revalidation".into(),
            },
            // The public layer is read only once an origin serves the new page.
            (None, None) if self.polls == 0 && self.layer == LayerKind::Public => {
                "not read: no origin served the new page".into()
            }
            (None, None) => "old page at the deadline".into(),
        }
    }
}

/// The one wording of a layer's result, for every face: "origin 1: fresh
/// after 120 ms", "public: old page: …".
impl std::fmt::Display for LayerFreshness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.label, self.state())
    }
}

/// The verdict on one page after one revalidation, with the evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verification {
    pub site: String,
    pub target: Target,
    /// The page watched (a tag or pattern maps to the routes it covers).
    pub page: String,
    pub verdict: Verdict,
    pub explanation: String,
    pub fix: Option<String>,
    /// The revalidation's own outcome.
    pub outcome: Outcome,
    pub layers: Vec<LayerFreshness>,
    /// The page's RSC variant through the public URL, judged against the
    /// origins' (none when the page has none, or the HTML is not fresh).
    pub rsc: Option<LayerFreshness>,
    /// `fresh` read the public URL before purging, and it served something
    /// else than the origins (the purge was needed).
    pub cdn_was_stale: bool,
    /// What the origins' answers after the revalidation said of their ISR
    /// caches, when that is news: shared (one revalidation is enough), or
    /// per instance where the config says shared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_topology: Option<String>,
    pub elapsed_ms: u64,
    pub deadline_ms: u64,
    /// Cut short (Esc, Ctrl-C) before it reached a verdict: `verdict` says
    /// nothing of the page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
}

/// The outcome of a verification record cut short before a verdict.
pub const STOPPED: &str = "stopped";

impl Verification {
    /// Mark the verifications of a target whose watch a cancel cut short:
    /// those without a verdict are stopped, not "could not tell".
    pub fn mark_stopped(verifications: &mut [Verification], interrupted: bool) {
        for v in verifications.iter_mut() {
            v.stopped = interrupted && v.verdict == Verdict::CouldNotTell;
        }
    }

    /// The history record of this verification (action "verify", outcome
    /// the verdict), as `revalidate --verify` and `check --active` write it.
    pub fn history_record(&self) -> crate::history::Record {
        crate::history::Record {
            time: jiff::Timestamp::now(),
            operator: crate::history::operator(),
            site: self.site.clone(),
            target: self.target.clone(),
            action: "verify".into(),
            outcome: match self.stopped {
                true => STOPPED.into(),
                false => self.verdict.as_str().into(),
            },
            status: self.outcome.status,
            latency_ms: Some(self.elapsed_ms),
            message: Some(match self.stopped {
                true => format!("{}: stopped before a verdict (Esc or Ctrl-C)", self.page),
                false => format!("{}: {}", self.page, self.explanation),
            }),
            reason: None,
            secret: None,
        }
    }
}

/// The pages a target should change: the path itself (with the slash a
/// user meant, so a silent no-op shows), the configured routes a pattern
/// covers, or the configured routes carrying a tag.
pub fn pages_for(site: &Site, target: &Target) -> Vec<String> {
    let plain = site.routes.iter().filter(|r| r.page_type.is_none());
    let pages: Vec<String> = match target.kind {
        TargetKind::Tag => plain
            .filter(|r| r.tags.contains(&target.value))
            .map(|r| r.path.clone())
            .collect(),
        TargetKind::Path if paths::is_dynamic_pattern(&target.value) => plain
            .filter(|r| covers(&target.value, &r.path))
            .map(|r| r.path.clone())
            .collect(),
        TargetKind::Path if target.value.starts_with('/') => vec![target.value.clone()],
        TargetKind::Path => vec![format!("/{}", target.value)],
    };
    let slash = |page: String| match site.path_rules.trailing_slash {
        // trailingSlash: the page lives at its slash form (the other answers 308).
        true if !page.ends_with('/') && !page.rsplit('/').next().unwrap_or("").contains('.') => {
            format!("{page}/")
        }
        _ => page,
    };
    pages.into_iter().take(MAX_PAGES).map(slash).collect()
}

/// What a revalidate-and-verify produced: the revalidation's outcome and a
/// verification per watched page (none when the revalidation failed).
pub type Verified = (Outcome, Vec<Verification>);

/// Fingerprint, revalidate, poll. No verification when the revalidation
/// itself failed (its outcome says why); `Err` when nothing can be sent
/// (the secret cannot be read).
pub async fn revalidate_and_verify(
    session: &Session,
    target: &Target,
    pages: &[String],
    deadline: Duration,
    cancel: &CancellationToken,
) -> Result<Verified, Trouble> {
    let job = session.job()?;
    Ok(verify_with(session, job, target, pages, deadline, cancel).await)
}

async fn verify_with(
    session: &Session,
    job: &Job,
    target: &Target,
    pages: &[String],
    deadline: Duration,
    cancel: &CancellationToken,
) -> Verified {
    let watches = fingerprint(session, pages).await;
    let outcome = job_runner::send_one(job, target, cancel).await;
    if !outcome.kind.is_success() {
        return (outcome, Vec::new());
    }
    // One origin: the endpoint (through the public URL) reached it.
    let reached_every_origin = session.site.origins.len() == 1;
    let polls = watches.into_iter().map(|w| async {
        let mut watching = Watching::start(w);
        if reached_every_origin && session.site.endpoint.renders_before_answering {
            watching.rendered_by_endpoint();
        }
        watching
            .poll(Gate::PublicAfterAnOrigin, target.kind, deadline, cancel)
            .await;
        watching.rsc = rsc::watch_rsc(&watching, target.kind, deadline, cancel).await;
        verdict_on(session, watching, target, &outcome, deadline)
    });
    let verifications = futures::future::join_all(polls).await;
    (outcome, verifications)
}

/// The verdict on a watched page, with its evidence.
pub(crate) fn verdict_on(
    session: &Session,
    watching: Watching,
    target: &Target,
    outcome: &Outcome,
    deadline: Duration,
) -> Verification {
    let elapsed = watching.started.elapsed();
    let evidence = words::Evidence {
        layers: watching.layers,
        rsc: watching.rsc,
        cdn_was_stale: watching.cdn_was_stale,
        sent_to: watching.sent_to,
    };
    conclude(
        session,
        watching.watch.page,
        target,
        outcome,
        evidence,
        elapsed,
        deadline,
    )
}

#[cfg(test)]
mod tests;
