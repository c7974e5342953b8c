//! One answer of the world's servers, and how it goes on the wire.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One answer, as a server sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

pub(super) fn text_answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: vec![("content-type", "text/plain".into())],
        body: body.to_string(),
    }
}

pub(super) fn respond(answer: Answer, extra: &[(&'static str, &str)]) -> Response {
    let mut response = (
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        answer.body,
    )
        .into_response();
    let headers = response.headers_mut();
    for (name, value) in answer
        .headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .chain(extra.iter().copied())
    {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}
