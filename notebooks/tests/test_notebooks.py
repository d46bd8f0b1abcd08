"""The notebooks, executed headless on the lakehouse of `./poa demo` (POA_NOTEBOOK_WAREHOUSE), as
`notebooks/run --test DIR` runs them. POA_NOTEBOOK_RPC, when set, is a node holding the demo's chain state:
the audit then also checks the root on chain.

The tamper tests change the demo lakehouse and put it back: a payout row is rewritten through PyIceberg
(a new snapshot) and the table's current snapshot is set back to the one before afterwards."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
import lakehouse as lh  # noqa: E402

WAREHOUSE = os.environ.get("POA_NOTEBOOK_WAREHOUSE")
RPC = os.environ.get("POA_NOTEBOOK_RPC")
pytestmark = pytest.mark.skipif(not WAREHOUSE, reason="POA_NOTEBOOK_WAREHOUSE: the lakehouse of ./poa demo")


def run(notebook, out, *args):
    p = subprocess.run([sys.executable, str(HERE / "run.py"), notebook, "--warehouse", WAREHOUSE, "--out", str(out),
                        *args], capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout + p.stderr


def outputs(executed):
    """All text a notebook printed, and its error, in order."""
    nb = json.loads(Path(executed).read_text())
    text = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            text.append("".join(o.get("text", "")))
            if o.get("output_type") == "error":
                text.append(f"{o['ename']}: {o['evalue']}")
    return "\n".join(text)


@pytest.mark.parametrize("notebook", ["manifest_audit", "epoch_report", "datanet_quality", "attribution_explorer"])
def test_every_notebook_runs_on_the_demo_lakehouse(notebook, tmp_path):
    code, log = run(notebook, tmp_path)
    assert code == 0, log
    assert (tmp_path / f"{notebook}.ipynb").is_file() and (tmp_path / f"{notebook}.html").is_file()


def test_audit_passes_and_checks_the_chain_when_given_a_node(tmp_path):
    args = ["--rpc", RPC] if RPC else []
    code, log = run("manifest_audit", tmp_path, *args)
    assert code == 0, log
    printed = outputs(tmp_path / "manifest_audit.ipynb")
    verdict = [line for line in printed.splitlines() if line.startswith("AUDIT ")]
    assert len(verdict) == 1 and verdict[0].startswith("AUDIT PASSED"), printed
    cat = lh.catalog(WAREHOUSE)
    manifest = lh.read(cat, "rewards.epoch_manifests").iloc[-1]
    assert manifest["root"] in verdict[0]
    if RPC:
        assert "on-chain root not checked" not in verdict[0]
        assert re.search(r"distributor 0x[0-9a-f]{40} on chain \d+, epoch #\d+: root " + manifest["root"], printed)


def test_report_html_holds_its_figures(tmp_path):
    code, log = run("epoch_report", tmp_path)
    assert code == 0, log
    page = (tmp_path / "epoch_report.html").read_text()
    # payouts by role, Lorenz curve, top contributors, DataNets, methods/reasons, fees per adapter
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) >= 6
    assert "Gini" in page


def test_audit_reports_a_tampered_payout_row(tmp_path):
    cat = lh.catalog(WAREHOUSE)
    table = cat.load_table("rewards.epoch_payouts")
    before = table.current_snapshot().snapshot_id
    rows = table.scan().to_arrow()
    first = rows.to_pylist()
    victim, epoch = next((r["address"], r["epoch"]) for r in first if r["role"] == "contributor")
    amount = rows.schema.field("amount_wei")
    plus_one = [v + (1 if (a, r) == (victim, "contributor") else 0) for a, r, v in
                zip(rows["address"].to_pylist(), rows["role"].to_pylist(), rows["amount_wei"].to_pylist())]
    tampered = rows.set_column(rows.schema.get_field_index("amount_wei"), amount, pa.array(plus_one, amount.type))
    table.overwrite(tampered)
    try:
        code, log = run("manifest_audit", tmp_path, "--epoch", epoch)
    finally:
        table.manage_snapshots().set_current_snapshot(before).commit()
    assert cat.load_table("rewards.epoch_payouts").current_snapshot().snapshot_id == before
    assert code == 1, log
    printed = outputs(tmp_path / "manifest_audit.ipynb")
    assert "AUDIT FAILED" in printed
    failed = [line for line in printed.splitlines() if line.startswith("DIFFERENCE: ")]
    assert any(line.startswith("DIFFERENCE: payouts sum to the epoch's fees") for line in failed), failed
    assert any(line.startswith("DIFFERENCE: manifest payouts = rewards.epoch_payouts rows") and victim in line
               for line in failed), failed
    assert any(line.startswith("DIFFERENCE: cumulative = previous cumulative") and victim in line for line in failed), failed
    assert (tmp_path / "manifest_audit.html").is_file()


def test_audit_reports_a_tampered_manifest_value(tmp_path):
    cat = lh.catalog(WAREHOUSE)
    row = lh.read(cat, "rewards.epoch_manifests").iloc[-1]
    dump = json.loads(Path(row["manifest_path"].removeprefix("file://")).read_text())
    victim = dump["values"][0]["value"]
    victim[1] = str(int(victim[1]) + 1)
    copy = tmp_path / "tampered-manifest.json"
    copy.write_text(json.dumps(dump))
    code, log = run("manifest_audit", tmp_path / "out", "--epoch", row["epoch"], "--manifest", str(copy))
    assert code == 1, log
    printed = outputs(tmp_path / "out" / "manifest_audit.ipynb")
    failed = [line for line in printed.splitlines() if line.startswith("DIFFERENCE: ")]
    assert any(line.startswith("DIFFERENCE: manifest file sha256") for line in failed), failed
    assert any(line.startswith("DIFFERENCE: recomputed root = manifest root") for line in failed), failed
    assert any(line.startswith("DIFFERENCE: leaf amounts = rewards.epoch_payouts") and victim[0] in line
               for line in failed), failed
    assert "AUDIT FAILED" in printed
