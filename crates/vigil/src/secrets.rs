//! Where connection secrets live: one file per connection, mode 0600, in a 0700 directory
//! beside the database (`<db>.secrets/<connection>.json`). The database itself only ever
//! holds the public access key id. Encryption at rest is a later step.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use vigil_core::{AccessKey, Secret};

#[derive(serde::Serialize, serde::Deserialize)]
struct SecretFile {
    access_key_id: String,
    secret_access_key: String,
}

/// The secrets directory for a database.
pub fn dir_for(db: &Path) -> PathBuf {
    let mut name = db
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "vigil.db".into());
    name.push(".secrets");
    db.with_file_name(name)
}

/// Connection names become file names, so they are restricted.
pub fn validate_connection_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        bail!("invalid connection name {name:?}: use 1-64 letters, digits, '-' or '_' (for example \"prod-baidu\")");
    }
    Ok(())
}

fn path_for(db: &Path, connection: &str) -> Result<PathBuf> {
    validate_connection_name(connection)?;
    Ok(dir_for(db).join(format!("{connection}.json")))
}

/// Save a connection's key, replacing any previous one atomically.
pub fn save(db: &Path, connection: &str, key: &AccessKey) -> Result<PathBuf> {
    let path = path_for(db, connection)?;
    let dir = dir_for(db);
    create_private_dir(&dir)?;
    let body = serde_json::to_vec_pretty(&SecretFile {
        access_key_id: key.access_key_id.clone(),
        secret_access_key: key.secret_access_key.expose().to_string(),
    })?;
    let tmp = dir.join(format!(".{connection}.json.tmp"));
    {
        let mut file = open_private(&tmp)
            .with_context(|| format!("cannot create the secret file {}", tmp.display()))?;
        file.write_all(&body)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, &path)
        .with_context(|| format!("cannot move the secret file into {}", path.display()))?;
    Ok(path)
}

/// Load a connection's key.
pub fn load(db: &Path, connection: &str) -> Result<AccessKey> {
    let path = path_for(db, connection)?;
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "the secret key of connection {connection:?} is missing ({}); run `vigil connect` again to store it",
            path.display()
        )
    })?;
    let file: SecretFile = serde_json::from_str(&text)
        .with_context(|| format!("the secret file {} is not valid", path.display()))?;
    Ok(AccessKey {
        access_key_id: file.access_key_id,
        secret_access_key: Secret::new(file.secret_access_key),
        session_token: None,
    })
}

/// Delete a connection's secret file (when the connection is deleted or moves to another
/// site's store). A missing file is not an error.
pub fn remove(db: &Path, connection: &str) -> Result<()> {
    let path = path_for(db, connection)?;
    match fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => {
            Err(e).with_context(|| format!("cannot delete the secret file {}", path.display()))
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create the secrets directory {}", dir.display()))?;
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)?;
    Ok(())
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        let key = AccessKey::new("ak-1", "sk-secret-1");
        let path = save(&db, "prod", &key).unwrap();
        assert_eq!(path, dir.path().join("vigil.db.secrets").join("prod.json"));
        let loaded = load(&db, "prod").unwrap();
        assert_eq!(loaded.access_key_id, "ak-1");
        assert_eq!(loaded.secret_access_key.expose(), "sk-secret-1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let dmode = fs::metadata(dir_for(&db)).unwrap().permissions().mode() & 0o777;
            assert_eq!(dmode, 0o700);
        }
        // Replacing keeps one file and the new value.
        save(&db, "prod", &AccessKey::new("ak-2", "sk-2")).unwrap();
        assert_eq!(load(&db, "prod").unwrap().access_key_id, "ak-2");
        assert_eq!(fs::read_dir(dir_for(&db)).unwrap().count(), 1);
        remove(&db, "prod").unwrap();
        assert!(load(&db, "prod").is_err());
        remove(&db, "prod").unwrap();
    }

    #[test]
    fn rejects_names_that_escape_the_directory() {
        for bad in ["../x", "a/b", "", "a b", "x.json"] {
            assert!(validate_connection_name(bad).is_err(), "{bad}");
        }
        let err = load(Path::new("/nonexistent/v.db"), "nope").unwrap_err();
        assert!(format!("{err:#}").contains("vigil connect"));
    }
}
