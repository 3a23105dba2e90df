//! Credentials and secrets.
//!
//! [`Secret`] never prints its content: not in `Debug`, not in `Display`, not through serde.
//! Code that really needs the bytes (the signer, the secret file writer) calls
//! [`Secret::expose`], which is easy to grep for.

use std::fmt;

/// A secret string that redacts itself everywhere it could leak.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret itself. Only signers and the secret store may call this.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A credential a provider can sign requests with.
///
/// Kept as a trait so that clouds with other credential shapes (tokens, STS sessions) plug in:
/// the core only ever needs a public identifier to show the user.
pub trait Credential: Send + Sync + fmt::Debug + 'static {
    /// The public identifier (an access key id), safe to print.
    fn key_id(&self) -> &str;
    /// A short, safe-to-print form of the identifier for messages (`ALTA…c3f9`).
    fn key_hint(&self) -> String {
        let id = self.key_id();
        if id.len() <= 8 {
            id.to_string()
        } else {
            format!("{}…{}", &id[..4], &id[id.len() - 4..])
        }
    }
}

/// An access key pair (AK/SK), as Baidu, Alibaba, Tencent and AWS use.
#[derive(Clone)]
pub struct AccessKey {
    /// The access key id (public).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// An STS session token, when the key is temporary.
    pub session_token: Option<Secret>,
}

impl AccessKey {
    /// A long-lived key pair.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        AccessKey {
            access_key_id: access_key_id.into(),
            secret_access_key: Secret::new(secret_access_key),
            session_token: None,
        }
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Credential for AccessKey {
    fn key_id(&self) -> &str {
        &self.access_key_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let mut key = AccessKey::new("AKIDEXAMPLE0001", "s3cr3t-VALUE-do-not-print");
        key.session_token = Some(Secret::new("token-VALUE-do-not-print"));
        let shown = format!(
            "{key:?} {key:#?} {} {:?}",
            key.secret_access_key, key.secret_access_key
        );
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains("token-VALUE"), "{shown}");
        assert!(shown.contains("AKIDEXAMPLE0001"));
        assert_eq!(key.key_hint(), "AKID…0001");
    }
}
