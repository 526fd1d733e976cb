-- Organizations, their API keys, and everything they own. Resource bodies are JSON text so the
-- wire shapes can grow without migrations; the columns are what queries select on.

CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    key TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- spec: desired state (written by the API); status: observed state (written by the reconciler).
-- revision changes on every write: writers compare it to stay consistent.
CREATE TABLE clusters (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    zone TEXT NOT NULL,
    spec TEXT NOT NULL,
    generation BIGINT NOT NULL,
    status TEXT NOT NULL,
    observed_generation BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    next_wake BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX clusters_by_org ON clusters (org_id, zone);
CREATE INDEX clusters_by_wake ON clusters (next_wake);

CREATE TABLE nodepools (
    id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    org_id TEXT NOT NULL,
    zone TEXT NOT NULL,
    instance_pool_id TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    generation BIGINT NOT NULL,
    status TEXT NOT NULL,
    observed_generation BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    next_index BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX nodepools_by_cluster ON nodepools (cluster_id);

-- One row per instance (node VM). The name is derived from the pool's next_index, so a
-- replayed creation inserts nothing twice.
CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    nodepool_id TEXT NOT NULL REFERENCES nodepools (id),
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    public_ip TEXT NOT NULL,
    version TEXT NOT NULL,
    fails BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (nodepool_id, name)
);

CREATE TABLE operations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    zone TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    message TEXT,
    resource_kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    parent_id TEXT,
    target_generation BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX operations_pending ON operations (state, resource_id);

-- Security groups, anti-affinity groups, private networks and deploy targets.
CREATE TABLE resources (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    zone TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX resources_by_org ON resources (org_id, zone, kind);

-- Certificate authorities of each cluster (PEM).
CREATE TABLE authorities (
    cluster_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    cert_pem TEXT NOT NULL,
    key_pem TEXT NOT NULL,
    PRIMARY KEY (cluster_id, kind)
);
