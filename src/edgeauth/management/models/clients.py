"""Clients (applications): Auth0 `/api/v2/clients` bodies and the client object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field

from edgeauth.admin.clients import APP_TYPES, AUTH_METHODS, COLUMNS, GRANT_TYPES
from edgeauth.management.models.common import Body, Patch, Resource

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
Url = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^\S+$")]
Urls = Annotated[list[Url], Field(max_length=200)]
# The values the service layer accepts (`Literal` of a tuple: the same set, one definition; a type
# checker sees strings).
if TYPE_CHECKING:
    AppType = str
    AuthMethod = str
    GrantType = str
else:
    AppType = Literal[tuple(kind for kind, _, _ in APP_TYPES.values())]
    AuthMethod = Literal[AUTH_METHODS]
    GrantType = Literal[tuple(sorted(GRANT_TYPES))]
Settings = Annotated[dict[str, Any], Field(max_length=100)]
Page = Annotated[str, Field(max_length=100_000)]  # an HTML page or form the client stores
# Auth0: at most 10 keys, string values of at most 255 characters (in a PATCH, null removes a key).
MetadataKey = Annotated[str, Field(max_length=255)]
MetadataValue = Annotated[str, Field(max_length=255)]
Metadata = Annotated[dict[MetadataKey, MetadataValue], Field(max_length=10)]
MetadataChanges = Annotated[dict[MetadataKey, MetadataValue | None], Field(max_length=10)]


class JwtConfiguration(Body):
    alg: Literal["RS256"] | None = None
    lifetime_in_seconds: Annotated[int, Field(ge=1, le=2592000)] | None = None
    secret_encoded: bool | None = None
    scopes: dict[str, Any] | None = None


class ClientFields(Body):
    """Auth0 client properties accepted on create and update. Only `COLUMNS` are acted on (by the
    Authentication API); the others are stored and returned as given, so tools round-trip them."""

    description: Annotated[str, Field(max_length=140)] | None = None
    logo_uri: Url | None = None
    callbacks: Urls | None = None
    allowed_logout_urls: Urls | None = None
    web_origins: Urls | None = None
    allowed_origins: Urls | None = None
    client_aliases: Annotated[list[Name], Field(max_length=100)] | None = None
    grant_types: Annotated[list[GrantType], Field(max_length=10)] | None = None
    token_endpoint_auth_method: AuthMethod | None = None
    app_type: AppType | None = None
    is_first_party: bool | None = None
    oidc_conformant: bool | None = None
    sso_disabled: bool | None = None
    cross_origin_authentication: bool | None = None
    custom_login_page_on: bool | None = None
    initiate_login_uri: Url | None = None
    jwt_configuration: JwtConfiguration | None = None
    allowed_clients: Annotated[list[Name], Field(max_length=100)] | None = None
    sso: bool | None = None
    cross_origin_loc: Url | None = None
    custom_login_page: Page | None = None
    is_token_endpoint_ip_header_trusted: bool | None = None
    organization_usage: Literal["deny", "allow", "require"] | None = None
    organization_require_behavior: Literal["no_prompt", "pre_login_prompt", "post_login_prompt"] | None = None
    addons: Settings | None = None
    mobile: Settings | None = None
    native_social_login: Settings | None = None
    refresh_token: Settings | None = None
    oidc_logout: Settings | None = None
    # Newer Auth0 properties the Terraform provider and the Deploy CLI send; stored as given.
    cross_origin_auth: bool | None = None
    oidc_backchannel_logout: Settings | None = None
    require_pushed_authorization_requests: bool | None = None
    require_proof_of_possession: bool | None = None
    compliance_level: (
        Literal["none", "fapi1_adv_pkj_par", "fapi1_adv_mtls_par", "fapi2_sp_pkj_mtls", "fapi2_sp_mtls"]
        | None
    ) = None
    client_authentication_methods: Settings | None = None
    signed_request_object: Settings | None = None
    default_organization: Settings | None = None
    session_transfer: Settings | None = None
    token_quota: Settings | None = None
    skip_non_verifiable_callback_uri_confirmation_prompt: bool | None = None
    par_request_expiry: Annotated[int, Field(ge=5, le=600)] | None = None
    custom_login_page_preview: Page | None = None
    form_template: Page | None = None
    encryption_key: Settings | None = None
    token_exchange: Settings | None = None


class ClientCreate(ClientFields):
    """`client_id` and `client_secret` may be given (edgeauth: a tenant copied with its apps' ids)."""

    name: Name
    client_metadata: Metadata | None = None
    client_id: Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")] | None = None
    client_secret: Annotated[str, Field(min_length=16, max_length=256)] | None = None


class ClientUpdate(ClientFields, Patch):
    """A null removes a stored Auth0 property (in `client_metadata`: that key); the properties the
    Authentication API reads (`COLUMNS`) cannot be null."""

    nullable: ClassVar[frozenset[str]] = frozenset(set(ClientFields.model_fields) - set(COLUMNS))
    name: Name | None = None
    client_metadata: MetadataChanges | None = None


class Client(Resource):
    """Every field is optional: `fields`/`include_fields` may select any subset."""

    client_id: str | None = None
    tenant: str | None = None
    name: str | None = None
    app_type: str | None = None
    client_secret: str | None = None
    token_endpoint_auth_method: str | None = None
    grant_types: list[str] | None = None
    callbacks: list[str] | None = None
    allowed_logout_urls: list[str] | None = None
    web_origins: list[str] | None = None
    allowed_origins: list[str] | None = None
    is_first_party: bool | None = None
    oidc_conformant: bool | None = None
    client_metadata: dict[str, str] | None = None


class ClientsPage(Resource):
    start: int
    limit: int
    length: int
    total: int
    clients: list[Client]
