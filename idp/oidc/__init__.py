"""OpenID Connect: signing keys and JWKS, ID-token and userinfo claims, discovery."""
