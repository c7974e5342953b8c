//! A server that records every request (method, target, headers, body)
//! and answers from a list (the last answer repeats): the peer for tests
//! that check what isrctl sends, byte for byte.

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: HeaderMap,
    pub body: String,
}

/// Answers: (status, headers, body); the last one repeats.
pub type Answer = (u16, Vec<(&'static str, String)>, String);

pub struct Recorder {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

pub async fn recorder(answers: Vec<Answer>) -> Recorder {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let answers = Arc::new(answers);
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: String| {
            let (log, answers) = (log.clone(), answers.clone());
            async move {
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(Seen {
                        method: method.to_string(),
                        target: uri.to_string(),
                        headers,
                        body,
                    });
                    log.len() - 1
                };
                let (status, headers, body) = answers[n.min(answers.len() - 1)].clone();
                let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
                for (name, value) in headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        },
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Recorder {
        url,
        seen,
        _task: task,
    }
}
