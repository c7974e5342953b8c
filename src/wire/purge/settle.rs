//! What a purge call needs around its send beyond the shared steps: an
//! EdgeGrid signature made at send time (Akamai), and the wait a provider
//! asks for before its purge holds at every edge (Akamai's estimate).

use super::PurgeCall;
use super::send::{PurgeWatch, Purger};

impl Purger {
    /// Where an EdgeGrid-signed call goes and its signature (none for
    /// other providers); why not, masked, when it cannot be signed.
    pub(super) fn edgegrid_signed(
        &self,
        call: &PurgeCall,
    ) -> Result<(String, Option<String>), String> {
        match &self.credentials.edgegrid {
            Some(credentials) => super::akamai::signed(call, credentials)
                .map(|(url, signature)| (url, Some(signature)))
                .map_err(|why| self.redactor.redact(&why)),
            None => Ok((call.url.clone(), None)),
        }
    }

    /// The request for `call` with its headers, signed with EdgeGrid in
    /// place of the shown `Authorization` where the provider signs so.
    pub(super) fn request_for(
        &self,
        method: reqwest::Method,
        call: &PurgeCall,
    ) -> Result<reqwest::RequestBuilder, String> {
        let (url, signature) = self.edgegrid_signed(call)?;
        let mut request = self.client.request(method, &url);
        for (name, value) in &call.headers {
            if !(signature.is_some() && name.eq_ignore_ascii_case("authorization")) {
                request = request.header(name, value);
            }
        }
        if let Some(signature) = signature {
            request = request.header(reqwest::header::AUTHORIZATION, signature);
        }
        Ok(request)
    }

    /// Wait as long as the provider said its purge takes to reach every
    /// edge (within the patience; Ctrl-C ends it) before reading back.
    pub(super) async fn await_settling(&self, body: &[u8], watch: PurgeWatch<'_>) {
        let Some(wait) = self.wire().settles_after(body) else {
            return;
        };
        (watch.progress)(format!(
            "{} estimates {} s until every edge has the purge; reading back after it",
            self.provider(),
            wait.as_secs()
        ));
        tokio::select! {
            _ = watch.cancel.cancelled() => {}
            _ = tokio::time::sleep(wait.min(watch.patience)) => {}
        }
    }
}
