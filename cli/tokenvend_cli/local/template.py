"""template.yaml as the local tools see it: parsed with cfn-flip (which understands the
short intrinsic tags ``!Ref``, ``!Sub``, ``!GetAtt``...), with intrinsics resolved the
way ``sam local`` resolves them for local use: parameters take their defaults unless
overridden, pseudo parameters take local values, and a resource's ``Ref``/``GetAtt``
takes the physical name or ARN the local stack gave it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cfn_tools import load_yaml

if TYPE_CHECKING:
    from .jwt_authorizer import RouteAuth

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_TEMPLATE = PROJECT_ROOT / "template.yaml"
LOCAL_PSEUDO = {
    "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "tokenvend-local",
    "AWS::NoValue": None,
}


DEFAULT_ROUTE = "$default"


@dataclass(frozen=True)
class Route:
    """An HttpApi route: ``path`` may hold ``{name}`` segments and a last ``{name+}``, or
    be ``$default`` (the catch-all of an HttpApi event without Path and Method)."""

    method: str  # upper case, or ANY
    path: str
    auth: "RouteAuth | None" = field(default=None, compare=False)  # its JWT authorizer (template_auth)

    @property
    def route_key(self) -> str:
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("ANY", method.upper()) and self.path_parameters(path) is not None

    def path_parameters(self, path: str) -> dict[str, str] | None:
        """The values of the route's path variables in ``path``, or None when it does not match."""
        if self.path == DEFAULT_ROUTE:
            return {}
        want, got = self.path.strip("/").split("/"), path.strip("/").split("/")
        values = {}
        for i, part in enumerate(want):
            if part.startswith("{") and part.endswith("+}") and i == len(want) - 1:
                if len(got) <= i or not got[i]:
                    return None
                values[part[1:-2]] = "/".join(got[i:])
                return values
            if i >= len(got):
                return None
            if part.startswith("{") and part.endswith("}") and got[i]:
                values[part[1:-1]] = got[i]
            elif part != got[i]:
                return None
        return values if len(got) == len(want) else None

    @property
    def precedence(self) -> tuple:
        """Sort key, most specific first, as API Gateway picks among matching routes:
        exact paths before variables before greedy variables before $default, then a
        named method before ANY."""
        return (self.path == DEFAULT_ROUTE, "+}" in self.path, self.path.count("{"), self.method == "ANY")


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, str]
    routes: list[Route] = field(default_factory=list)
    layers: list[Path] = field(default_factory=list)
    timeout: int = 3  # seconds; Lambda's defaults when neither the function nor Globals says
    memory_size: int = 128  # MB
    runtime: str = ""


class Template:
    def __init__(self, path: str | Path = DEFAULT_TEMPLATE, *, parameters: dict | None = None,
                 physical: dict | None = None, pseudo: dict | None = None):
        self.path = Path(path)
        self.root = self.path.parent
        self.data = load_yaml(self.path.read_text(encoding="utf-8"))
        self.parameters = {name: str(spec.get("Default", "")) for name, spec in self.data.get("Parameters", {}).items()}
        self.parameters.update({k: str(v) for k, v in (parameters or {}).items()})
        self.physical = dict(physical or {})  # logical id -> {"Ref": ..., "Arn": ...}
        self.pseudo = {**LOCAL_PSEUDO, **(pseudo or {})}

    @property
    def resources(self) -> dict:
        return self.data.get("Resources", {})

    def of_type(self, resource_type: str) -> dict:
        """The resources of a type that this run creates: one whose Condition is false is
        left out, as CloudFormation leaves it out."""
        return {lid: r for lid, r in self.resources.items() if r.get("Type") == resource_type
                and ("Condition" not in r or self.condition(r["Condition"]))}

    def resolve(self, value):
        """Resolve the intrinsic functions in ``value`` against parameters and the local stack."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (name, arg), = value.items()
            if name == "Ref" or name.startswith("Fn::"):
                return getattr(self, "_" + name.replace("Fn::", "fn_"))(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _Ref(self, name):
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.physical:
            return self.physical[name]["Ref"]
        return name  # an unprovisioned resource: its logical id stands in, as in sam local

    def _fn_GetAtt(self, arg):
        logical, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
        return self.physical.get(logical, {}).get(attribute, f"{logical}.{attribute}")

    def _fn_Sub(self, arg):
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def repl(match):
            name = match.group(1)
            if name in extra:
                return str(extra[name])
            if "." in name:
                return str(self._fn_GetAtt(name))
            return str(self._Ref(name))
        return re.sub(r"\$\{([^!}][^}]*)\}", repl, text)

    def _fn_FindInMap(self, arg):
        mapping, top, second = (self.resolve(a) for a in arg)
        return self.data["Mappings"][mapping][top][second]

    def _fn_Join(self, arg):
        return str(arg[0]).join(str(self.resolve(v)) for v in arg[1])

    def _fn_If(self, arg):
        condition, yes, no = arg
        return self.resolve(yes if self.condition(condition) else no)

    def _fn_Equals(self, arg):
        return self.resolve(arg[0]) == self.resolve(arg[1])

    def _fn_Not(self, arg):
        return not self._truth(arg[0])

    def _fn_And(self, arg):
        return all(self._truth(a) for a in arg)

    def _fn_Or(self, arg):
        return any(self._truth(a) for a in arg)

    def _truth(self, value):
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(value["Condition"])
        return bool(self.resolve(value))

    def condition(self, name: str) -> bool:
        return self._truth(self.data.get("Conditions", {})[name])

    def functions(self) -> list[FunctionSpec]:
        """Every AWS::Serverless::Function with its Globals applied and its HttpApi routes."""
        from .template_auth import route_auth

        globals_ = self.data.get("Globals", {}).get("Function", {})
        declared = self._declared_routes()
        specs = []
        for lid, resource in self.of_type("AWS::Serverless::Function").items():
            props = resource.get("Properties", {})
            env = dict(globals_.get("Environment", {}).get("Variables", {}))
            env.update(props.get("Environment", {}).get("Variables", {}))
            routes = [self._route(e.get("Properties") or {}, route_auth(self, e.get("Properties") or {}))
                      for e in props.get("Events", {}).values() if e.get("Type") == "HttpApi"]
            routes += declared.get(lid, [])
            layers = [self._layer_dir(ref) for ref in props.get("Layers", globals_.get("Layers", []))]
            specs.append(FunctionSpec(
                lid, (self.root / props["CodeUri"]).resolve(), props.get("Handler", globals_.get("Handler")),
                {k: "" if v is None else str(v) for k, v in self.resolve(env).items()},
                routes, [p for p in layers if p],
                int(self.resolve(props.get("Timeout", globals_.get("Timeout", 3)))),
                int(self.resolve(props.get("MemorySize", globals_.get("MemorySize", 128)))),
                str(self.resolve(props.get("Runtime", globals_.get("Runtime", "")))),
            ))
        return specs

    def _declared_routes(self) -> dict[str, list[Route]]:
        """Routes declared as ``AWS::ApiGatewayV2::Route`` resources — a route with a
        Condition, which a SAM event cannot have — by the function their integration
        invokes (``Target: !Sub integrations/${Integration}``, ``IntegrationUri: !GetAtt
        Function.Arn``). One whose Condition is false is left out, as CloudFormation does."""
        integrations = self.of_type("AWS::ApiGatewayV2::Integration")
        routes: dict[str, list[Route]] = {}
        for resource in self.of_type("AWS::ApiGatewayV2::Route").values():
            props = resource.get("Properties", {})
            target = props.get("Target")
            target = target.get("Fn::Sub") if isinstance(target, dict) else target
            match = re.fullmatch(r"integrations/\$\{(\w+)\}", target) if isinstance(target, str) else None
            uri = integrations.get(match.group(1) if match else "", {}).get("Properties", {}).get("IntegrationUri")
            function = uri.get("Fn::GetAtt", [None])[0] if isinstance(uri, dict) else None
            if function:
                method, _, path = str(props.get("RouteKey", "")).partition(" ")
                routes.setdefault(function, []).append(Route(method.upper(), path) if path else Route("ANY", DEFAULT_ROUTE))
        return routes

    @staticmethod
    def _route(props: dict, auth=None) -> Route:
        if "Path" not in props and "Method" not in props:
            return Route("ANY", DEFAULT_ROUTE, auth)
        return Route(str(props.get("Method", "ANY")).upper().replace("X-AMAZON-APIGATEWAY-ANY-METHOD", "ANY"),
                     props["Path"], auth)

    def _layer_dir(self, ref) -> Path | None:
        logical = ref.get("Ref") if isinstance(ref, dict) else None
        layer = self.resources.get(logical or "", {})
        if layer.get("Type") != "AWS::Serverless::LayerVersion":
            return None
        return (self.root / layer["Properties"]["ContentUri"]).resolve()
