//! Why something could not be done, as a value that crosses floors: the
//! kind of trouble (a caller decides by kind, not by reading words), what
//! happened in words a person can act on, and the fix when there is one.
//! Config errors have their own located type (`config::ConfigError`).

/// The fix when the HTTP client cannot be built (TLS roots, a proxy
/// variable it cannot read).
pub const CLIENT_FIX: &str = "check the system's CA certificates and any HTTPS_PROXY/ALL_PROXY variable; tls_verify = false only for a test site";

/// What went wrong, said once, for every face alike.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what}")]
pub struct Trouble {
    pub kind: TroubleKind,
    /// What happened, in words (already masked: never a secret).
    pub what: String,
    /// What to do about it, when the words do not already say.
    pub fix: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TroubleKind {
    /// What was asked cannot be done as asked; nothing was sent (a usage
    /// error: a target the provider cannot express, a bad URL).
    Refused,
    /// Something isrctl needs could not be read: a secret, a token, a
    /// file, credentials, a client.
    Unavailable,
    /// A server or the network failed, or answered what cannot be read.
    Failed,
}

impl Trouble {
    pub fn refused(what: impl Into<String>) -> Trouble {
        Trouble::new(TroubleKind::Refused, what)
    }

    pub fn unavailable(what: impl Into<String>) -> Trouble {
        Trouble::new(TroubleKind::Unavailable, what)
    }

    pub fn failed(what: impl Into<String>) -> Trouble {
        Trouble::new(TroubleKind::Failed, what)
    }

    fn new(kind: TroubleKind, what: impl Into<String>) -> Trouble {
        Trouble {
            kind,
            what: what.into(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Trouble {
        self.fix = Some(fix.into());
        self
    }
}
