"""What the poa DAGs share: the epoch pipeline (poa_pipeline.json, written by `poa pipeline
--format json` from the Java definition) and the operator that runs one of its stages with
spark-submit and turns the stage's exit code into what Airflow should do.

Nothing here touches the network or the metadata database at import: the scheduler parses DAG
files often. Where things are (the jar, the lakehouse, the landing) is read from the environment
that `orchestration/airflow up` sets, and a run's conf may override the lakehouse settings.
"""
from __future__ import annotations

import glob
import json
import os
import pathlib
import re
from datetime import timedelta

from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowRescheduleException, AirflowSkipException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

PIPELINE = json.loads(pathlib.Path(__file__).with_name("poa_pipeline.json").read_text())
STAGES = {s["id"]: s for s in PIPELINE["stages"]}

# Exit codes that mean the input or the request is wrong: retrying cannot help.
FAIL_AT_ONCE = {2, 3, 4, 5}


def outcome(stage: dict, code: int) -> str:
    """done, reschedule, retry, some_failed or fail: what a stage's exit code means (poa_pipeline.json)."""
    if code == 0:
        return "done"
    return stage["exits"].get(str(code), "fail")


def exit_code(error: BaseException, hook=None) -> int | None:
    """The exit code of the spark-submit process that failed: from the hook, else from its message."""
    process = getattr(hook, "_submit_sp", None)
    if process is not None and process.returncode is not None:
        return process.returncode
    m = re.search(r"Error code is: (-?\d+)", str(error))
    return int(m.group(1)) if m else None


def setting(context, key: str, env: str, default: str | None = None) -> str | None:
    """A run's conf value, else the environment `orchestration/airflow up` set, else the default."""
    conf = (context.get("dag_run").conf if context.get("dag_run") is not None else None) or {}
    return conf.get(key) or os.environ.get(env) or default


def epoch_of(context) -> str:
    """The epoch of a run: its data interval's day (UTC), or conf["epoch"]."""
    conf = (context["dag_run"].conf if context.get("dag_run") is not None else None) or {}
    if conf.get("epoch"):
        return conf["epoch"]
    return context["data_interval_start"].in_timezone("UTC").strftime("%Y-%m-%d")


def poa_home() -> pathlib.Path:
    return pathlib.Path(os.environ.get("POA_HOME", pathlib.Path(__file__).resolve().parents[2]))


def jobs_jar() -> str:
    jar = os.environ.get("POA_JOBS_JAR")
    if jar:
        return jar
    found = sorted(glob.glob(str(poa_home() / "jobs" / "target" / "poa-jobs-*-spark.jar")))
    if not found:
        raise AirflowFailException("the poa jobs jar is not built: run ./mvnw -DskipTests install (or set POA_JOBS_JAR)")
    return found[0]


def jvm_flags() -> str:
    flags = poa_home() / "jobs" / "target" / "classes" / "poa" / "jvm-flags.txt"
    return flags.read_text().strip() if flags.exists() else ""


class PoaStageOperator(SparkSubmitOperator):
    """Runs one stage of the epoch pipeline: `spark-submit <poa jobs jar> <global options> <stage command>`
    on the master of the Airflow connection `conn_id` (spark; `local[2]` by default; its extra may hold
    `{"conf": {...}}` for the cluster; POA_SPARK_PROPERTIES names a properties file, e.g.
    infra/spark/conf/standalone.conf), and maps the stage's exit code:

    8 not ready -> rescheduled (every `reschedule_every`, up to `not_ready_for` after the epoch ends);
    9 nothing to do for this epoch (no inference) -> skipped, and the stages after it too;
    7 sent, not final -> retried (the task's retries, with exponential backoff);
    6 some adapters failed -> fails, the failed adapters in the log and in XCom `failed_adapters`;
    2, 3, 4, 5 -> fails at once (usage, bad input, conflict, audit differs), nothing downstream runs;
    others -> fails (retried by the task's retries).
    """

    def __init__(self, *, stage: str | dict, not_ready_for: timedelta = timedelta(hours=12),
                 reschedule_every: timedelta = timedelta(minutes=5), conn_id: str = "poa_spark", **kwargs):
        # a stage of the epoch pipeline by its id, or a command outside it in the same shape (poa_maintenance)
        self.stage = STAGES[stage] if isinstance(stage, str) else stage
        self.not_ready_for = not_ready_for
        self.reschedule_every = reschedule_every
        super().__init__(task_id=self.stage["id"], conn_id=conn_id, application="", java_class="dev.poa.cli.PoaCli",
                         name=f"poa-{self.stage['id']}", **kwargs)

    def command(self, context) -> list[str]:
        """The poa arguments of this stage for this run: global options, then the stage's command."""
        args = []
        warehouse = setting(context, "warehouse", "POA_WAREHOUSE")
        if warehouse:
            args += ["--warehouse", warehouse]
        config = setting(context, "config", "POA_CONFIG")
        if config:
            args += ["--config", config]
        for k, v in sorted(((context["dag_run"].conf or {}).get("poa_conf") or {}).items()):
            args += ["--conf", f"{k}={v}"]
        landing = setting(context, "landing", "POA_LANDING", os.path.join(warehouse or "lakehouse", "landing"))
        fleet = setting(context, "fleet", "POA_FLEET", os.path.join(warehouse or "lakehouse", "fleet"))
        epoch = epoch_of(context)
        extra = [str(a) for a in ((context["dag_run"].conf or {}).get(self.stage["id"] + "_args") or [])]
        return args + [a.replace("{epoch}", epoch).replace("{landing}", landing).replace("{fleet}", fleet)
                       for a in self.stage["command"]] + extra

    def settlement_enabled(self, context) -> bool:
        value = setting(context, "settle", "POA_SETTLE", None)
        if value is None:
            from airflow.sdk import Variable

            value = Variable.get("poa_settle", default="false")
        return str(value).lower() in ("1", "true", "yes", "on")

    def execute(self, context):
        if self.stage["off_unless_enabled"] and not self.settlement_enabled(context):
            raise AirflowSkipException(f"{self.stage['id']} is off: trigger with conf settle=true, or set the"
                                       " Variable poa_settle to true")
        self.application = jobs_jar()
        self.properties_file = self.properties_file or os.environ.get("POA_SPARK_PROPERTIES") or None
        self.application_args = self.command(context)
        flags = jvm_flags()
        conf = {"spark.driver.extraClassPath": self.application, "spark.driver.extraJavaOptions": flags,
                "spark.executor.extraJavaOptions": flags}
        from airflow.sdk import BaseHook

        conf.update((BaseHook.get_connection(self._conn_id).extra_dejson or {}).get("conf", {}))
        conf.update(self.conf or {})
        self.conf = conf
        if self.stage["id"] == "settle":
            self.env_vars = {**(self.env_vars or {}), **chain_environment()}
        try:
            return super().execute(context)
        except AirflowException as e:
            code = exit_code(e, getattr(self, "_hook", None))
            self.on_exit(code, context, e)

    def on_exit(self, code, context, error):
        """Raises what Airflow should do with a stage that exited with `code`."""
        sid = self.stage["id"]
        what = outcome(self.stage, code) if code is not None else "fail"
        if what == "reschedule":
            from pendulum import now

            deadline = context["data_interval_end"] + self.not_ready_for
            if now("UTC") < deadline:
                self.log.info("%s: not ready (exit 8); rescheduled in %s (until %s)", sid, self.reschedule_every, deadline)
                raise AirflowRescheduleException(now("UTC") + self.reschedule_every) from error
            raise AirflowFailException(f"{sid}: still not ready {self.not_ready_for} after the epoch ended (exit 8)") from error
        if what == "skip_rest":
            raise AirflowSkipException(f"{sid}: nothing to do for this epoch (exit 9: no inference); the rest is skipped")
        if what == "retry":
            raise AirflowException(f"{sid}: sent but not yet final (exit 7); retried with backoff") from error
        if what == "some_failed":
            failed = failed_adapters(self.application_args)
            context["ti"].xcom_push(key="failed_adapters", value=failed)
            for f in failed:
                self.log.error("adapter %s failed: %s: %s", f.get("adapter_id"), f.get("code"), f.get("message"))
            raise AirflowFailException(f"{sid}: {len(failed)} adapter(s) failed to export (exit 6): "
                                       + ", ".join(f.get("adapter_id", "?") for f in failed)) from error
        if code in FAIL_AT_ONCE:
            raise AirflowFailException(f"{sid} failed with exit {code}: nothing after it runs") from error
        raise AirflowException(f"{sid} failed with exit {code}") from error


def failed_adapters(args: list[str]) -> list[dict]:
    """The failed adapters of an export, from its --report file (a local path or file: URI)."""
    if "--report" not in args:
        return []
    report = args[args.index("--report") + 1]
    path = report[len("file:"):] if report.startswith("file:") else report
    path = "/" + path.lstrip("/") if report.startswith("file:") else path
    try:
        return json.loads(pathlib.Path(path).read_text()).get("failed", [])
    except (OSError, ValueError):
        return []


def chain_environment() -> dict:
    """The node and the settler's key of the Airflow connection poa_chain (host: RPC URL, password: key),
    handed to the settle stage in its environment; Airflow masks the password in logs."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection("poa_chain")
    env = {}
    if conn.host:
        env["POA_RPC_URL"] = conn.host if "://" in conn.host else f"http://{conn.host}:{conn.port or 8545}"
    if conn.password:
        env["POA_SETTLER_KEY"] = conn.password
    return env
