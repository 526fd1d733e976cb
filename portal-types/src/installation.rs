//! Facts about this installation of the portal, as the settings page shows them.

use serde::{Deserialize, Serialize};

/// What the settings page shows about the running portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalFacts {
    /// The portal's version.
    pub version: String,
    /// The database engine (`SQLite` or `PostgreSQL`); never its address.
    pub database: String,
    /// The newest database migration applied.
    pub schema_version: i64,
    /// When the database was initialised, RFC 3339 in UTC.
    pub installed_at: String,
    /// The orchestration API: what it is and where.
    pub orchestration: String,
    /// Kubernetes versions it offers, newest first; empty when it could not be asked.
    pub versions: Vec<String>,
    /// Why the versions could not be read, if they could not.
    pub orchestration_error: Option<String>,
}
