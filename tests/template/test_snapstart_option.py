"""The SnapStart option (issue 12): a template parameter, off by default, that SAM turns into
SnapStart on both functions' published versions, and nothing at all when off."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from cfn_tools import load_yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
FUNCTIONS = ("TokenFunction", "DiscoveryFunction")


@pytest.fixture(scope="module")
def template():
    return load_yaml(TEMPLATE.read_text())


class _NoManagedPolicies:
    """The functions' policies are inline statements: no managed policy to look up."""

    def load(self):
        return {}


@pytest.fixture(autouse=True)
def region(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator builds ARNs with it


def transformed(template, snap_start: str) -> dict:
    """The CloudFormation SAM makes of the template, with SnapStart set as a deploy would."""
    from samtranslator.translator.transform import transform

    packaged = copy.deepcopy(template)  # as `sam package` leaves it: code in S3
    for name, resource in packaged["Resources"].items():
        for uri in ("CodeUri", "ContentUri"):
            if uri in resource.get("Properties", {}):
                resource["Properties"][uri] = f"s3://tokenvend-artifacts/{name}.zip"
    return transform(packaged, {"SnapStart": snap_start}, _NoManagedPolicies())


def test_snapstart_is_a_parameter_off_by_default(template):
    parameter = template["Parameters"]["SnapStart"]
    assert (parameter["Type"], parameter["Default"], parameter["AllowedValues"]) == ("String", "false", ["false", "true"])
    assert template["Conditions"]["UseSnapStart"] == {"Fn::Equals": [{"Ref": "SnapStart"}, "true"]}


def test_both_functions_publish_a_version_behind_an_alias(template):
    resources = transformed(template, "false")["Resources"]
    for name in FUNCTIONS:
        aliases = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Alias"
                   and r["Properties"]["FunctionName"] == {"Ref": name}]
        assert [a["Properties"]["Name"] for a in aliases] == ["live"]


def test_api_gateway_invokes_the_alias(template):
    """SnapStart restores published versions only: the routes must reach the alias, not $LATEST."""
    resources = transformed(template, "true")["Resources"]
    paths = resources["HttpApi"]["Properties"]["Body"]["paths"]
    uris = {path: str(p["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]["uri"])
            for path, p in paths.items()}
    assert uris and all("Aliaslive" in uri for uri in uris.values()), uris


def test_snapstart_applies_to_published_versions_under_the_condition(template):
    resources = transformed(template, "true")["Resources"]
    for name in FUNCTIONS:
        assert resources[name]["Properties"]["SnapStart"] == {
            "Fn::If": ["UseSnapStart", {"ApplyOn": "PublishedVersions"}, {"Ref": "AWS::NoValue"}]}
    assert resources[FUNCTIONS[0]]["Properties"]["Runtime"] == "python3.13"
