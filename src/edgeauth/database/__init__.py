"""Auth0's database connection beyond the login form: `/dbconnections/*`, reset, verification."""
