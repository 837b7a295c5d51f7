"""A template's HttpApi authorizers as the local front enforces them.

SAM's shapes ("AWS::Serverless::HttpApi" ``Auth``, HttpApiAuth / OAuth2Authorizer, and
the HttpApi event's HttpApiFunctionAuth): an HttpApi's ``Auth.Authorizers`` maps a name to
``{IdentitySource, JwtConfiguration: {issuer, audience}, AuthorizationScopes}``;
``Auth.DefaultAuthorizer`` applies to every route of that API. An event's ``Auth.Authorizer``
picks another (``NONE``: no authorizer), and its ``AuthorizationScopes`` "will override any
scopes applied by the DefaultAuthorizer"; without them a route takes its authorizer's
``AuthorizationScopes``. An event without ``ApiId`` belongs to the implicit API, whose
``Auth`` comes from ``Globals.HttpApi``. Lambda and IAM authorizers are refused (one line).
"""

from __future__ import annotations

from .jwt_authorizer import JwtAuthorizer, RouteAuth

NONE = "NONE"


class UnsupportedAuthorizer(ValueError):
    """An authorizer the local front cannot enforce (a Lambda or IAM authorizer)."""


def _api_auth(template, api_ref) -> dict:
    logical = api_ref.get("Ref") if isinstance(api_ref, dict) else api_ref
    if logical:
        resource = template.resources.get(logical, {})
        if resource.get("Type") != "AWS::Serverless::HttpApi":
            return {}
        return resource.get("Properties", {}).get("Auth") or {}
    return template.data.get("Globals", {}).get("HttpApi", {}).get("Auth") or {}


def _authorizer(template, name: str, spec: dict) -> tuple[JwtAuthorizer, tuple[str, ...]]:
    config = spec.get("JwtConfiguration")
    if not isinstance(config, dict):
        raise UnsupportedAuthorizer(f"authorizer {name} is not a JWT authorizer: tokenvend dev enforces JWT "
                                    "authorizers only")
    audience = template.resolve(config.get("audience") or [])
    audience = [audience] if isinstance(audience, str) else audience
    authorizer = JwtAuthorizer(name, str(template.resolve(config.get("issuer", ""))),
                               tuple(str(a) for a in audience),
                               str(template.resolve(spec.get("IdentitySource", "$request.header.Authorization"))))
    return authorizer, tuple(str(s) for s in template.resolve(spec.get("AuthorizationScopes") or []))


def route_auth(template, event_props: dict) -> RouteAuth | None:
    """The authorizer and scopes of one HttpApi event, or None for an open route."""
    api_auth = _api_auth(template, event_props.get("ApiId"))
    event_auth = event_props.get("Auth") or {}
    name = event_auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
    if not name or name == NONE:
        return None
    if name == "AWS_IAM":
        raise UnsupportedAuthorizer("an AWS_IAM route cannot be served locally: tokenvend dev enforces JWT "
                                    "authorizers only")
    authorizers = api_auth.get("Authorizers") or {}
    if name not in authorizers:
        raise UnsupportedAuthorizer(f"route {event_props.get('Method', 'ANY')} {event_props.get('Path', '')} "
                                    f"names authorizer {name}, which its HttpApi does not define")
    authorizer, default_scopes = _authorizer(template, name, authorizers[name])
    scopes = event_auth.get("AuthorizationScopes")
    return RouteAuth(authorizer, tuple(str(s) for s in template.resolve(scopes)) if scopes is not None
                     else default_scopes)
