"""The DAGs as Airflow loads them, checked against the pipeline definition, and the exit-code
mapping of the stage operator. Run with `orchestration/airflow test`."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pendulum
import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowRescheduleException, AirflowSkipException

ROOT = pathlib.Path(__file__).resolve().parents[2]
DAGS = ROOT / "orchestration" / "dags"
sys.path.insert(0, str(DAGS))

import poa_stage  # noqa: E402

PIPELINE = json.loads((DAGS / "poa_pipeline.json").read_text())


@pytest.fixture(scope="module")
def bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_every_dag_imports_without_errors(bag):
    assert bag.import_errors == {}
    assert {"poa_epoch", "poa_ingest", "poa_maintenance"} <= set(bag.dag_ids)


def test_the_epoch_dag_is_the_pipeline(bag):
    from airflow.timetables.interval import CronDataIntervalTimetable

    dag = bag.dags["poa_epoch"]
    assert [t.task_id for t in dag.topological_sort()] == [s["id"] for s in PIPELINE["stages"]]
    for stage in PIPELINE["stages"]:
        assert dag.get_task(stage["id"]).upstream_task_ids == set(stage["after"]), stage["id"]
    assert dag.max_active_runs == 1
    assert isinstance(dag.timetable, CronDataIntervalTimetable)  # the data interval is the epoch
    assert dag.get_task("rewards").depends_on_past
    assert dag.get_task("export_adapters").trigger_rule == "none_failed"
    assert dag.get_task("settle").retry_exponential_backoff


def test_the_ingest_dag_runs_the_ingest_stage(bag):
    dag = bag.dags["poa_ingest"]
    assert [t.task_id for t in dag.topological_sort()] == ["ingest"]
    assert dag.max_active_runs == 1


def context(conf=None, now=None):
    start = pendulum.datetime(2026, 11, 25, tz="UTC")
    pushed = {}
    ti = SimpleNamespace(xcom_push=lambda key, value: pushed.__setitem__(key, value))
    return {"dag_run": SimpleNamespace(conf=conf or {}), "data_interval_start": start,
            "data_interval_end": (now or start) + timedelta(days=1), "ti": ti, "pushed": pushed}


def test_stage_commands_fill_the_epoch_and_the_lakehouse(monkeypatch):
    monkeypatch.setenv("POA_WAREHOUSE", "/lake")
    op = poa_stage.PoaStageOperator(stage="rewards")
    assert op.command(context()) == ["--warehouse", "/lake", "rewards", "--epoch", "2026-11-25"]
    op = poa_stage.PoaStageOperator(stage="ingest")
    assert op.command(context({"warehouse": "/other", "poa_conf": {"poa.lease.wait": "1m"}})) == [
        "--warehouse", "/other", "--conf", "poa.lease.wait=1m", "landing", "ingest", "--landing", "/other/landing"]


@pytest.mark.parametrize("stage,code,raised", [
    ("attribute", 8, AirflowRescheduleException),
    ("rewards", 8, AirflowRescheduleException),
    ("settle", 7, AirflowException),
    ("attribute", 9, AirflowSkipException),
    ("audit", 5, AirflowFailException),
    ("rewards", 4, AirflowFailException),
    ("rewards", 3, AirflowFailException),
    ("rewards", 1, AirflowException),
])
def test_exit_codes_become_what_airflow_does(stage, code, raised):
    op = poa_stage.PoaStageOperator(stage=stage)
    op.application_args = []
    with pytest.raises(raised) as e:
        op.on_exit(code, context(now=pendulum.now("UTC")), RuntimeError(f"Error code is: {code}."))
    # a retry is a plain AirflowException, never a fail-at-once or a reschedule
    if raised is AirflowException:
        assert type(e.value) is AirflowException


def test_not_ready_fails_once_the_epoch_is_long_over():
    op = poa_stage.PoaStageOperator(stage="rewards", not_ready_for=timedelta(hours=1))
    op.application_args = []
    with pytest.raises(AirflowFailException):
        op.on_exit(8, context(), RuntimeError("Error code is: 8."))


def test_a_partial_export_lists_its_failed_adapters(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"exported": ["a"], "unchanged": [], "failed": [
        {"adapter_id": "bad", "code": "truncated_file", "message": "short"}]}))
    op = poa_stage.PoaStageOperator(stage="export_adapters")
    op.application_args = ["export-adapters", "--all", "--out", str(tmp_path), "--report", report.as_uri()]
    ctx = context()
    with pytest.raises(AirflowFailException, match="bad"):
        op.on_exit(6, ctx, RuntimeError("Error code is: 6."))
    assert ctx["pushed"]["failed_adapters"] == [{"adapter_id": "bad", "code": "truncated_file", "message": "short"}]


def test_the_exit_code_is_read_from_the_spark_submit_message():
    assert poa_stage.exit_code(AirflowException("Cannot execute: spark-submit ... Error code is: 8.")) == 8
    assert poa_stage.exit_code(AirflowException("no code")) is None


def test_the_generated_client_is_built_from_the_vendored_document():
    openapi = ROOT / "orchestration" / "airflow-client" / "src" / "main" / "openapi"
    subprocess.run([sys.executable, str(openapi / "reduce.py"), "--check", str(openapi / "airflow-3.3.2-v2-rest-api.yaml"),
                    str(openapi / "airflow-3.3.2-v2-poa.yaml")], check=True)


def test_the_maintenance_dag_runs_after_the_epoch_whatever_its_end(bag):
    dag = bag.dags["poa_maintenance"]
    assert [t.task_id for t in dag.topological_sort()] == ["epoch_done", "maintain"]
    sensor = dag.get_task("epoch_done")
    assert sensor.external_dag_id == "poa_epoch"
    assert sensor.external_task_id == PIPELINE["stages"][-1]["id"]
    assert sensor.mode == "reschedule"
    # same timetable as the epoch DAG: the sensor looks at the epoch run of the same data interval
    assert type(dag.timetable) is type(bag.dags["poa_epoch"].timetable)
    assert dag.get_task("maintain").trigger_rule == "all_done"
    assert dag.max_active_runs == 1


def test_maintenance_command_and_its_exit_codes(monkeypatch):
    monkeypatch.setenv("POA_WAREHOUSE", "/lake")
    import poa_maintenance

    op = poa_stage.PoaStageOperator(stage=poa_maintenance.MAINTAIN)
    assert op.command(context()) == ["--warehouse", "/lake", "maintain"]
    assert op.command(context({"maintain_args": ["--retain", "14d"]})) == ["--warehouse", "/lake", "maintain", "--retain",
                                                                           "14d"]
    op.application_args = []
    with pytest.raises(AirflowRescheduleException):
        op.on_exit(8, context(now=pendulum.now("UTC")), RuntimeError("Error code is: 8."))
    # some tables failed (exit 6): retried, as a plain failure
    with pytest.raises(AirflowException) as e:
        op.on_exit(6, context(now=pendulum.now("UTC")), RuntimeError("Error code is: 6."))
    assert type(e.value) is AirflowException
