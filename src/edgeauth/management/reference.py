"""The Management API reference page: the OpenAPI document rendered to HTML on the server.

No script and no CDN, so it works offline and on a locked-down network.
"""

from __future__ import annotations

from typing import Any

from edgeauth.templates import environment

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any]) -> str:
    """A short type label for a parameter or body schema."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_schema_name(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list[{_schema_name(schema.get('items', {}))}]"
    return str(schema.get("type", "object"))


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation, grouped by tag order, with its parameters, body and responses."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            security = [s for req in op.get("security", []) for scopes in req.values() for s in scopes]
            found.append(
                {
                    "tag": (op.get("tags") or ["other"])[0],
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "scopes": security,
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "type": _schema_name(p.get("schema", {})),
                            "required": p.get("required", False),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _schema_name(body) if body else "",
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return sorted(found, key=lambda o: (o["tag"], o["path"], METHODS.index(o["method"].lower())))


def schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    components = document.get("components", {}).get("schemas", {})
    return [
        {
            "name": schema_name,
            "required": schema.get("required", []),
            "properties": [
                {"name": name, "type": _schema_name(spec)}
                for name, spec in schema.get("properties", {}).items()
            ],
        }
        for schema_name, schema in sorted(components.items())
    ]


def render(document: dict[str, Any], root_path: str) -> str:
    return environment.get_template("management_reference.html").render(
        title=document["info"]["title"],
        version=document["openapi"],
        openapi_url=f"{root_path}/openapi.json",
        operations=operations(document),
        schemas=schemas(document),
    )
