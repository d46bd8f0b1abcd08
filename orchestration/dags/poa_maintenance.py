"""poa_maintenance: once a day, after that day's epoch run, `poa maintain`: compaction of small
files, manifest rewrite, snapshot expiry (default: older than 7 days, at least the last 5 kept; the
epoch-<E> tags of finalised epochs are never expired) and removal of orphan files older than 3 days.

Same daily timetable as poa_epoch, so a run waits (in reschedule mode: no worker slot held) for the
epoch run of the same data interval to finish its last stage. Whatever that run's end (done, failed,
or not yet finished after 12 hours), maintenance then runs: it is safe beside any other writer, since
it takes the lakehouse lease (exit 8 = the lease is busy: rescheduled), and an epoch that failed is
no reason to let the tables degrade. Options of a run: conf {"maintain_args": ["--retain", "14d"]}.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from poa_stage import PIPELINE, PoaStageOperator

# `poa maintain` in the shape of a pipeline stage: what its exit codes mean to Airflow
MAINTAIN = {
    "id": "maintain",
    "summary": "compact, expire snapshots (never an epoch tag), remove old orphan files",
    "after": ["epoch_done"],
    "command": ["maintain"],
    "spark": True,
    "off_unless_enabled": False,
    # 8: the lease is busy, rescheduled; 6 (some tables failed) and others: retried once, then failed
    "exits": {"8": "reschedule"},
}
LAST_EPOCH_STAGE = PIPELINE["stages"][-1]["id"]

with DAG(
    dag_id="poa_maintenance",
    description="Daily lakehouse maintenance after the epoch: compaction, snapshot expiry, orphan cleanup",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime.fromisoformat(os.environ.get("POA_FIRST_EPOCH", "2026-01-01")).replace(tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
    tags=["poa"],
) as dag:
    epoch_done = ExternalTaskSensor(
        task_id="epoch_done",
        external_dag_id="poa_epoch",
        external_task_id=LAST_EPOCH_STAGE,
        allowed_states=["success", "skipped"],
        failed_states=["failed", "upstream_failed"],
        mode="reschedule",
        poke_interval=300,
        timeout=int(timedelta(hours=12).total_seconds()),
        retries=0,
    )
    maintain = PoaStageOperator(stage=MAINTAIN, trigger_rule="all_done", not_ready_for=timedelta(hours=20),
                                reschedule_every=timedelta(minutes=15))
    epoch_done >> maintain
