"""The tokenvend stack on this machine, no Docker: template, provisioning, the API front, the Lambda runtime, `dev` and `invoke`."""
