"""Bad input at /oauth/token gets the documented OAuth error, never a 500 (RFC 6749 §5.2, Auth0)."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import M2MApp, Server, make_m2m_app

AUDIENCE = "https://errors.example/"


@pytest.fixture(scope="module")
def app(server: Server) -> M2MApp:
    return make_m2m_app(server, AUDIENCE, ["read:x"])


def post(server: Server, **kwargs: object):
    with server.client() as http:
        return http.post("/oauth/token", **kwargs)


def assert_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"]
    assert response.headers["cache-control"] == "no-store"
    return body


def test_wrong_content_type(server: Server, app: M2MApp) -> None:
    response = post(server, content=b"grant_type=client_credentials", headers={"Content-Type": "text/plain"})
    assert_error(response, 400, "invalid_request")


def test_missing_grant_type(server: Server, app: M2MApp) -> None:
    body = assert_error(post(server, data=app.form(grant_type="")), 400, "invalid_request")
    assert "grant_type" in body["error_description"]


def test_missing_client_id(server: Server, app: M2MApp) -> None:
    data = app.form()
    del data["client_id"], data["client_secret"]
    assert_error(post(server, data=data), 400, "invalid_request")


def test_malformed_json(server: Server) -> None:
    response = post(
        server, content=b'{"grant_type": "client_credentials",', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "invalid_request")


def test_json_that_is_not_an_object(server: Server) -> None:
    response = post(server, content=b'["grant_type"]', headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_request")


def test_non_string_parameter(server: Server, app: M2MApp) -> None:
    response = post(server, json={**app.form(), "audience": {"x": 1}})
    assert_error(response, 400, "invalid_request")


def test_repeated_parameter(server: Server, app: M2MApp) -> None:
    body = (
        f"grant_type=client_credentials&client_id={app.client_id}&client_id=x"
        f"&client_secret={app.client_secret}&audience={AUDIENCE}"
    )
    response = post(
        server, content=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_error(response, 400, "invalid_request")


def test_one_megabyte_body(server: Server, app: M2MApp) -> None:
    response = post(server, data={**app.form(), "padding": "x" * 1024 * 1024})
    assert_error(response, 413, "invalid_request")


def test_unsupported_grant_type(server: Server, app: M2MApp) -> None:
    assert_error(post(server, data=app.form(grant_type="urn:nope")), 400, "unsupported_grant_type")


def test_unknown_client(server: Server, app: M2MApp) -> None:
    assert_error(post(server, data=app.form(client_id="nope")), 401, "invalid_client")


def test_wrong_secret_post(server: Server, app: M2MApp) -> None:
    response = post(server, data=app.form(client_secret="wrong"))
    assert_error(response, 401, "invalid_client")
    assert "www-authenticate" not in response.headers


def test_wrong_secret_basic_gets_www_authenticate(server: Server, app: M2MApp) -> None:
    basic = base64.b64encode(f"{app.client_id}:wrong".encode()).decode()
    data = {"grant_type": "client_credentials", "audience": AUDIENCE}
    response = post(server, data=data, headers={"Authorization": f"Basic {basic}"})
    assert_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic ")


def test_malformed_basic_header(server: Server) -> None:
    data = {"grant_type": "client_credentials", "audience": AUDIENCE}
    response = post(server, data=data, headers={"Authorization": "Basic !!!not-base64"})
    assert_error(response, 401, "invalid_client")
    assert "www-authenticate" in response.headers


def test_two_authentication_methods(server: Server, app: M2MApp) -> None:
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    response = post(server, data=app.form(), headers={"Authorization": f"Basic {basic}"})
    assert_error(response, 400, "invalid_request")


def test_unknown_audience(server: Server, app: M2MApp) -> None:
    body = assert_error(
        post(server, data=app.form(audience="https://unknown.example/")), 403, "access_denied"
    )
    assert body["error_description"] == "Service not found: https://unknown.example/"


def test_audience_not_granted(server: Server, app: M2MApp) -> None:
    server.cli("apis", "create", "--name", "Other", "--identifier", "https://other.example/")
    body = assert_error(post(server, data=app.form(audience="https://other.example/")), 403, "access_denied")
    assert "client-grant" in body["error_description"]


def test_missing_audience_without_default(server: Server, app: M2MApp) -> None:
    assert_error(post(server, data=app.form(audience="")), 403, "access_denied")


def test_scope_not_granted(server: Server, app: M2MApp) -> None:
    body = assert_error(post(server, data=app.form(scope="read:x delete:x")), 403, "access_denied")
    assert "delete:x" in body["error_description"]


def test_public_client_cannot_use_client_credentials(server: Server) -> None:
    spa = server.cli("apps", "create", "--name", "SPA", "--type", "spa")
    app = M2MApp(spa["client_id"], spa["client_secret"], AUDIENCE, [])
    assert_error(server.token(app), 403, "unauthorized_client")


def test_regular_app_without_the_grant_type(server: Server) -> None:
    regular = server.cli(
        "apps", "create", "--name", "No CC", "--type", "regular", "--grants", "authorization_code"
    )
    app = M2MApp(regular["client_id"], regular["client_secret"], AUDIENCE, [])
    assert_error(server.token(app), 403, "unauthorized_client")


def test_get_is_not_allowed(server: Server) -> None:
    with server.client() as http:
        response = http.get("/oauth/token")
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"


def test_server_still_issues_after_bad_input(server: Server, app: M2MApp) -> None:
    """Nothing stored was harmed by the garbage above."""
    response = post(server, data=app.form())
    assert response.status_code == 200, response.text
