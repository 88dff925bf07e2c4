-- Connections (issue 5): every tenant has Auth0's database connection, enabled for its applications
-- (new tenants get it when they are created; admin/connections.py `ensure_database_connection`).
INSERT OR IGNORE INTO connections (tenant_id, id, name, strategy, options, realms, created_at, updated_at)
SELECT id, 'con_' || lower(hex(randomblob(8))), 'Username-Password-Authentication', 'auth0', '{}',
       '["Username-Password-Authentication"]', created_at, created_at
FROM tenants;

INSERT OR IGNORE INTO connection_clients (tenant_id, connection_id, client_id)
SELECT c.tenant_id, c.id, a.client_id
FROM connections c JOIN clients a ON a.tenant_id = c.tenant_id
WHERE c.name = 'Username-Password-Authentication';
