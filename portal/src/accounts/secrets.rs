//! Secrets at rest (orchestration API secrets): sealed with XChaCha20-Poly1305 under a key
//! from configuration, or generated on first start into `secret.key` in the data directory
//! with owner-only permissions.
//!
//! A sealed value is `s2.<key id>.<base64(nonce ‖ ciphertext)>`, bound to what it belongs to
//! (the organization's id for its credentials) as associated data: copied to another
//! organization's row, it does not open. The key id (the first bytes of the key's SHA-256)
//! says which key sealed it, so that a key can be rotated. Values sealed by earlier versions
//! (`base64(nonce ‖ ciphertext)`, unbound) still open.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

/// Name of the generated key file in the data directory.
pub const KEY_FILE: &str = "secret.key";

/// Why secrets cannot be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key must be 32 bytes in base64: {0}")]
    BadKey(String),
    #[error("cannot read or write the secret key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("a sealed secret could not be opened (wrong key, wrong owner or damaged data)")]
    Open,
    #[error("a secret was sealed with another key (key id {0}); configure that key to open it")]
    OtherKey(String),
}

/// The prefix of values sealed by this version.
const VERSION: &str = "s2";

/// Seals and opens secrets.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    /// Names the key without revealing it.
    key_id: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    /// From a base64 key of 32 bytes.
    pub fn from_base64(key: &str) -> Result<Sealer, SecretError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|e| SecretError::BadKey(e.to_string()))?;
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SecretError::BadKey(format!("got {} bytes", bytes.len())))?;
        use sha2::{Digest as _, Sha256};
        let digest = Sha256::digest(key);
        let key_id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Sealer {
            cipher: XChaCha20Poly1305::new(&Key::from(key)),
            key_id,
        })
    }

    /// The configured key if any; otherwise the key file in `data_dir`, created (mode 0600)
    /// on first start.
    pub fn load_or_create(
        data_dir: &Path,
        configured: Option<&str>,
    ) -> Result<Sealer, SecretError> {
        if let Some(key) = configured {
            return Sealer::from_base64(key);
        }
        let path = data_dir.join(KEY_FILE);
        let file_error = |e: std::io::Error| SecretError::KeyFile {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        match std::fs::read_to_string(&path) {
            Ok(key) => Sealer::from_base64(&key),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                let encoded = STANDARD.encode(key);
                write_private(&path, &encoded).map_err(file_error)?;
                Sealer::from_base64(&encoded)
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// Whether `value` is sealed the way [`Sealer::seal`] seals (whatever the key).
    pub fn is_sealed(value: &str) -> bool {
        value
            .strip_prefix(VERSION)
            .is_some_and(|rest| rest.starts_with('.'))
    }

    /// The id of this sealer's key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Seals `plaintext` for `owner` (what it belongs to: an organization's id…).
    pub fn seal(&self, owner: &str, plaintext: &str) -> String {
        use chacha20poly1305::aead::Payload;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: owner.as_bytes(),
        };
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload)
            .expect("encryption cannot fail for in-memory data");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!("{VERSION}.{}.{}", self.key_id, STANDARD.encode(sealed))
    }

    /// Opens what [`Sealer::seal`] sealed for the same `owner` (or an earlier version sealed
    /// unbound).
    pub fn open(&self, owner: &str, sealed: &str) -> Result<String, SecretError> {
        use chacha20poly1305::aead::Payload;
        let (encoded, aad) = match sealed.split_once('.') {
            Some((VERSION, rest)) => {
                let (key_id, encoded) = rest.split_once('.').ok_or(SecretError::Open)?;
                if key_id != self.key_id {
                    return Err(SecretError::OtherKey(key_id.to_owned()));
                }
                (encoded, owner.as_bytes())
            }
            _ => (sealed, &b""[..]),
        };
        let bytes = STANDARD.decode(encoded).map_err(|_| SecretError::Open)?;
        if bytes.len() < 24 {
            return Err(SecretError::Open);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| SecretError::Open)?;
        let plaintext = self
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| SecretError::Open)?;
        String::from_utf8(plaintext).map_err(|_| SecretError::Open)
    }
}

/// Writes a new file readable by its owner only.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_the_same_key_and_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::load_or_create(dir.path(), None).unwrap();
        let sealed = sealer.seal("org-1", "EXO-secret-value");
        assert!(!sealed.contains("EXO-secret-value"));
        assert!(
            sealed.starts_with(&format!("s2.{}.", sealer.key_id())),
            "{sealed}"
        );
        assert_ne!(
            sealer.seal("org-1", "EXO-secret-value"),
            sealed,
            "a fresh nonce each time"
        );
        assert_eq!(sealer.open("org-1", &sealed).unwrap(), "EXO-secret-value");
        // Bound to its owner: another organization's row cannot use it.
        assert!(matches!(
            sealer.open("org-2", &sealed),
            Err(SecretError::Open)
        ));

        // The same directory gives the same key; another key says it is another key.
        let again = Sealer::load_or_create(dir.path(), None).unwrap();
        assert_eq!(again.open("org-1", &sealed).unwrap(), "EXO-secret-value");
        let other = Sealer::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        assert!(matches!(
            other.open("org-1", &sealed),
            Err(SecretError::OtherKey(id)) if id == sealer.key_id()
        ));
        assert!(matches!(
            sealer.open("org-1", "garbage"),
            Err(SecretError::Open)
        ));
    }

    #[test]
    fn values_sealed_by_earlier_versions_still_open() {
        use chacha20poly1305::aead::Aead as _;
        let key = [3u8; 32];
        let sealer = Sealer::from_base64(&STANDARD.encode(key)).unwrap();
        // As the previous version sealed: base64(nonce ‖ ciphertext), no associated data.
        let cipher = XChaCha20Poly1305::new(&Key::from(key));
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut old = nonce.to_vec();
        old.extend_from_slice(&cipher.encrypt(&nonce, &b"legacy"[..]).unwrap());
        let old = STANDARD.encode(old);
        assert_eq!(sealer.open("any-org", &old).unwrap(), "legacy");
    }

    #[cfg(unix)]
    #[test]
    fn the_generated_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        Sealer::load_or_create(dir.path(), None).unwrap();
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_configured_key_must_be_32_bytes() {
        assert!(Sealer::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
        assert!(matches!(
            Sealer::from_base64(&STANDARD.encode([1u8; 16])),
            Err(SecretError::BadKey(_))
        ));
        assert!(Sealer::from_base64("not base64!").is_err());
    }
}
