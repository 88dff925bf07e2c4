-- Users import and export jobs (Auth0 `/api/v2/jobs`; docs/migrating-from-auth0.md). The work is
-- split into parts, one queue message each; a part is counted once, when it is marked done.
CREATE TABLE jobs (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,                    -- users_import | users_export
    status     TEXT NOT NULL,                    -- pending | completed | failed
    params     TEXT NOT NULL,                    -- JSON: what the job was created with
    parts      INTEGER NOT NULL,                 -- imports: how many; exports: written so far
    done       INTEGER NOT NULL DEFAULT 0,
    inserted   INTEGER NOT NULL DEFAULT 0,
    updated    INTEGER NOT NULL DEFAULT 0,
    failed     INTEGER NOT NULL DEFAULT 0,
    total      INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- An import's users (a JSON array) or an export's lines (NDJSON or CSV), one part per row.
CREATE TABLE job_parts (
    tenant_id TEXT NOT NULL,
    job_id    TEXT NOT NULL,
    part      INTEGER NOT NULL,
    data      TEXT NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, job_id, part)
);

-- An import's refused users, as `GET /jobs/{id}/errors` lists them.
CREATE TABLE job_errors (
    tenant_id TEXT NOT NULL,
    job_id    TEXT NOT NULL,
    part      INTEGER NOT NULL,
    row       INTEGER NOT NULL,
    user      TEXT NOT NULL,
    errors    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, job_id, part, row)
);
