"""Auth0 Management API v2 under `/api/v2` (FastAPI + pydantic), mounted lazily by `edgeauth.app`.

Routes validate with pydantic models and call the admin service layer (`edgeauth.admin`), the
same functions the CLI uses. The Authentication API never imports this package.
"""
