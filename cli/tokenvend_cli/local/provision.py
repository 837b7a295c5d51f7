"""Create the template's DynamoDB table and KMS signing key on an endpoint (the local moto
server, or any account), reading their definitions from template.yaml — never a second,
hand-written copy of the schema."""

from __future__ import annotations

from .template import Template

TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes",
              "LocalSecondaryIndexes", "SSESpecification", "StreamSpecification")


def provision(template: Template, dynamodb, kms, *, table_name: str | None = None) -> dict:
    """Create every table and KMS key of the template; return their physical ids, keyed by
    logical id as ``{"Ref": ..., "Arn": ...}``, and record them in ``template.physical``."""
    physical = {}
    for lid, resource in template.of_type("AWS::DynamoDB::Table").items():
        props = template.resolve(resource.get("Properties", {}))
        name = props.get("TableName") or table_name or f"{template.pseudo['AWS::StackName']}-{lid}"
        kwargs = {k: props[k] for k in TABLE_KEYS if k in props}
        if "SSESpecification" in kwargs:
            kwargs["SSESpecification"] = {"Enabled": kwargs["SSESpecification"].get("SSEEnabled", True)}
        arn = dynamodb.create_table(TableName=name, **kwargs)["TableDescription"]["TableArn"]
        dynamodb.get_waiter("table_exists").wait(TableName=name)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        physical[lid] = {"Ref": name, "Arn": arn}
    for lid, resource in template.of_type("AWS::KMS::Key").items():
        props = template.resolve(resource.get("Properties", {}))
        tags = [{"TagKey": t["Key"], "TagValue": str(t["Value"])} for t in props.get("Tags", [])]
        meta = kms.create_key(KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
                              KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
                              Description=str(props.get("Description", lid)),
                              **({"Tags": tags} if tags else {}))["KeyMetadata"]
        physical[lid] = {"Ref": meta["KeyId"], "Arn": meta["Arn"], "KeyId": meta["KeyId"]}
    template.physical.update(physical)
    for lid, resource in template.of_type("AWS::KMS::Alias").items():
        props = template.resolve(resource.get("Properties", {}))
        kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        physical[lid] = {"Ref": props["AliasName"]}
    template.physical.update(physical)
    return physical
