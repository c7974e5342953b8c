//! A site session: everything one site's work shares for as long as the
//! program runs — one HTTP client, every secret of the site, one redactor
//! that knows them all, and one [`Job`] whose concurrency, rate limit and
//! 429 pause hold for every request to the site's endpoint.
//!
//! The rules for secrets, held here and nowhere else:
//! - each secret is resolved **when first needed, and once**: a password
//!   manager runs once per session, and not at all for work that does not
//!   need it (a purge never reads the revalidation secret; a revalidation
//!   never reads the purge token);
//! - whatever is resolved is added to the session's one redactor before
//!   anything can print it, so every output of the session masks every
//!   secret it has seen;
//! - resolving blocks (a `command` source may take its time): async code
//!   goes through [`Session::revalidation_ready`] and [`Session::purge_ready`],
//!   which resolve off the async threads.
//!
//! The engine keeps one session per site; the checks read what they need
//! from it.

use crate::model::config::Site;
use crate::model::redact::Redactor;
use crate::model::secret::{Secret, SecretError};
use crate::model::trouble::{CLIENT_FIX, Trouble};
use crate::wire::job_runner::{Job, PauseListener};
use crate::wire::purge::{PurgeCredentials, Purger};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

pub struct Session {
    pub site: Site,
    pub client: reqwest::Client,
    /// The revalidation secret; a failure is itself a finding of the
    /// checks and the reason a revalidation cannot start.
    secret: OnceLock<Result<Secret, SecretError>>,
    /// `Err` (why) when the secret cannot be read: nothing can be sent.
    job: OnceLock<Result<Arc<Job>, Trouble>>,
    /// The CDN purge with its token read; `Err` (why) when it cannot be.
    purger: OnceLock<Result<Arc<Purger>, Trouble>>,
    /// Handed to the job when it is made.
    on_pause: Mutex<Option<PauseListener>>,
    redactor: RwLock<Redactor>,
}

impl Session {
    /// Build the client; no secret is read until some work needs it.
    pub fn open(site: &Site, on_pause: PauseListener) -> Result<Session, Trouble> {
        let client = crate::wire::http::client(&site.limits, site.tls_verify).map_err(|e| {
            Trouble::unavailable(format!("cannot build the HTTP client: {e}")).with_fix(CLIENT_FIX)
        })?;
        Ok(Session {
            site: site.clone(),
            client,
            secret: OnceLock::new(),
            job: OnceLock::new(),
            purger: OnceLock::new(),
            on_pause: Mutex::new(Some(on_pause)),
            redactor: RwLock::new(Redactor::default()),
        })
    }

    /// [`Session::open`], with the revalidation secret resolved off the
    /// async threads (what the checks and the revalidating work need).
    pub async fn prepare(site: Site, on_pause: PauseListener) -> Result<Arc<Session>, Trouble> {
        let session = Arc::new(Session::open(&site, on_pause)?);
        session.revalidation_ready().await?;
        Ok(session)
    }

    /// Resolve the revalidation secret (once) off the async threads.
    pub async fn revalidation_ready(self: &Arc<Self>) -> Result<(), Trouble> {
        let session = self.clone();
        tokio::task::spawn_blocking(move || {
            session.secret();
        })
        .await
        .map_err(|e| Trouble::unavailable(format!("reading the secret stopped: {e}")))
    }

    /// The site's purger, its token resolved (once) off the async threads.
    pub async fn purge_ready(self: &Arc<Self>) -> Result<Arc<Purger>, Trouble> {
        let session = self.clone();
        tokio::task::spawn_blocking(move || session.purger())
            .await
            .map_err(|e| Trouble::unavailable(format!("reading the purge token stopped: {e}")))?
    }

    /// The revalidation secret, resolved the first time it is asked for.
    /// Blocks on that first call.
    pub fn secret(&self) -> &Result<Secret, SecretError> {
        self.secret.get_or_init(|| {
            let secret = self.site.secret.resolve();
            if let Ok(secret) = &secret {
                self.learn(&[secret.expose()]);
            }
            secret
        })
    }

    /// The site's job, or why nothing can be sent.
    pub fn job(&self) -> Result<&Arc<Job>, Trouble> {
        let job = self.job.get_or_init(|| match self.secret() {
            Ok(secret) => {
                let on_pause = self.on_pause.lock().ok().and_then(|mut p| p.take());
                let on_pause = on_pause.unwrap_or_else(crate::wire::job_runner::ignore_pauses);
                Ok(Job::with_client(
                    &self.site,
                    secret.clone(),
                    self.client.clone(),
                    on_pause,
                ))
            }
            Err(e) => Err(Trouble::unavailable(format!(
                "secret from {}: {e}",
                self.site.secret.describe()
            ))),
        });
        job.as_ref().map_err(Trouble::clone)
    }

    /// The site's CDN purge, its credentials read the first time; `Err`
    /// when none is configured or a credential cannot be read.
    pub fn purger(&self) -> Result<Arc<Purger>, Trouble> {
        let purger = self.purger.get_or_init(|| {
            let Some(config) = self.site.purge.clone() else {
                return Err(crate::engine::plan::no_purge_configured(&self.site));
            };
            let credentials = PurgeCredentials::resolve(&config)?;
            self.learn(&credentials.secrets());
            Ok(Arc::new(Purger::new(
                self.site.clone(),
                config,
                self.client.clone(),
                credentials,
                self.redactor(),
            )))
        });
        purger.clone()
    }

    /// A copy of the one redactor: it hides every secret resolved so far.
    pub fn redactor(&self) -> Redactor {
        match self.redactor.read() {
            Ok(redactor) => redactor.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn learn(&self, secrets: &[&str]) {
        let mut redactor = match self.redactor.write() {
            Ok(redactor) => redactor,
            Err(poisoned) => poisoned.into_inner(),
        };
        for secret in secrets {
            redactor.add(secret);
        }
        // The command line's output masks them too, whatever prints them.
        crate::model::out::hide(secrets.iter().copied());
    }

    /// How to fetch `path` of this site: its client, marker and CDN.
    pub fn probe_settings(&self, path: &str) -> crate::wire::probe::ProbeSettings {
        crate::wire::probe::ProbeSettings {
            client: self.client.clone(),
            marker: self.site.route(path).and_then(|r| r.marker.clone()),
            cdn: self
                .site
                .cdn
                .as_deref()
                .and_then(crate::model::cache_headers::Cdn::from_config),
        }
    }
}
