-- edgeauth admin store (D1). Source of truth for configuration; the login path reads KV snapshots
-- refreshed from these rows after each committed write (design.md, "Consistency rules").

CREATE TABLE tenants (
    id            TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    settings      TEXT NOT NULL DEFAULT '{}',   -- JSON
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE clients (
    tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id          TEXT NOT NULL,
    name               TEXT NOT NULL,
    app_type           TEXT NOT NULL,           -- spa | regular_web | native | non_interactive
    client_secret      TEXT NOT NULL,           -- sealed (AES-256-GCM with the deployment key)
    client_secret_hash TEXT NOT NULL,           -- SHA-256, hex: what the token endpoint compares
    token_endpoint_auth_method TEXT NOT NULL,   -- none | client_secret_post | client_secret_basic
    grant_types        TEXT NOT NULL DEFAULT '[]',  -- JSON arrays below
    callbacks          TEXT NOT NULL DEFAULT '[]',
    allowed_logout_urls TEXT NOT NULL DEFAULT '[]',
    web_origins        TEXT NOT NULL DEFAULT '[]',
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, client_id)
);

CREATE TABLE resource_servers (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    identifier     TEXT NOT NULL,
    name           TEXT NOT NULL,
    scopes         TEXT NOT NULL DEFAULT '[]',  -- JSON [{value, description}]
    token_lifetime INTEGER NOT NULL DEFAULT 86400,
    signing_alg    TEXT NOT NULL DEFAULT 'RS256',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, identifier)
);

CREATE TABLE client_grants (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    audience   TEXT NOT NULL,
    scope      TEXT NOT NULL DEFAULT '[]',      -- JSON array of scope values
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, client_id, audience)
);

-- Copy of the users held by the Durable Objects, fed by the USER_EVENTS queue.
CREATE TABLE users (
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    email      TEXT,
    profile    TEXT NOT NULL DEFAULT '{}',      -- JSON: the Management API user object
    version    INTEGER NOT NULL,                -- per-user, from the Durable Object; never goes backwards
    deleted    INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX users_by_email ON users (tenant_id, email);
