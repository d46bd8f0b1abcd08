#!/usr/bin/env bash
# GPU discovery for Spark (spark.executor.resource.gpu.discoveryScript): prints the GPUs this executor may use,
# as Spark expects: {"name": "gpu", "addresses": ["0", "1"]}. Not exercised here (no GPU on these machines).
ADDRS=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | sed -e 's/^/"/' -e 's/$/"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${ADDRS}]}"
