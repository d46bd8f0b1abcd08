"""poa_ingest: every few minutes, ingests the batches ready under the landing (submissions, logs,
gradients, attestations: the ingest stages of the epoch pipeline). Each batch directory is ready
once it holds _SUCCESS and is ingested once (its batch id comes from its files). Runs do not
overlap; a run that finds the lakehouse in use (exit 8) is rescheduled.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from poa_stage import PoaStageOperator


with DAG(
    dag_id="poa_ingest",
    description="Ingest the batches dropped under the poa landing",
    schedule=timedelta(minutes=int(os.environ.get("POA_INGEST_EVERY_MINUTES", "10"))),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=1)},
    tags=["poa"],
) as dag:
    # the pipeline's ingest stage; the landing is not tied to an epoch: a run never waits long for the lakehouse
    PoaStageOperator(stage="ingest", not_ready_for=timedelta(minutes=30), reschedule_every=timedelta(minutes=2))
