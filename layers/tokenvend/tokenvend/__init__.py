"""tokenvend: an OAuth 2.0 client-credentials authorization server for AWS Lambda.

The core (model, config, token endpoint, resolution, claims, discovery) imports only the
standard library, PyJWT and cryptography; ``tokenvend.adapters`` holds everything boto3.
"""
