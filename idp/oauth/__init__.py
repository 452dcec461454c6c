"""OAuth 2.0: clients, codes, tokens, and Authlib's AuthorizationServer with our grants."""
