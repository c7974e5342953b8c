//! A site session: everything one site's work shares for as long as the
//! program runs — the secret (resolved once: a password manager runs once),
//! one HTTP client, one redactor, and one [`Job`] whose concurrency, rate
//! limit and 429 pause hold for every request to the site's endpoint
//! (revalidations, verification, the auth check's probes, later purges).
//!
//! The engine keeps one session per site; the checks read what they need
//! from it.

use crate::config::Site;
use crate::job_runner::{Job, PauseListener};
use crate::redact::Redactor;
use crate::secret::{Secret, SecretError};
use std::sync::Arc;

pub struct Session {
    pub site: Site,
    /// Resolved once; a failure is itself a finding of the checks and the
    /// reason a revalidation cannot start.
    pub secret: Result<Secret, SecretError>,
    pub client: reqwest::Client,
    pub redactor: Redactor,
    /// `Err` (why) when the secret cannot be read: nothing can be sent.
    job: Result<Arc<Job>, String>,
}

impl Session {
    /// Resolve the secret and build the client. Blocks (a secret command
    /// may take its time): from async code use [`Session::prepare`].
    pub fn open(site: &Site, on_pause: PauseListener) -> Result<Session, String> {
        let secret = site.secret.resolve();
        Session::with_secret(site, secret, on_pause)
    }

    /// With the secret's resolution already done.
    pub fn with_secret(
        site: &Site,
        secret: Result<Secret, SecretError>,
        on_pause: PauseListener,
    ) -> Result<Session, String> {
        let client = crate::http::client(&site.limits, site.tls_verify)
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let redactor = Redactor::new(secret.as_ref().ok());
        let job = match &secret {
            Ok(s) => Ok(Job::with_client(site, s.clone(), client.clone(), on_pause)),
            Err(e) => Err(format!("secret from {}: {e}", site.secret.describe())),
        };
        Ok(Session {
            site: site.clone(),
            secret,
            client,
            redactor,
            job,
        })
    }

    /// [`Session::open`] off the async threads.
    pub async fn prepare(site: Site, on_pause: PauseListener) -> Result<Arc<Session>, String> {
        tokio::task::spawn_blocking(move || Session::open(&site, on_pause).map(Arc::new))
            .await
            .map_err(|e| format!("reading the secret stopped: {e}"))?
    }

    /// How to fetch `path` of this site: its client, marker and CDN.
    pub fn probe_settings(&self, path: &str) -> crate::probe::ProbeSettings {
        crate::probe::ProbeSettings {
            client: self.client.clone(),
            marker: self.site.route(path).and_then(|r| r.marker.clone()),
            cdn: self
                .site
                .cdn
                .as_deref()
                .and_then(crate::cache_headers::Cdn::from_config),
        }
    }

    /// The site's job, or why nothing can be sent.
    pub fn job(&self) -> Result<&Arc<Job>, String> {
        self.job.as_ref().map_err(String::clone)
    }
}
