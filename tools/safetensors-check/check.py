"""Reads an adapter export (poa export-adapters) with the reference safetensors reader.

    python check.py EXPORT_DIR

For every adapter listed in EXPORT_DIR/index.json: the files' sizes and sha256 equal the
manifest's; safetensors loads the weights (numpy, bf16 through ml_dtypes) and its metadata
carries the adapter id and version; every tensor is <module>.lora_A.weight [r, in] or
.lora_B.weight [out, r] of a target module in adapter_config.json, each target module has its
pairs, all values are finite, the dtype is the manifest's; when the source is a local file and
the weights were converted, they equal numpy's own conversion of the source, bit for bit.
Prints one JSON object per adapter (tensors, parameters, dtype, sum of |values| in float64) and
exits 1 on the first failed check.
"""
import hashlib
import json
import os
import re
import sys
import urllib.parse

import ml_dtypes
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

LORA = re.compile(r"(.+)\.([^.]+)\.lora_([AB])\.weight$")
NUMPY = {"F32": np.float32, "F16": np.float16, "BF16": ml_dtypes.bfloat16, "F64": np.float64}


def fail(adapter, message):
    print(json.dumps({"adapter_id": adapter, "error": message}))
    sys.exit(1)


def check(root, entry):
    aid = entry["adapter_id"]
    d = os.path.join(root, entry["path"])
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    for fe in manifest["files"]:
        with open(os.path.join(d, fe["name"]), "rb") as f:
            data = f.read()
        if len(data) != fe["size"] or hashlib.sha256(data).hexdigest() != fe["sha256"]:
            fail(aid, fe["name"] + " does not match its size/sha256 in manifest.json")
    with open(os.path.join(d, "adapter_config.json")) as f:
        config = json.load(f)
    path = os.path.join(d, "adapter_model.safetensors")
    tensors = load_file(path)
    with safe_open(path, framework="np") as f:
        meta = f.metadata() or {}
    if meta.get("poa.adapter_id") != aid or meta.get("poa.version") != manifest["version"]:
        fail(aid, "__metadata__ does not carry the adapter id and version: %r" % meta)
    r = config["r"]
    pairs = {}
    total = 0.0
    params = 0
    for name, t in tensors.items():
        m = LORA.match(name)
        if not m or m.group(2) not in config["target_modules"]:
            fail(aid, "unexpected tensor " + name)
        if t.ndim != 2 or (m.group(3) == "A" and t.shape[0] != r) or (m.group(3) == "B" and t.shape[1] != r):
            fail(aid, "%s has shape %s for r = %d" % (name, t.shape, r))
        if t.dtype != np.dtype(NUMPY[manifest["dtype"]]):
            fail(aid, "%s is %s, manifest says %s" % (name, t.dtype, manifest["dtype"]))
        values = t.astype(np.float64)
        if not np.all(np.isfinite(values)):
            fail(aid, name + " holds NaN/Inf")
        pairs.setdefault((m.group(1), m.group(2)), set()).add(m.group(3))
        total += float(np.abs(values).sum())
        params += t.size
    for key, sides in pairs.items():
        if sides != {"A", "B"}:
            fail(aid, "%s.%s lacks a side: %s" % (key[0], key[1], sides))
    modules = {k[1] for k in pairs}
    if modules != set(config["target_modules"]):
        fail(aid, "modules with weights %s != target_modules %s" % (sorted(modules), config["target_modules"]))
    source = urllib.parse.urlparse(manifest["source"]["artifact_uri"])
    if manifest.get("conversion") and source.scheme == "file":
        src = load_file(os.path.join(urllib.parse.unquote(source.path), "adapter_model.safetensors"))
        target = NUMPY[manifest["dtype"]]
        for name, t in tensors.items():
            expected = src[name].astype(target)
            if expected.tobytes() != t.tobytes():
                fail(aid, name + " differs from numpy's conversion of the source to " + manifest["dtype"])
    print(json.dumps({"adapter_id": aid, "tensors": len(tensors), "parameters": params, "dtype": manifest["dtype"],
                      "sum_abs": total, "converted_checked": bool(manifest.get("conversion"))}))


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "index.json")) as f:
        index = json.load(f)
    for base, entries in index["base_models"].items():
        for entry in entries:
            check(root, entry)


if __name__ == "__main__":
    main()
