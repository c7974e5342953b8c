//! What the console knows of a target's last revalidation: from history
//! at start, or in full from a result of this session.

use crate::history::Record;
use crate::model::outcome::Outcome;
use jiff::Timestamp;

/// The last known result for a target: from this session or from history.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetResult {
    pub time: Timestamp,
    pub outcome: String,
    pub ok: bool,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    pub message: Option<String>,
    /// Only for results of this session:
    pub explanation: Option<String>,
    pub fix: Option<String>,
    pub request: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body_excerpt: Option<String>,
}

impl TargetResult {
    pub fn from_record(record: &Record) -> Self {
        TargetResult {
            time: record.time,
            ok: record.outcome == "revalidated",
            outcome: record.outcome.clone(),
            status: record.status,
            latency_ms: record.latency_ms,
            message: record.message.clone(),
            explanation: None,
            fix: None,
            request: None,
            headers: Vec::new(),
            body_excerpt: None,
        }
    }

    pub fn from_outcome(outcome: &Outcome, request: String, time: Timestamp) -> Self {
        TargetResult {
            time,
            outcome: outcome.kind.as_str().to_string(),
            ok: outcome.kind.is_success(),
            status: outcome.status,
            latency_ms: outcome.latency_ms,
            message: outcome.message.clone(),
            explanation: Some(outcome.explanation.clone()),
            fix: outcome.fix.clone(),
            request: Some(request),
            headers: outcome.response_headers.clone(),
            body_excerpt: outcome.body_excerpt.clone(),
        }
    }
}
