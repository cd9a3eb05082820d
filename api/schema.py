"""OpenAPI pieces drf-spectacular cannot infer: the bearer-token security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token: `Authorization: Bearer <token>`.",
        }


# Operations whose 200 body may be ``null`` (drf-spectacular cannot say so for a response).
NULLABLE_RESPONSES = {("/api/v1/timer/", "get")}


def nullable_responses(result, generator, request, public):
    """Postprocessing hook: mark the listed 200 responses ``nullable`` (OpenAPI 3.0)."""
    for path, method in NULLABLE_RESPONSES:
        operation = result["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        content = operation["responses"]["200"]["content"]["application/json"]
        content["schema"] = {"allOf": [content["schema"]], "nullable": True}
    return result
