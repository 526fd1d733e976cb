//! The data directory is the owner's alone: the portal's and the orchestrator's databases (the
//! orchestrator's holds every organization's API secret and the clusters' CA keys) and the key
//! that seals secrets.
//!
//! At start the process creates files for its owner only (umask 077), creates the data
//! directory 0700, and tightens what an earlier version or an operator left readable by
//! others (0700 for the directory, 0600 for the databases and the key), saying so in the log:
//! a key that others could read may have been copied, so the warning says to rotate it.

use std::path::{Path, PathBuf};

/// Files of the data directory that must be the owner's alone (SQLite's journal files
/// included; missing ones are skipped).
const PRIVATE_FILES: [&str; 7] = [
    "secret.key",
    "capstan.db",
    "capstan.db-wal",
    "capstan.db-shm",
    "orchestrator.db",
    "orchestrator.db-wal",
    "orchestrator.db-shm",
];

/// From now on, files and directories this process creates are its owner's only.
pub fn owner_only_from_now_on() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// What [`secure_data_dir`] changed, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    pub path: PathBuf,
    /// The mode it had (permission bits).
    pub was: u32,
    pub now: u32,
}

/// Creates `dir` (0700) if missing, and makes it and the private files in it the owner's
/// alone. Returns what had to change.
pub fn secure_data_dir(dir: &Path) -> std::io::Result<Vec<Tightened>> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    let mut changed = Vec::new();
    tighten(dir, 0o700, &mut changed)?;
    for name in PRIVATE_FILES {
        let path = dir.join(name);
        if path.exists() {
            tighten(&path, 0o600, &mut changed)?;
        }
    }
    Ok(changed)
}

/// Takes away from `path` every permission for group and others.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32, changed: &mut Vec<Tightened>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let was = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if was & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        changed.push(Tightened {
            path: path.to_owned(),
            was,
            now: mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_: &Path, _: u32, _: &mut Vec<Tightened>) -> std::io::Result<()> {
    Ok(())
}

/// Logs what [`secure_data_dir`] changed: a warning each, louder for the key.
pub fn report(changed: &[Tightened]) {
    for Tightened { path, was, now } in changed {
        if path.file_name().is_some_and(|n| n == "secret.key") {
            tracing::warn!(
                path = %path.display(),
                "the secret key was readable by others (mode {was:o}); it is now {now:o}. \
                 Anyone who could read it can open the sealed secrets: rotate them"
            );
        } else {
            tracing::warn!(
                path = %path.display(),
                "was readable by others (mode {was:o}); it is now {now:o}"
            );
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_directory_is_the_owners_alone() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        assert_eq!(secure_data_dir(&dir).unwrap(), vec![]);
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn what_others_could_read_is_tightened_and_reported() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        for (name, was) in [
            ("secret.key", 0o644),
            ("capstan.db", 0o640),
            ("other.txt", 0o644),
        ] {
            std::fs::write(dir.join(name), "x").unwrap();
            std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(was)).unwrap();
        }
        let changed = secure_data_dir(&dir).unwrap();
        let paths: Vec<_> = changed.iter().map(|t| t.path.clone()).collect();
        assert_eq!(
            paths,
            [dir.clone(), dir.join("secret.key"), dir.join("capstan.db")]
        );
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("secret.key")), 0o600);
        assert_eq!(mode(&dir.join("capstan.db")), 0o600);
        assert_eq!(mode(&dir.join("other.txt")), 0o644, "not ours to judge");
        assert_eq!(secure_data_dir(&dir).unwrap(), vec![], "once is enough");
    }
}
