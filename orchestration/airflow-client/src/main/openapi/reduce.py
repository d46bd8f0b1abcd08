"""Reduces Airflow's REST API v2 OpenAPI document to the operations poa calls, in a form the Java
generator compiles: only those operations, only their success responses, without the `Accept` header
parameter (its default `*/*` ends the generated Javadoc comment), and only the schemas they reach.

    python reduce.py airflow-3.3.2-v2-rest-api.yaml > airflow-3.3.2-v2-poa.yaml
    python reduce.py --check airflow-3.3.2-v2-rest-api.yaml airflow-3.3.2-v2-poa.yaml

The original is vendored beside it, unchanged, as the apache-airflow-core 3.3.2 wheel ships it.
"""
import json
import sys

import yaml

OPERATIONS = {
    "get_dag", "patch_dag",
    "trigger_dag_run", "get_dag_run", "get_dag_runs", "clear_dag_run",
    "create_backfill", "get_backfill", "list_backfills",
    "get_task_instances", "get_task_instance",
    "post_connection", "get_connection", "patch_connection", "delete_connection",
    "post_variable", "get_variable", "patch_variable", "delete_variable",
}


def reduce(doc):
    schemas = doc["components"]["schemas"]
    kept_paths = {}
    reached = set()

    def refs(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "$ref" and isinstance(v, str) and v.startswith("#/components/schemas/"):
                    name = v.rsplit("/", 1)[1]
                    if name not in reached:
                        reached.add(name)
                        refs(schemas[name])
                else:
                    refs(v)
        elif isinstance(o, list):
            for x in o:
                refs(x)

    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if not isinstance(op, dict) or op.get("operationId") not in OPERATIONS:
                continue
            op = dict(op)
            op["parameters"] = [p for p in op.get("parameters", []) if p.get("name", "").lower() != "accept"]
            op["responses"] = {c: r for c, r in op["responses"].items() if c.startswith("2")}
            refs(op.get("requestBody", {}))
            refs(op["parameters"])
            refs(op["responses"])
            kept_paths.setdefault(path, {})[method] = op
    out = {k: v for k, v in doc.items() if k not in ("paths", "components")}
    out["paths"] = kept_paths
    out["components"] = {"schemas": {n: schemas[n] for n in sorted(reached)}}
    if "securitySchemes" in doc["components"]:
        out["components"]["securitySchemes"] = doc["components"]["securitySchemes"]
    missing = OPERATIONS - {op["operationId"] for ops in kept_paths.values() for op in ops.values()}
    if missing:
        sys.exit(f"operations not in the document: {sorted(missing)}")
    return out


def dump(doc):
    return yaml.safe_dump(doc, sort_keys=True, allow_unicode=True, width=120)


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        with open(sys.argv[2]) as f:
            expected = dump(reduce(yaml.safe_load(f)))
        with open(sys.argv[3]) as f:
            actual = f.read()
        if actual != expected:
            sys.exit(f"{sys.argv[3]} is not what reduce.py makes of {sys.argv[2]}: run reduce.py again")
        print(f"{sys.argv[3]}: up to date")
    else:
        with open(sys.argv[1]) as f:
            sys.stdout.write(dump(reduce(yaml.safe_load(f))))
