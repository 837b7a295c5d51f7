"""A deployed or local tokenvend stack from the operator's chair: target, table, plan/apply/export, records, keys, explain, token, import."""
