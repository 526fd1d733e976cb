-- Accounts and tenancy: users, organizations, memberships with roles, sessions, invitations,
-- each organization's orchestration credentials (secret sealed with an AEAD), the audit log
-- (append-only) and sign-in throttling.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE orgs (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

-- Only a hash of the session token is stored: a copy of the database opens no session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    org_id TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    client_address TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    role TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by TEXT
);

CREATE TABLE org_credentials (
    org_id TEXT PRIMARY KEY NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    api_key TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    zones TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    org_id TEXT,
    user_id TEXT,
    user_email TEXT,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL,
    operation_id TEXT,
    client_address TEXT
);
CREATE INDEX audit_by_org ON audit (org_id, id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE sign_in_throttle (
    subject TEXT PRIMARY KEY NOT NULL,
    failures BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
