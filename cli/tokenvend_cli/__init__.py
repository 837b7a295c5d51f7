"""tokenvend's command line and local tooling. Never imported by the Lambda functions."""
