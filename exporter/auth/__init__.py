"""Authentication: OAuth 2.0 (3LO) and API tokens, the token file, and the login flow."""
