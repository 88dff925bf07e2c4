"""Auth0's passwordless `email` connection: codes and magic links sent by email."""
