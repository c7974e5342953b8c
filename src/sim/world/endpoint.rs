//! The world's revalidation endpoint (`/api/revalidate`, any method, the
//! secret and path or tag in the query), in the answer styles apps write:
//! the docs' handler, a webhook that answers every call 200 with its
//! verdict in the body, a handler with no secret check (a published
//! example's), and one that wants a header isrctl cannot send.

use super::answer::Answer;
use super::servers::Inner;
use super::{PAGE, SECRET};

/// How the endpoint answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointStyle {
    /// 401 for a wrong secret, 400 without a path, 200 `revalidated: true`.
    Docs,
    /// 200 always: `{"status":401}`, `{"status":200}` when it ignored the
    /// call, `{"revalidated":true}` when it revalidated.
    Webhook200,
    /// No secret check: 500 without a path (it throws), 200 "Cache
    /// revalidated for path: …" with any.
    NoSecretCheck,
    /// 400 `missing x-signature` to everything isrctl can send.
    NeedsHeader,
    /// 401 for a wrong secret; with the right one it revalidates every
    /// page, whatever path or tag it is given (or none), and says
    /// `revalidated: true` (cms-contentful's handler).
    IgnoresTarget,
}

fn json(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: body.to_string(),
    }
}

fn text(status: u16, body: String) -> Answer {
    Answer {
        status,
        headers: vec![("content-type", "text/plain".into())],
        body,
    }
}

impl Inner {
    /// Answer a call to `/api/revalidate`; revalidating the page stores
    /// nothing new (the next request renders it, as after revalidatePath).
    pub(super) fn endpoint_answer(&mut self, origin: usize, query: &str) -> Answer {
        let param = |name: &str| {
            query.split('&').find_map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key == name).then(|| value.replace("%2F", "/"))
            })
        };
        let right = param("secret").as_deref() == Some(SECRET);
        let path = param("path").or_else(|| param("tag"));
        match (self.world.endpoint, right, path) {
            (EndpointStyle::NeedsHeader, ..) => json(400, r#"{"message":"missing x-signature"}"#),
            (EndpointStyle::IgnoresTarget, false, _) => json(401, r#"{"message":"Invalid token"}"#),
            (EndpointStyle::IgnoresTarget, true, _) => {
                self.revalidate(origin, PAGE);
                json(200, r#"{"revalidated":true,"now":1}"#)
            }
            (EndpointStyle::Docs, false, _) => json(401, r#"{"message":"Invalid token"}"#),
            (EndpointStyle::Docs, true, None) => json(400, r#"{"message":"Path is required"}"#),
            (EndpointStyle::Webhook200, false, _) => json(200, r#"{"status":401}"#),
            (EndpointStyle::Webhook200, true, None) => json(200, r#"{"status":200}"#),
            (EndpointStyle::NoSecretCheck, _, None) => text(500, "Internal Server Error".into()),
            (EndpointStyle::NoSecretCheck, _, Some(path)) => {
                self.revalidate(origin, &path);
                text(200, format!("Cache revalidated for path: {path}"))
            }
            (_, true, Some(path)) => {
                self.revalidate(origin, &path);
                json(200, r#"{"revalidated":true,"now":1}"#)
            }
        }
    }

    /// `revalidatePath(path)` on `origin`: its entry (the shared one on a
    /// shared cache) is dropped, so the next request renders (a MISS). Any
    /// other path changes nothing here.
    fn revalidate(&mut self, origin: usize, path: &str) {
        if path == PAGE {
            let index = self.entry_index(origin);
            self.entries[index] = None;
        }
    }
}
