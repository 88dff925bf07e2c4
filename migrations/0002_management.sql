-- Management API v2 (issue 5): the rest of the admin store. Same rule as 0001: D1 first, then the
-- KV snapshot the login path reads is republished from these rows.

-- Auth0 client fields the Authentication API does not read (description, logo_uri, client_metadata,
-- is_first_party, ...): kept as one JSON object so PATCH round-trips them.
ALTER TABLE clients ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';

-- RBAC and the other per-API switches (Auth0: enforce_policies, token_dialect, ...).
ALTER TABLE resource_servers ADD COLUMN is_system INTEGER NOT NULL DEFAULT 0;
ALTER TABLE resource_servers ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';

-- The tenant's own Management API (audience `{issuer}api/v2/`, whatever host serves the tenant),
-- stored under a host-independent identifier (docs/decisions.md, "Management API audience").
INSERT INTO resource_servers (tenant_id, id, identifier, name, scopes, token_lifetime, signing_alg,
                              created_at, updated_at, is_system)
SELECT id, 'api_management', 'urn:edgeauth:management-api', 'Auth0 Management API', '[]', 86400, 'RS256',
       created_at, created_at, 1
FROM tenants;

CREATE TABLE connections (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,                   -- con_…
    name       TEXT NOT NULL,
    strategy   TEXT NOT NULL,                   -- auth0 | email | google-oauth2 | oidc | oauth2 | …
    display_name TEXT,
    options    TEXT NOT NULL DEFAULT '{}',      -- JSON; secrets inside are sealed
    is_domain_connection INTEGER NOT NULL DEFAULT 0,
    realms     TEXT NOT NULL DEFAULT '[]',
    metadata   TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE connection_clients (
    tenant_id     TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, connection_id, client_id)
);

CREATE TABLE roles (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,                  -- rol_…
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE role_permissions (
    tenant_id                  TEXT NOT NULL,
    role_id                    TEXT NOT NULL,
    resource_server_identifier TEXT NOT NULL,
    permission_name            TEXT NOT NULL,
    PRIMARY KEY (tenant_id, role_id, resource_server_identifier, permission_name)
);

CREATE TABLE user_roles (
    tenant_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role_id   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, role_id)
);
CREATE INDEX user_roles_by_role ON user_roles (tenant_id, role_id);

-- Permissions given to a user directly (Auth0 `POST /users/{id}/permissions`).
CREATE TABLE user_permissions (
    tenant_id                  TEXT NOT NULL,
    user_id                    TEXT NOT NULL,
    resource_server_identifier TEXT NOT NULL,
    permission_name            TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, resource_server_identifier, permission_name)
);

-- Who administers which tenant with their own user token (issue 5, "Authentication of the API").
CREATE TABLE user_tenants (
    tenant_id      TEXT NOT NULL,               -- the administered tenant
    issuer         TEXT NOT NULL,               -- the token's `iss`
    subject        TEXT NOT NULL,               -- the token's `sub`
    created_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, issuer, subject)
);

-- External OAuth2/OIDC issuers whose tokens a tenant accepts on its Management API.
CREATE TABLE trusted_issuers (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    issuer     TEXT NOT NULL,
    jwks_uri   TEXT NOT NULL,
    audience   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, issuer)
);

-- Auth0 log events (`type` codes s, f, ss, fs, seacft, …), written by the queue consumer.
CREATE TABLE logs (
    tenant_id   TEXT NOT NULL,
    log_id      TEXT NOT NULL,                  -- sortable: time-ordered, unique
    date        TEXT NOT NULL,                  -- ISO 8601
    type        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    ip          TEXT,
    user_agent  TEXT,
    client_id   TEXT,
    client_name TEXT,
    user_id     TEXT,
    user_name   TEXT,
    connection  TEXT,
    details     TEXT NOT NULL DEFAULT '{}',     -- JSON
    PRIMARY KEY (tenant_id, log_id)
);
CREATE INDEX logs_by_date ON logs (tenant_id, date);
CREATE INDEX logs_by_user ON logs (tenant_id, user_id, log_id);

CREATE TABLE email_templates (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    template   TEXT NOT NULL,                   -- verify_email | reset_email | welcome_email | …
    body       TEXT NOT NULL,
    "from"     TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    syntax     TEXT NOT NULL DEFAULT 'liquid',
    result_url TEXT,
    url_lifetime_in_seconds INTEGER,
    enabled    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, template)
);

-- Columns of the synced user copy that search and sort use (kept from `profile` by the consumer).
ALTER TABLE users ADD COLUMN created_at TEXT;
ALTER TABLE users ADD COLUMN last_login TEXT;
CREATE INDEX users_by_created ON users (tenant_id, created_at);
