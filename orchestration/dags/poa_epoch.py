"""poa_epoch: one run per epoch. The data interval is the epoch (a UTC day); each task is one stage
of the epoch pipeline (poa_pipeline.json, the same list `poa run-epoch` and `poa demo` run), run
with spark-submit on the master of the connection poa_spark.

Runs go one at a time and in epoch order (max_active_runs=1, and rewards depends on the previous
epoch's rewards): cumulative manifests need the previous epoch final. A stage that is not ready
(exit 8) is rescheduled, a settlement sent but not final (exit 7) retried with backoff; an audit
that differs (exit 5) fails the run before anything is settled. Settlement is off unless the run's
conf says settle=true or the Variable poa_settle is true; its node and key come from the connection
poa_chain, never from this file or a log.

Backfill: `poa airflow backfill poa_epoch --from E --to E`, or Airflow's own. First epoch of the
schedule: POA_FIRST_EPOCH (default 2026-01-01); catchup: POA_CATCHUP (default false).
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from poa_stage import PIPELINE, PoaStageOperator

with DAG(
    dag_id="poa_epoch",
    description="The poa epoch pipeline: ingest, attribute, rewards, audit, settle, export",
    # the data interval is the epoch: a UTC day, from its midnight to the next (not a trigger instant)
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime.fromisoformat(os.environ.get("POA_FIRST_EPOCH", "2026-01-01")).replace(tzinfo=timezone.utc),
    catchup=os.environ.get("POA_CATCHUP", "false").lower() == "true",
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=2)},
    tags=["poa"],
) as dag:
    tasks = {}
    for stage in PIPELINE["stages"]:
        extra = {}
        if stage["id"] == "rewards":
            extra["depends_on_past"] = True  # epochs are finalised in order
        if stage["id"] == "settle":
            extra.update(retries=8, retry_delay=timedelta(minutes=1), retry_exponential_backoff=True,
                         max_retry_delay=timedelta(minutes=30))
        if any(s["off_unless_enabled"] for s in PIPELINE["stages"] if s["id"] in stage["after"]):
            extra["trigger_rule"] = "none_failed"  # runs when settlement is off (skipped), not when it failed
        tasks[stage["id"]] = PoaStageOperator(stage=stage["id"], **extra)
    for stage in PIPELINE["stages"]:
        for upstream in stage["after"]:
            tasks[upstream] >> tasks[stage["id"]]
