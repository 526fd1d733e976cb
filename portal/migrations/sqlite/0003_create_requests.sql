-- Submissions of the create-cluster wizard, by the idempotency token each rendered form carries:
-- the first submit inserts the row (the primary key makes a concurrent second one fail) and
-- records the cluster it created; a repeated submit finds that cluster instead of creating
-- another. A row without a cluster is a create in progress, or one that crashed midway.

CREATE TABLE create_requests (
    token TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    zone TEXT NOT NULL,
    cluster_id TEXT,
    created_at BIGINT NOT NULL
);
