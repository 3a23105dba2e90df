//! Validated region identifiers.
//!
//! A region is a value, not a trait: every cloud names regions with a short string, and what
//! differs per cloud (which regions exist, their endpoints) is the provider's business. The
//! newtype guarantees the string is safe to splice into a host name (`bcc.{region}.baidubce.com`).

use std::fmt;

use crate::error::{Error, ErrorKind};

/// A region id such as `bj` or `cn-hangzhou`: lower-case ASCII letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Region(String);

impl Region {
    /// Parse and validate a region id.
    pub fn new(id: impl AsRef<str>) -> Result<Self, Error> {
        let id = id.as_ref().trim();
        let valid = !id.is_empty()
            && id.len() <= 32
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !id.starts_with('-')
            && !id.ends_with('-');
        if valid {
            Ok(Region(id.to_string()))
        } else {
            Err(Error::new(
                ErrorKind::UnknownRegion,
                format!("invalid region id {id:?}: use a lower-case id such as \"bj\" or \"gz\""),
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Region {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Region::new(s)
    }
}

impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Region::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_ids_and_rejects_host_injection() {
        for ok in ["bj", "gz", "fwh", "cn-hangzhou", "hbfsg"] {
            assert_eq!(Region::new(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "BJ", "bj.evil.com", "bj/x", "-bj", "a b"] {
            let err = Region::new(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UnknownRegion, "{bad}");
        }
    }
}
