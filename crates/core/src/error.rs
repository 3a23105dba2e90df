//! The one error type every Vigil layer speaks.
//!
//! Providers translate their own failures into [`Error`] at their boundary. The error carries
//! *data* that callers decide on (kind, retryable, the vendor's error code and request id) so
//! nobody has to substring-match messages.

use std::fmt;

/// What went wrong, independent of the cloud.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The access key id is unknown to the cloud.
    InvalidCredentials,
    /// The access key exists but is disabled.
    CredentialsDisabled,
    /// The signature did not verify: usually a wrong secret key.
    SignatureMismatch,
    /// The request was outside its validity window: usually clock skew.
    RequestExpired,
    /// Authenticated, but the attached policies do not allow this call.
    PermissionDenied,
    /// The resource or API does not exist.
    NotFound,
    /// The cloud asked us to slow down.
    Throttled,
    /// The cloud failed (5xx).
    ServerError,
    /// The request timed out.
    Timeout,
    /// The connection could not be made or broke.
    Network,
    /// The region is not known to the provider.
    UnknownRegion,
    /// The product is not known to the registry.
    UnknownProduct,
    /// A response could not be understood.
    InvalidResponse,
    /// The request was rejected as malformed (4xx other than the above).
    BadRequest,
    /// Bad configuration or input from the user.
    Config,
    /// The local store failed.
    Store,
    /// The operation was interrupted (shutdown).
    Interrupted,
    /// Anything else.
    #[default]
    Other,
}

impl ErrorKind {
    /// Whether an error of this kind is worth retrying by default.
    pub fn default_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Timeout | ErrorKind::Network
        )
    }

    /// A stable snake_case name, as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidCredentials => "invalid_credentials",
            ErrorKind::CredentialsDisabled => "credentials_disabled",
            ErrorKind::SignatureMismatch => "signature_mismatch",
            ErrorKind::RequestExpired => "request_expired",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Throttled => "throttled",
            ErrorKind::ServerError => "server_error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Network => "network",
            ErrorKind::UnknownRegion => "unknown_region",
            ErrorKind::UnknownProduct => "unknown_product",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Config => "config",
            ErrorKind::Store => "store",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Other => "other",
        }
    }

    /// Whether this kind says the credentials themselves are unusable.
    pub fn is_credential_failure(self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidCredentials
                | ErrorKind::CredentialsDisabled
                | ErrorKind::SignatureMismatch
                | ErrorKind::RequestExpired
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with the facts a caller or a user needs.
///
/// Never put secrets in `message` or `context`: errors are printed, logged and stored.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Error {
    kind: ErrorKind,
    retryable: bool,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    request_id: Option<String>,
    context: Vec<(&'static str, String)>,
    retries: u32,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error; retryability defaults from the kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            retryable: kind.default_retryable(),
            message: message.into(),
            status: None,
            code: None,
            request_id: None,
            context: Vec::new(),
            retries: 0,
        }
    }

    /// Override retryability.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }
    /// Attach the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
    /// Attach the vendor's error code (e.g. `AccessDenied`).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }
    /// Attach the vendor's request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if !id.is_empty() {
            self.request_id = Some(id);
        }
        self
    }
    /// Attach a key/value of context (operation, region, product ...).
    pub fn with_context(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.context.push((key, value.into()));
        self
    }
    /// Record how many retries were spent before giving up.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// Whether retrying may help.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The HTTP status, if any.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
    /// The vendor error code, if any.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
    /// The vendor request id, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// Context pairs.
    pub fn context(&self) -> &[(&'static str, String)] {
        &self.context
    }
    /// Retries spent before this error was returned.
    pub fn retries(&self) -> u32 {
        self.retries
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(code) = &self.code {
            write!(f, " (code {code}")?;
            if let Some(status) = self.status {
                write!(f, ", HTTP {status}")?;
            }
            if let Some(id) = &self.request_id {
                write!(f, ", request id {id}")?;
            }
            write!(f, ")")?;
        } else if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        for (k, v) in &self.context {
            write!(f, ", {k}: {v}")?;
        }
        if self.retries > 0 {
            write!(f, "; still failing after {} retries", self.retries)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryability_follows_kind() {
        assert!(Error::new(ErrorKind::Throttled, "x").is_retryable());
        assert!(Error::new(ErrorKind::ServerError, "x").is_retryable());
        assert!(!Error::new(ErrorKind::PermissionDenied, "x").is_retryable());
        assert!(!Error::new(ErrorKind::InvalidCredentials, "x").is_retryable());
    }

    #[test]
    fn display_names_code_status_and_request_id() {
        let e = Error::new(ErrorKind::PermissionDenied, "Access denied.")
            .with_code("AccessDenied")
            .with_status(403)
            .with_request_id("r-1")
            .with_context("region", "gz");
        assert_eq!(
            e.to_string(),
            "Access denied. (code AccessDenied, HTTP 403, request id r-1), region: gz"
        );
    }
}
