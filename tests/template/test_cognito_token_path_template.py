"""template.yaml: the optional alias of the token endpoint at Amazon Cognito's path.

A SAM event cannot carry a Condition, so the route, its integration and its permission
are plain CloudFormation resources, each under the ServeCognitoTokenPath condition."""

from __future__ import annotations

from pathlib import Path

from cfn_tools import load_yaml

TEMPLATE = load_yaml((Path(__file__).resolve().parents[2] / "template.yaml").read_text(encoding="utf-8"))
ALIAS_RESOURCES = ("CognitoTokenPathIntegration", "CognitoTokenPathRoute", "CognitoTokenPathPermission")


def test_the_parameter_is_off_by_default_and_drives_one_condition():
    parameter = dict(TEMPLATE["Parameters"]["CognitoTokenPath"])
    assert parameter.pop("Description").startswith('"true" also serves the token endpoint at Amazon Cognito')
    assert parameter == {"Type": "String", "Default": "false", "AllowedValues": ["false", "true"]}
    assert TEMPLATE["Conditions"]["ServeCognitoTokenPath"] == {"Fn::Equals": [{"Ref": "CognitoTokenPath"}, "true"]}
    assert [name for name, r in TEMPLATE["Resources"].items() if r.get("Condition") == "ServeCognitoTokenPath"] \
        == list(ALIAS_RESOURCES)


def test_any_oauth2_token_goes_to_the_token_function_as_payload_2_0():
    resources = TEMPLATE["Resources"]
    integration, route, permission = (resources[name] for name in ALIAS_RESOURCES)
    assert integration == {"Type": "AWS::ApiGatewayV2::Integration", "Condition": "ServeCognitoTokenPath",
                           "Properties": {"ApiId": {"Ref": "HttpApi"}, "IntegrationType": "AWS_PROXY",
                                          "IntegrationUri": {"Fn::GetAtt": ["TokenFunction", "Arn"]},
                                          "PayloadFormatVersion": "2.0"}}
    assert route["Properties"] == {"ApiId": {"Ref": "HttpApi"}, "RouteKey": "ANY /oauth2/token",
                                   "Target": {"Fn::Sub": "integrations/${CognitoTokenPathIntegration}"}}
    # API Gateway may invoke the token function for this route only
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "TokenFunction"},
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}"
                                 "/*/*/oauth2/token"}}
