-- Deletion protection, per cluster: while a cluster has a row here, the portal refuses to delete
-- it. Admins and owners set and clear it (both audited); `set_by` is who set it, in words.

CREATE TABLE cluster_protection (
    org_id TEXT NOT NULL REFERENCES orgs (id),
    zone TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, zone, cluster_id)
);
