//! Data residency: each site (`mainland`, `overseas`) has its own store file, and a
//! connection with everything about it (its row, runs, outcomes, assets and secret file) lives
//! only in the store of its site.
//!
//! Where the stores are:
//! - mainland: `--db PATH`, else `VIGIL_DB`, else `[sites] mainland` of the `--config` file,
//!   else `vigil.db` in Vigil's data directory;
//! - overseas: `--overseas-db PATH`, else `VIGIL_OVERSEAS_DB`, else `[sites] overseas` of the
//!   config file, else `<mainland dir>/<mainland stem>-overseas.db`.
//!
//! Commands that write open (and create) only the store of the connection's site; commands
//! that read open only the stores that exist, so the overseas file is never created until a
//! connection uses it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use vigil_store::{Connection, Store};

/// A data residency site.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    /// Mainland China: the `--db` store.
    Mainland,
    /// Outside mainland China: the `--overseas-db` store.
    Overseas,
}

impl Site {
    /// Both sites, mainland first.
    pub const ALL: [Site; 2] = [Site::Mainland, Site::Overseas];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Site::Mainland => "mainland",
            Site::Overseas => "overseas",
        }
    }

    /// Parse a stored site name.
    pub fn parse(s: &str) -> Result<Site> {
        Site::ALL
            .into_iter()
            .find(|site| site.as_str() == s)
            .with_context(|| format!("unknown site {s:?}: expected mainland or overseas"))
    }

    /// The command-line option that places this site's store.
    pub fn option(self) -> &'static str {
        match self {
            Site::Mainland => "--db",
            Site::Overseas => "--overseas-db",
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `--config` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    sites: SitesSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SitesSection {
    mainland: Option<PathBuf>,
    overseas: Option<PathBuf>,
}

/// Where each site's store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sites {
    mainland: PathBuf,
    overseas: PathBuf,
}

/// One site's open store.
#[derive(Debug, Clone)]
pub struct SiteStore {
    /// The site.
    pub site: Site,
    /// Its database file (secrets live beside it).
    pub path: PathBuf,
    /// The open store.
    pub store: Arc<Store>,
}

/// A connection and the store it lives in.
#[derive(Debug, Clone)]
pub struct Located {
    /// Its site.
    pub site: Site,
    /// The store file (secrets live in `<path>.secrets/`).
    pub path: PathBuf,
    /// The open store.
    pub store: Arc<Store>,
    /// The connection as last read.
    pub connection: Connection,
}

impl Located {
    /// Read the connection again (after something changed it).
    pub fn reload(&mut self) -> Result<()> {
        if let Some(c) = self.store.connection_by_id(self.connection.id)? {
            self.connection = c;
        }
        Ok(())
    }
}

/// The default overseas store for a mainland store: `<dir>/<stem>-overseas.db`.
pub fn default_overseas(mainland: &Path) -> PathBuf {
    let stem = mainland
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vigil".to_string());
    mainland.with_file_name(format!("{stem}-overseas.db"))
}

impl Sites {
    /// Resolve the store paths from the command line / environment (`db`, `overseas`), the
    /// config file and the default. Returns the sites and whether the mainland store is the
    /// default one (nothing chose it).
    pub fn resolve(
        db: Option<PathBuf>,
        overseas: Option<PathBuf>,
        config: Option<&Path>,
        default_db: PathBuf,
    ) -> Result<(Sites, bool)> {
        let file = match config {
            Some(path) => load_config(path)?,
            None => SitesSection::default(),
        };
        let mainland_is_default = db.is_none() && file.mainland.is_none();
        let mainland = db.or(file.mainland).unwrap_or(default_db);
        let overseas = overseas
            .or(file.overseas)
            .unwrap_or_else(|| default_overseas(&mainland));
        Sites::new(mainland, overseas).map(|s| (s, mainland_is_default))
    }

    /// Sites at these paths; they must be different files.
    pub fn new(mainland: PathBuf, overseas: PathBuf) -> Result<Sites> {
        if same_file(&mainland, &overseas) {
            bail!(
                "the mainland and overseas stores are the same file ({}): each site needs its own \
                 store so that data stays in its site; set --overseas-db (or [sites] overseas in \
                 the --config file) to another path",
                mainland.display()
            );
        }
        Ok(Sites { mainland, overseas })
    }

    /// The store file of a site.
    pub fn path(&self, site: Site) -> &Path {
        match site {
            Site::Mainland => &self.mainland,
            Site::Overseas => &self.overseas,
        }
    }

    /// Open a site's store, creating the file if needed (only for writing a connection of
    /// this site).
    pub fn open(&self, site: Site) -> Result<SiteStore> {
        let path = self.path(site).to_path_buf();
        let store = Store::open(&path).with_context(|| {
            format!(
                "cannot open the {site} Vigil database {} (set with {})",
                path.display(),
                site.option()
            )
        })?;
        Ok(SiteStore {
            site,
            path,
            store: Arc::new(store),
        })
    }

    /// A site's store if its file exists.
    pub fn open_existing(&self, site: Site) -> Result<Option<SiteStore>> {
        if self.path(site).exists() {
            self.open(site).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The stores that exist, mainland first.
    pub fn existing(&self) -> Result<Vec<SiteStore>> {
        let mut out = Vec::new();
        for site in Site::ALL {
            if let Some(s) = self.open_existing(site)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Every connection of every existing store, by name.
    pub fn all_connections(&self) -> Result<Vec<Located>> {
        let mut out = Vec::new();
        for s in self.existing()? {
            for connection in s.store.connections()? {
                out.push(Located {
                    site: s.site,
                    path: s.path.clone(),
                    store: s.store.clone(),
                    connection,
                });
            }
        }
        out.sort_by(|a, b| a.connection.name.cmp(&b.connection.name));
        Ok(out)
    }

    /// The connection called `name`, in whichever store has it.
    pub fn find(&self, name: &str) -> Result<Option<Located>> {
        let mut found: Vec<Located> = Vec::new();
        for s in self.existing()? {
            if let Some(connection) = s.store.connection(name)? {
                found.push(Located {
                    site: s.site,
                    path: s.path.clone(),
                    store: s.store.clone(),
                    connection,
                });
            }
        }
        if found.len() > 1 {
            bail!(
                "connection {name:?} exists in both the mainland store ({}) and the overseas \
                 store ({}); a connection must live in one site only. Delete the wrong copy with \
                 `vigil --db <that store> connection delete {name}`",
                self.mainland.display(),
                self.overseas.display()
            );
        }
        Ok(found.pop())
    }

    /// The connection called `name`, or an error naming the known ones.
    pub fn require(&self, name: &str) -> Result<Located> {
        if let Some(found) = self.find(name)? {
            return Ok(found);
        }
        let known: Vec<String> = self
            .all_connections()?
            .into_iter()
            .map(|l| l.connection.name)
            .collect();
        if known.is_empty() {
            bail!(
                "no connection named {name:?}: there are no connections yet; add one with \
                 `vigil connect baidu --name {name}`"
            )
        }
        bail!(
            "no connection named {name:?}; known connections: {}",
            known.join(", ")
        )
    }

    /// The connection named, or every connection; an error if there are none.
    pub fn pick(&self, name: Option<&str>) -> Result<Vec<Located>> {
        if let Some(name) = name {
            return Ok(vec![self.require(name)?]);
        }
        let all = self.all_connections()?;
        if all.is_empty() {
            bail!("there are no connections yet; add one with `vigil connect baidu --name NAME` (or try `vigil demo`)");
        }
        Ok(all)
    }
}

fn load_config(path: &Path) -> Result<SitesSection> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    let file: ConfigFile = toml::from_str(&text).with_context(|| {
        format!(
            "the config file {} is not valid: expected\n  [sites]\n  mainland = \"/path/to/mainland.db\"\n  overseas = \"/path/to/overseas.db\"",
            path.display()
        )
    })?;
    // Relative store paths are relative to the config file, not to the working directory.
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    let resolve = |p: Option<PathBuf>| p.map(|p| if p.is_relative() { base.join(p) } else { p });
    Ok(SitesSection {
        mainland: resolve(file.sites.mainland),
        overseas: resolve(file.sites.overseas),
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_put_the_overseas_store_beside_the_mainland_one() {
        let (sites, default) =
            Sites::resolve(None, None, None, PathBuf::from("/data/vigil.db")).unwrap();
        assert!(default);
        assert_eq!(sites.path(Site::Mainland), Path::new("/data/vigil.db"));
        assert_eq!(
            sites.path(Site::Overseas),
            Path::new("/data/vigil-overseas.db")
        );
        let (sites, default) = Sites::resolve(
            Some("/x/a.db".into()),
            None,
            None,
            PathBuf::from("/data/vigil.db"),
        )
        .unwrap();
        assert!(!default);
        assert_eq!(sites.path(Site::Overseas), Path::new("/x/a-overseas.db"));
    }

    #[test]
    fn config_file_places_both_and_the_command_line_wins() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("vigil.toml");
        std::fs::write(
            &config,
            "[sites]\nmainland = \"cn.db\"\noverseas = \"/abs/intl.db\"\n",
        )
        .unwrap();
        let (sites, default) =
            Sites::resolve(None, None, Some(&config), PathBuf::from("/d/v.db")).unwrap();
        assert!(!default);
        assert_eq!(sites.path(Site::Mainland), dir.path().join("cn.db"));
        assert_eq!(sites.path(Site::Overseas), Path::new("/abs/intl.db"));
        let (sites, _) = Sites::resolve(
            Some("/cli/m.db".into()),
            None,
            Some(&config),
            PathBuf::from("/d/v.db"),
        )
        .unwrap();
        assert_eq!(sites.path(Site::Mainland), Path::new("/cli/m.db"));
        assert_eq!(sites.path(Site::Overseas), Path::new("/abs/intl.db"));
    }

    #[test]
    fn bad_config_and_shared_files_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("vigil.toml");
        std::fs::write(&config, "[sites]\nmainland = \"a.db\"\nasia = \"b.db\"\n").unwrap();
        let err = Sites::resolve(None, None, Some(&config), "/d/v.db".into()).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("asia") && text.contains("[sites]"), "{text}");
        let err = Sites::resolve(
            Some("/d/v.db".into()),
            Some("/d/v.db".into()),
            None,
            "/d/v.db".into(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("same file"), "{err}");
        let err = Sites::resolve(None, None, Some(&dir.path().join("nope.toml")), "/d".into())
            .unwrap_err();
        assert!(format!("{err:#}").contains("nope.toml"), "{err:#}");
    }
}
