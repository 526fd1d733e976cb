-- Facts about this installation of the portal (when it was installed, …), one row per key.
CREATE TABLE portal_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
