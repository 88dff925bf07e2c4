"""Auth0 cross-origin authentication: auth0.js embedded login through `/co/authenticate`."""
