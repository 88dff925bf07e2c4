-- Email delivery (docs/email.md): the tenant's provider, and the outbox provider's messages.
CREATE TABLE email_providers (
    tenant_id            TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,              -- outbox | sendgrid | mailgun | resend | cloudflare
    enabled              INTEGER NOT NULL DEFAULT 1,
    default_from_address TEXT NOT NULL DEFAULT '',
    credentials          TEXT NOT NULL DEFAULT '',   -- JSON sealed with the deployment key
    settings             TEXT NOT NULL DEFAULT '{}',
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

-- What the `outbox` provider "sent": readable with `edgeauth outbox` and, locally, /local/outbox.
CREATE TABLE outbox_emails (
    id           TEXT PRIMARY KEY,                   -- the queue message's id: redelivery stores once
    tenant_id    TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    from_address TEXT NOT NULL,
    subject      TEXT NOT NULL,
    html         TEXT NOT NULL,
    text         TEXT NOT NULL,
    template     TEXT NOT NULL,
    locale       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX outbox_emails_by_address ON outbox_emails (tenant_id, to_address, id);
