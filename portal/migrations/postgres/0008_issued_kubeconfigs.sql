-- The kubeconfigs issued through the portal, for the Access tab's list: for whom (the
-- certificate's user and groups), by whom (in words, as the person was named then), when, and
-- until when. Never the file or its key: those go to the person who asked and nowhere else.

CREATE TABLE issued_kubeconfigs (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    zone TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    -- comma-separated
    groups_list TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX issued_kubeconfigs_by_cluster ON issued_kubeconfigs (org_id, zone, cluster_id, issued_at);
