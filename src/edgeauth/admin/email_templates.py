"""Email templates (Auth0 `/email-templates`): stored per tenant in D1, rendered by the mailer.

Fields use Auth0's names (`from`, `resultUrl`, `urlLifetimeInSeconds`, `includeEmailInRedirect`);
`COLUMNS` maps them to the D1 columns.
"""

from __future__ import annotations

from typing import Any

from edgeauth.admin.errors import bad_request, conflict, not_found
from edgeauth.admin.tenants import require_tenant
from edgeauth.platform import Platform

TEMPLATE_NAMES = (
    "verify_email",
    "verify_email_by_code",
    "auth_email_by_code",
    "reset_email",
    "reset_email_by_code",
    "welcome_email",
    "blocked_account",
    "stolen_credentials",
    "enrollment_email",
    "mfa_oob_code",
    "user_invitation",
    "change_password",
    "password_reset",
    "async_approval",
)
# Auth0 field → D1 column (fixed names, never input).
COLUMNS = {
    "body": "body",
    "from": '"from"',
    "subject": "subject",
    "syntax": "syntax",
    "resultUrl": "result_url",
    "urlLifetimeInSeconds": "url_lifetime_in_seconds",
    "includeEmailInRedirect": "include_email_in_redirect",
    "enabled": "enabled",
}
# What a field is when the template does not set it (PUT resets to these).
DEFAULTS: dict[str, Any] = {
    "body": "",
    "from": "",
    "subject": "",
    "syntax": "liquid",
    "resultUrl": None,
    "urlLifetimeInSeconds": None,
    "includeEmailInRedirect": True,
    "enabled": True,
}
BOOLEANS = ("includeEmailInRedirect", "enabled")


def template_json(row: dict[str, Any]) -> dict[str, Any]:
    """Auth0's email template shape; unset optional fields are left out."""
    template: dict[str, Any] = {"template": row["template"]}
    for field, column in COLUMNS.items():
        value = row[column.strip('"')]
        if value is not None:
            template[field] = bool(value) if field in BOOLEANS else value
    return template


def _column_value(field: str, value: Any) -> Any:
    """A field's D1 value: `null` means its default, booleans are SQLite integers."""
    value = DEFAULTS[field] if value is None else value
    return int(value) if field in BOOLEANS else value


def _values(fields: dict[str, Any]) -> dict[str, Any]:
    """The known fields of a request as D1 values."""
    return {f: _column_value(f, v) for f, v in fields.items() if f in COLUMNS}


def _check_name(name: str, fields: dict[str, Any]) -> None:
    if name not in TEMPLATE_NAMES:
        raise bad_request(f"template must be one of {', '.join(TEMPLATE_NAMES)}.")
    if fields.get("template", name) != name:
        raise bad_request("The template name in the body does not match the one in the path.")


async def get_template(platform: Platform, tenant_id: str, name: str) -> dict[str, Any]:
    """Auth0 `GET /email-templates/{templateName}`: 404 until configured."""
    row = await platform.db.first(
        "SELECT * FROM email_templates WHERE tenant_id = ? AND template = ?", tenant_id, name
    )
    if row is None:
        raise not_found(f"Template {name} not found.", "inexistent_email_template")
    return template_json(row)


async def create_template(platform: Platform, tenant_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Auth0 `POST /email-templates`: 409 when the template is already configured."""
    name = str(fields.get("template", ""))
    _check_name(name, fields)
    await require_tenant(platform, tenant_id)
    values = _values({**DEFAULTS, **fields})
    columns = ", ".join(COLUMNS[f] for f in values)
    changed = await platform.db.run(
        f"INSERT OR IGNORE INTO email_templates (tenant_id, template, {columns})"  # noqa: S608
        f" VALUES (?, ?, {', '.join('?' for _ in values)})",
        tenant_id,
        name,
        *values.values(),
    )
    if not changed:
        raise conflict(f"Template {name} already exists.", "email_template_conflict")
    return await get_template(platform, tenant_id, name)


async def update_template(
    platform: Platform, tenant_id: str, name: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Auth0 `PATCH /email-templates/{templateName}`: the given fields replace; 404 until created."""
    _check_name(name, changes)
    values = _values(changes)
    if values:
        assignments = ", ".join(f"{COLUMNS[f]} = ?" for f in values)
        changed = await platform.db.run(
            f"UPDATE email_templates SET {assignments} WHERE tenant_id = ? AND template = ?",  # noqa: S608
            *values.values(),
            tenant_id,
            name,
        )
        if not changed:
            raise not_found(f"Template {name} not found.", "inexistent_email_template")
    return await get_template(platform, tenant_id, name)


async def replace_template(
    platform: Platform, tenant_id: str, name: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """Auth0 `PUT /email-templates/{templateName}`: every field not given goes back to its default."""
    return await update_template(platform, tenant_id, name, {**DEFAULTS, **fields})
