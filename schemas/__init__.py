"""wire's JSON Schemas and OpenAPI document, installed as the package ``wire.schemas``."""
