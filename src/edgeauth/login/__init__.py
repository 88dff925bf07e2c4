"""Universal Login: the hosted pages between `/authorize` and the authorization response."""
