-- Email templates: Auth0's `includeEmailInRedirect` (defaults to true).
ALTER TABLE email_templates ADD COLUMN include_email_in_redirect INTEGER NOT NULL DEFAULT 1;

-- Management API rate limit: one fixed-window counter per tenant (docs/decisions.md,
-- "Management API rate limit"). D1 has one primary, so every isolate counts on the same row.
CREATE TABLE rate_limits (
    tenant_id    TEXT NOT NULL,
    bucket       TEXT NOT NULL,                -- "management_api"
    window_start INTEGER NOT NULL,             -- Unix seconds
    count        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, bucket)
);
