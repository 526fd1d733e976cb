//! Accounts and tenancy on the portal store: users, organizations, memberships and roles,
//! sessions, invitations, orchestration credentials, the audit log and sign-in throttling.
//!
//! Invariants kept here (not by callers): emails are stored lowercased and unique; an
//! organization never loses its last owner; only hashes of session and invitation tokens are
//! stored; an invitation is used at most once and never after it expires; the audit log is
//! append-only (the database refuses updates and deletes).

pub mod authz;
pub mod password;
pub mod secrets;
pub mod throttle;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::store::{Backend, Store, StoreError};
use portal_types::roles::Role;

/// What account operations can refuse.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("an organization with this name already exists")]
    OrganizationTaken,
    #[error("an organization must keep at least one owner")]
    LastOwner,
    #[error("not found")]
    NotFound,
    #[error("this invitation is not valid: it was used, it expired, or it never existed")]
    InvitationInvalid,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AccountError {
    fn from(error: sqlx::Error) -> AccountError {
        AccountError::Store(StoreError::Query(error))
    }
}

/// A user account. `Debug` never shows the password hash.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: i64,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("password_hash", &"***")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// An organization a user belongs to, with the user's role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_id: String,
    pub org_name: String,
    pub role: Role,
}

/// An invitation not used yet, as owners and admins see it (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInvitation {
    /// The token's hash: names it for revoking, cannot be used to join.
    pub id: String,
    pub role: Role,
    /// The email of who made it.
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A member of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// A signed-in session, as stored. `Debug` never shows the token's hash (it names the
/// session in the database).
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    pub org_id: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token_hash", &"***")
            .field("user_id", &self.user_id)
            .field("org_id", &self.org_id)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .finish()
    }
}

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle_ms: i64,
    /// A session ends this long after sign-in, used or not.
    pub absolute_ms: i64,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub org_id: Option<String>,
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    pub action: String,
    pub target: Option<String>,
    /// `success`, `denied`, `failure`…
    pub outcome: String,
    pub operation_id: Option<String>,
    pub client_address: Option<String>,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_email: Option<String>,
    pub action: Option<String>,
    /// Entries whose target starts with this (e.g. a cluster id).
    pub target: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Entries older than this id (paging backwards from the newest).
    pub before_id: Option<i64>,
}

/// An organization's orchestration credentials; the secret stays sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredentials {
    /// `embedded` or `exoscale`.
    pub kind: String,
    pub api_key: String,
    pub secret_sealed: String,
    pub zones: Vec<String>,
    pub updated_at: i64,
}

/// A new random token (256 bits, URL-safe) and the hash that is stored for it.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn user(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

fn role_of(row: &AnyRow) -> Result<Role, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role:?}").into()))
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Accounts, on the portal store.
#[derive(Debug, Clone)]
pub struct Accounts {
    store: Store,
}

impl Accounts {
    pub fn new(store: Store) -> Accounts {
        Accounts { store }
    }

    fn pool(&self) -> &sqlx::AnyPool {
        self.store.pool()
    }

    // Users.

    /// How many accounts exist.
    pub async fn count_users(&self) -> Result<i64, AccountError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.pool())
            .await?)
    }

    /// Claims the first account of the installation for `email`: true for exactly one caller,
    /// and only while no account exists (one statement, so two racing sign-ups cannot both
    /// become the first owner).
    pub async fn claim_first_account(&self, email: &str) -> Result<bool, AccountError> {
        let claimed = sqlx::query(
            "INSERT INTO portal_meta (key, value) SELECT 'first-account', $1 \
             WHERE NOT EXISTS (SELECT 1 FROM users) ON CONFLICT (key) DO NOTHING",
        )
        .bind(email)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    /// Gives the claim back (the first sign-up failed after claiming).
    pub async fn release_first_account(&self) -> Result<(), AccountError> {
        sqlx::query("DELETE FROM portal_meta WHERE key = 'first-account'")
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A new organization named `name`, or, when that name is taken, `name (n)` with the
    /// first free n: a sign-up never joins an organization by its name.
    pub async fn create_org_named_like(
        &self,
        name: &str,
        now: i64,
    ) -> Result<String, AccountError> {
        for n in 1..100 {
            let candidate = if n == 1 {
                name.to_owned()
            } else {
                format!("{name} ({n})")
            };
            match self.create_org(&candidate, now).await {
                Err(AccountError::OrganizationTaken) => continue,
                other => return other,
            }
        }
        self.create_org(&format!("{name} ({})", &new_id()[..8]), now)
            .await
    }

    /// Creates an account; the email is kept lowercased.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<User, AccountError> {
        let user = User {
            id: new_id(),
            email: email.trim().to_lowercase(),
            name: name.trim().to_owned(),
            password_hash: password_hash.to_owned(),
            created_at: now,
        };
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.created_at)
        .execute(self.pool())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AccountError::EmailTaken
            } else {
                e.into()
            }
        })?;
        Ok(user)
    }

    /// The account with this email, if any.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, AccountError> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(user).transpose()?)
    }

    /// The account with this id, if any.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>, AccountError> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(user).transpose()?)
    }

    /// Deletes an account that has no memberships or sessions yet (undoing a sign-up that
    /// could not finish).
    pub async fn delete_user(&self, id: &str) -> Result<(), AccountError> {
        sqlx::query(
            "DELETE FROM users WHERE id = $1 \
             AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1) \
             AND NOT EXISTS (SELECT 1 FROM sessions WHERE user_id = $1)",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Replaces an account's password hash.
    pub async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
    ) -> Result<(), AccountError> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    // Organizations and memberships.

    /// Creates an organization.
    pub async fn create_org(&self, name: &str, now: i64) -> Result<String, AccountError> {
        let id = new_id();
        sqlx::query("INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(name.trim())
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    AccountError::OrganizationTaken
                } else {
                    e.into()
                }
            })?;
        Ok(id)
    }

    /// The id of the organization with this name, if any.
    pub async fn org_id(&self, name: &str) -> Result<Option<String>, AccountError> {
        Ok(sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Makes `user` a member of `org` with `role` (or changes nothing if already a member).
    pub async fn add_member(
        &self,
        org: &str,
        user: &str,
        role: Role,
        now: i64,
    ) -> Result<(), AccountError> {
        sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id, user_id) DO NOTHING",
        )
        .bind(org)
        .bind(user)
        .bind(role.as_str())
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The organizations of a user, by name.
    pub async fn memberships(&self, user: &str) -> Result<Vec<Membership>, AccountError> {
        let rows = sqlx::query(
            "SELECT m.org_id, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id \
             WHERE m.user_id = $1 ORDER BY o.name",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Membership {
                    org_id: row.try_get("org_id")?,
                    org_name: row.try_get("name")?,
                    role: role_of(row)?,
                })
            })
            .collect()
    }

    /// A user's role in an organization, if a member.
    pub async fn role(&self, org: &str, user: &str) -> Result<Option<Role>, AccountError> {
        let row = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org)
            .bind(user)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(role_of).transpose()?)
    }

    /// The members of an organization, by email.
    pub async fn members(&self, org: &str) -> Result<Vec<Member>, AccountError> {
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.org_id = $1 ORDER BY u.email",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Member {
                    user_id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    name: row.try_get("name")?,
                    role: role_of(row)?,
                })
            })
            .collect()
    }

    /// Changes a member's role; refuses to demote the last owner.
    pub async fn set_role(&self, org: &str, user: &str, role: Role) -> Result<(), AccountError> {
        let mut tx = self.store.begin_write().await?;
        keep_an_owner(
            &mut tx,
            self.store.backend(),
            org,
            user,
            role == Role::Owner,
        )
        .await?;
        sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
            .bind(role.as_str())
            .bind(org)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a member; refuses to remove the last owner.
    pub async fn remove_member(&self, org: &str, user: &str) -> Result<(), AccountError> {
        let mut tx = self.store.begin_write().await?;
        keep_an_owner(&mut tx, self.store.backend(), org, user, false).await?;
        sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sessions SET org_id = NULL WHERE user_id = $1 AND org_id = $2")
            .bind(user)
            .bind(org)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // Sessions.

    /// Opens a session for `user` (a new random token each time: the token is the cookie).
    pub async fn create_session(
        &self,
        user: &str,
        org: Option<&str>,
        client_address: Option<&str>,
        now: i64,
    ) -> Result<String, AccountError> {
        let (token, hash) = new_token();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, org_id, created_at, last_seen_at, client_address) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(&hash)
        .bind(user)
        .bind(org)
        .bind(now)
        .bind(client_address)
        .execute(self.pool())
        .await?;
        Ok(token)
    }

    /// The live session for `token` at `now`, marked as used; an expired one is ended.
    pub async fn session(
        &self,
        token: &str,
        policy: SessionPolicy,
        now: i64,
    ) -> Result<Option<Session>, AccountError> {
        let hash = token_hash(token);
        let Some(row) = sqlx::query("SELECT * FROM sessions WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let session = Session {
            token_hash: row.try_get("token_hash")?,
            user_id: row.try_get("user_id")?,
            org_id: row.try_get("org_id")?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
        };
        if now - session.last_seen_at > policy.idle_ms
            || now - session.created_at > policy.absolute_ms
        {
            self.end_session(token).await?;
            return Ok(None);
        }
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(&hash)
            .execute(self.pool())
            .await?;
        Ok(Some(session))
    }

    /// When the session with this token hash expires (Unix ms) if it is not used before, or
    /// `None` when it has ended or expired. Reading it does not count as using it.
    pub async fn session_deadline(
        &self,
        token_hash: &str,
        policy: SessionPolicy,
        now: i64,
    ) -> Result<Option<i64>, AccountError> {
        let row =
            sqlx::query("SELECT created_at, last_seen_at FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let created_at: i64 = row.try_get("created_at")?;
        let last_seen_at: i64 = row.try_get("last_seen_at")?;
        let deadline = (last_seen_at + policy.idle_ms).min(created_at + policy.absolute_ms);
        Ok((deadline > now).then_some(deadline))
    }

    /// Switches the organization a session works in.
    pub async fn set_session_org(&self, token: &str, org: &str) -> Result<(), AccountError> {
        sqlx::query("UPDATE sessions SET org_id = $1 WHERE token_hash = $2")
            .bind(org)
            .bind(token_hash(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends one session.
    pub async fn end_session(&self, token: &str) -> Result<(), AccountError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends every session of a user ("sign out everywhere"); returns how many.
    pub async fn end_sessions_of(&self, user: &str) -> Result<u64, AccountError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user)
            .execute(self.pool())
            .await?
            .rows_affected())
    }

    // Invitations.

    /// Invites someone into `org` with `role`; returns the token for the link.
    pub async fn invite(
        &self,
        org: &str,
        role: Role,
        created_by: &str,
        now: i64,
        valid_ms: i64,
    ) -> Result<String, AccountError> {
        let (token, hash) = new_token();
        sqlx::query(
            "INSERT INTO invitations (token_hash, org_id, role, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&hash)
        .bind(org)
        .bind(role.as_str())
        .bind(created_by)
        .bind(now)
        .bind(now + valid_ms)
        .execute(self.pool())
        .await?;
        Ok(token)
    }

    /// What a still-valid invitation offers: the organization's name and the role.
    pub async fn peek_invitation(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<(String, Role)>, AccountError> {
        let row = sqlx::query(
            "SELECT o.name, i.role FROM invitations i JOIN orgs o ON o.id = i.org_id \
             WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok((row.try_get("name")?, role_of(&row)?)))
            .transpose()
    }

    /// Uses an invitation for `user`: once, before it expires. Returns the organization id and
    /// role, after making the user a member.
    pub async fn accept_invitation(
        &self,
        token: &str,
        user: &str,
        now: i64,
    ) -> Result<(String, Role), AccountError> {
        let hash = token_hash(token);
        let mut tx = self.store.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE invitations SET used_at = $1, used_by = $2 \
             WHERE token_hash = $3 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(user)
        .bind(&hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            return Err(AccountError::InvitationInvalid);
        }
        let row = sqlx::query("SELECT org_id, role FROM invitations WHERE token_hash = $1")
            .bind(&hash)
            .fetch_one(&mut *tx)
            .await?;
        let org: String = row.try_get("org_id")?;
        let role = role_of(&row)?;
        sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id, user_id) DO NOTHING",
        )
        .bind(&org)
        .bind(user)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((org, role))
    }

    /// The pending invitations of `org` (neither used nor expired), newest first.
    pub async fn pending_invitations(
        &self,
        org: &str,
        now: i64,
    ) -> Result<Vec<PendingInvitation>, AccountError> {
        let rows = sqlx::query(
            "SELECT i.token_hash, i.role, i.created_at, i.expires_at, \
             COALESCE(u.email, i.created_by) AS created_by \
             FROM invitations i LEFT JOIN users u ON u.id = i.created_by \
             WHERE i.org_id = $1 AND i.used_at IS NULL AND i.expires_at > $2 \
             ORDER BY i.created_at DESC",
        )
        .bind(org)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PendingInvitation {
                    id: row.try_get("token_hash")?,
                    role: role_of(row)?,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Ends one pending invitation of `org` (by its id, the token's hash); whether there was
    /// one.
    pub async fn revoke_invitation(&self, org: &str, id: &str) -> Result<bool, AccountError> {
        Ok(sqlx::query(
            "DELETE FROM invitations WHERE org_id = $1 AND token_hash = $2 AND used_at IS NULL",
        )
        .bind(org)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// Ends every pending invitation `user` made in `org` (they were removed or demoted: what
    /// they handed out goes with their role). Returns how many.
    pub async fn revoke_invitations_by(&self, org: &str, user: &str) -> Result<u64, AccountError> {
        Ok(sqlx::query(
            "DELETE FROM invitations WHERE org_id = $1 AND created_by = $2 AND used_at IS NULL",
        )
        .bind(org)
        .bind(user)
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    // The session's one-time message.

    /// Leaves `sealed` for the session's next page.
    pub async fn set_flash(&self, token: &str, sealed: &str) -> Result<(), AccountError> {
        sqlx::query("UPDATE sessions SET flash = $1 WHERE token_hash = $2")
            .bind(sealed)
            .bind(token_hash(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Takes the session's message, if any: it is read once.
    pub async fn take_flash(&self, token: &str) -> Result<Option<String>, AccountError> {
        let hash = token_hash(token);
        let mut tx = self.store.begin_write().await?;
        let flash: Option<String> =
            sqlx::query_scalar("SELECT flash FROM sessions WHERE token_hash = $1")
                .bind(&hash)
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
        if flash.is_some() {
            sqlx::query("UPDATE sessions SET flash = NULL WHERE token_hash = $1")
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(flash)
    }

    // Orchestration credentials.

    /// Sets an organization's credentials (the secret already sealed).
    pub async fn set_credentials(
        &self,
        org: &str,
        credentials: &StoredCredentials,
    ) -> Result<(), AccountError> {
        let zones = serde_json::to_string(&credentials.zones).expect("zones serialize");
        sqlx::query(
            "INSERT INTO org_credentials (org_id, kind, api_key, secret_sealed, zones, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (org_id) DO UPDATE SET kind = $2, api_key = $3, secret_sealed = $4, zones = $5, updated_at = $6",
        )
        .bind(org)
        .bind(&credentials.kind)
        .bind(&credentials.api_key)
        .bind(&credentials.secret_sealed)
        .bind(zones)
        .bind(credentials.updated_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// An organization's credentials, if set.
    pub async fn credentials(&self, org: &str) -> Result<Option<StoredCredentials>, AccountError> {
        let row = sqlx::query("SELECT * FROM org_credentials WHERE org_id = $1")
            .bind(org)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            let zones: String = row.try_get("zones")?;
            Ok(StoredCredentials {
                kind: row.try_get("kind")?,
                api_key: row.try_get("api_key")?,
                secret_sealed: row.try_get("secret_sealed")?,
                zones: serde_json::from_str(&zones).unwrap_or_default(),
                updated_at: row.try_get("updated_at")?,
            })
        })
        .transpose()
    }

    // Audit.

    /// Appends an entry to the audit log.
    pub async fn record(&self, entry: &AuditEntry) -> Result<(), AccountError> {
        sqlx::query(
            "INSERT INTO audit (at, org_id, user_id, user_email, action, target, outcome, operation_id, client_address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(entry.at)
        .bind(entry.org_id.as_deref())
        .bind(entry.user_id.as_deref())
        .bind(entry.user_email.as_deref())
        .bind(&entry.action)
        .bind(entry.target.as_deref())
        .bind(&entry.outcome)
        .bind(entry.operation_id.as_deref())
        .bind(entry.client_address.as_deref())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// An organization's audit entries matching `filter`, newest first, at most `limit`.
    pub async fn audit(
        &self,
        org: &str,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, AccountError> {
        // Conditions with their parameters, numbered in order after the organization.
        let mut sql = String::from("SELECT * FROM audit WHERE org_id = $1");
        let mut texts: Vec<String> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        let mut next = 2;
        let mut add_text = |sql: &mut String, clause: &str, value: String| {
            sql.push_str(&clause.replace('?', &format!("${next}")));
            next += 1;
            texts.push(value);
        };
        if let Some(email) = &filter.user_email {
            add_text(&mut sql, " AND user_email = ?", email.to_lowercase());
        }
        if let Some(action) = &filter.action {
            add_text(&mut sql, " AND action = ?", action.clone());
        }
        if let Some(target) = &filter.target {
            add_text(
                &mut sql,
                " AND target LIKE ?",
                format!("{}%", target.replace('%', "")),
            );
        }
        for (clause, value) in [
            (" AND at >= ?", filter.from_ms),
            (" AND at <= ?", filter.to_ms),
            (" AND id < ?", filter.before_id),
        ] {
            if let Some(value) = value {
                sql.push_str(&clause.replace('?', &format!("${next}")));
                next += 1;
                numbers.push(value);
            }
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${next}"));
        // Built from the fixed clauses above and numbered placeholders only.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org);
        for text in &texts {
            query = query.bind(text);
        }
        for number in &numbers {
            query = query.bind(*number);
        }
        let rows = query.bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    org_id: row.try_get("org_id")?,
                    user_id: row.try_get("user_id")?,
                    user_email: row.try_get("user_email")?,
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    outcome: row.try_get("outcome")?,
                    operation_id: row.try_get("operation_id")?,
                    client_address: row.try_get("client_address")?,
                })
            })
            .collect()
    }

    // Throttling of guesses (see [`throttle`]).

    /// Counts an attempt for `subject` before it is made, unless the subject must wait: one
    /// statement, so parallel attempts are counted one after the other and only the free ones
    /// go through. Returns `Ok(None)` when the attempt may go ahead, `Ok(Some(until))` (Unix
    /// ms) when it must wait until then.
    pub async fn reserve_attempt(
        &self,
        subject: &throttle::Subject,
        now: i64,
    ) -> Result<Option<i64>, AccountError> {
        let forget_ms = throttle::FORGET_AFTER.as_millis() as i64;
        let counted = format!(
            "CASE WHEN sign_in_throttle.blocked_until < $2 - {forget_ms} THEN 1 \
             ELSE sign_in_throttle.failures + 1 END"
        );
        let statement = format!(
            "INSERT INTO sign_in_throttle (subject, failures, blocked_until) \
             VALUES ($1, 1, $2 + {first}) \
             ON CONFLICT (subject) DO UPDATE SET failures = {counted}, \
             blocked_until = $2 + {wait} \
             WHERE sign_in_throttle.blocked_until <= $2 \
             RETURNING failures",
            first = subject.wait_after(1).as_millis(),
            wait = subject.wait_ms_sql(&counted),
        );
        let key = subject.key();
        // Refused while it must wait; tried again only when the wait ended in between.
        for _ in 0..3 {
            // Built from constants only: no value of the request is in the text.
            let counted: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(statement.clone()))
                .bind(&key)
                .bind(now)
                .fetch_optional(self.pool())
                .await?;
            if counted.is_some() {
                return Ok(None);
            }
            let until: Option<i64> =
                sqlx::query_scalar("SELECT blocked_until FROM sign_in_throttle WHERE subject = $1")
                    .bind(&key)
                    .fetch_optional(self.pool())
                    .await?;
            if let Some(until) = until.filter(|u| *u > now) {
                return Ok(Some(until));
            }
        }
        Ok(Some(now + 1000))
    }

    /// Forgets the attempts of `subject` (after a successful one).
    pub async fn forget_attempts(&self, subject: &throttle::Subject) -> Result<(), AccountError> {
        sqlx::query("DELETE FROM sign_in_throttle WHERE subject = $1")
            .bind(subject.key())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// Inside a change of `user`'s membership: refuses it when it would leave the organization
/// without an owner (`stays_owner`: whether the member is still an owner afterwards), and
/// `NotFound` when they are not a member.
async fn keep_an_owner(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    org: &str,
    user: &str,
    stays_owner: bool,
) -> Result<(), AccountError> {
    let current = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org)
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(role_of)
        .transpose()?
        .ok_or(AccountError::NotFound)?;
    if current == Role::Owner && !stays_owner {
        // PostgreSQL: lock the owner rows, so two owners stepping down at the same moment take
        // turns and the second sees the first's change. SQLite needs no lock: the transaction
        // holds the one write lock from its start (`Store::begin_write`).
        let sql = match backend {
            Backend::Postgres => {
                "SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'owner' FOR UPDATE"
            }
            Backend::Sqlite => {
                "SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'owner'"
            }
        };
        let owners = sqlx::query(sql).bind(org).fetch_all(&mut **tx).await?.len();
        if owners <= 1 {
            return Err(AccountError::LastOwner);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in unpadded base64url");
        assert_eq!(hash_a, token_hash(&a));
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(&a));
    }
}
