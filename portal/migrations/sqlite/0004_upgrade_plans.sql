-- Upgrade plans: a cluster's control plane, then each nodepool cycled (new nodes added, old
-- ones evicted), run by the portal in the background and resumed after a restart. `steps` is
-- the plan as JSON, rewritten after every step's progress.

CREATE TABLE upgrade_plans (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    zone TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    from_version TEXT NOT NULL,
    to_version TEXT NOT NULL,
    -- running, done, failed
    state TEXT NOT NULL,
    message TEXT,
    steps TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX upgrade_plans_by_cluster ON upgrade_plans (cluster_id, created_at);
-- At most one running plan per cluster, whichever replica or request starts it.
CREATE UNIQUE INDEX upgrade_plans_one_running ON upgrade_plans (cluster_id) WHERE state = 'running';
