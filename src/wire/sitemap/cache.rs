//! Sitemap files as last read, kept in the state directory, so start-up
//! never waits for the network and a refresh asks the site only for what
//! changed (`If-None-Match` / `If-Modified-Since`; a 304 reuses the copy).

use super::{Document, SiteMap, parse};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use url::Url;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Stored {
    etag: Option<String>,
    last_modified: Option<String>,
    document: Option<Document>,
}

/// One site's cached sitemap files and the routes found in them.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    #[serde(skip)]
    file: PathBuf,
    files: HashMap<String, Stored>,
    /// The result of the last refresh.
    pub map: SiteMap,
}

impl Cache {
    /// `DIR/sitemaps/SITE.json`; empty when missing or unreadable.
    pub fn open(state_dir: &Path, site: &str) -> Cache {
        let file = state_dir.join("sitemaps").join(format!("{site}.json"));
        let mut cache: Cache = crate::model::files::read_regular(&file, 512 * 1024 * 1024)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        cache.file = file;
        cache
    }

    /// Write it back (atomically: a reader never sees half a file).
    pub fn save(&self) -> std::io::Result<()> {
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let temp = self
            .file
            .with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&temp, serde_json::to_vec(self)?)?;
        std::fs::rename(&temp, &self.file)
    }

    /// Fetch one sitemap file, conditionally when a copy is kept.
    pub(super) async fn get(
        &mut self,
        client: &reqwest::Client,
        url: &Url,
    ) -> Result<Document, String> {
        let stored = self.files.get(url.as_str()).cloned().unwrap_or_default();
        let mut request = client.get(url.clone());
        if stored.document.is_some() {
            if let Some(etag) = &stored.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = &stored.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, date);
            }
        }
        let mut response = request.send().await.map_err(|e| {
            crate::wire::revalidation::transport_failure(&e, &Default::default()).explanation
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED
            && let Some(document) = stored.document
        {
            return Ok(document);
        }
        if !status.is_success() {
            return Err(format!("answered {status}"));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (etag, last_modified) = (
            header(reqwest::header::ETAG),
            header(reqwest::header::LAST_MODIFIED),
        );
        let (body, truncated) = crate::wire::http::read_capped(&mut response, super::FILE_CAP)
            .await
            .map_err(|e| {
                crate::wire::revalidation::transport_failure(&e, &Default::default()).explanation
            })?;
        if truncated {
            return Err(format!("larger than {} MB", super::FILE_CAP >> 20));
        }
        let document = parse(&body)?;
        self.files.insert(
            url.to_string(),
            Stored {
                etag,
                last_modified,
                document: Some(document.clone()),
            },
        );
        Ok(document)
    }
}
