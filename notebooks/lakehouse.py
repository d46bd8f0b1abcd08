"""Reads a poa lakehouse with PyIceberg, for the notebooks. Shares no code with the pipeline.

The embedded poa lakehouse is an Iceberg JDBC catalog on SQLite (<warehouse>/catalog.db, data
under <warehouse>/data), which PyIceberg's SQL catalog reads as is. A PostgreSQL JDBC catalog or a
REST catalog is given as PyIceberg catalog properties instead ({"uri": "postgresql+psycopg2://..."}
or {"type": "rest", "uri": "https://..."}).
"""
from __future__ import annotations

import decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pyiceberg.catalog import load_catalog

METHODS = ("span", "gradient")


def catalog(warehouse: str | None = None, name: str = "poa", properties: dict | None = None):
    """The lakehouse's catalog: from properties when given, else the embedded SQLite catalog of warehouse."""
    if properties:
        props = dict(properties)
        if "type" not in props and str(props.get("uri", "")).split(":", 1)[0].startswith(("sqlite", "postgresql")):
            props["type"] = "sql"
        return load_catalog(name, **props)
    if not warehouse:
        raise ValueError("give the lakehouse: a warehouse directory, or catalog properties")
    wh = Path(warehouse).expanduser().resolve()
    db = wh / "catalog.db"
    if not db.is_file():
        raise FileNotFoundError(f"{db} does not exist: is {wh} a poa warehouse (POA_WAREHOUSE)?")
    return load_catalog(name, type="sql", uri=f"sqlite:///{db}", warehouse=f"file://{wh / 'data'}")


def read(cat, name: str, snapshot_id: int | None = None, row_filter: str | None = None) -> pd.DataFrame:
    """A table as pandas (at a snapshot when given), with wei columns (decimal(38,0)) as Python ints."""
    table = cat.load_table(name)
    kwargs = {}
    if snapshot_id is not None and snapshot_id >= 0:
        kwargs["snapshot_id"] = snapshot_id
    if row_filter:
        kwargs["row_filter"] = row_filter
    arrow = table.scan(**kwargs).to_arrow()
    df = arrow.to_pandas()
    for field in arrow.schema:
        if pa.types.is_decimal(field.type) and field.type.scale == 0:
            df[field.name] = df[field.name].map(lambda v: None if v is None else int(v))
    return df


def read_or_empty(cat, name: str, columns: list[str], **kwargs) -> pd.DataFrame:
    """read(), or an empty frame with these columns when the table does not exist (an older lakehouse)."""
    if not cat.table_exists(name):
        return pd.DataFrame(columns=columns)
    return read(cat, name, **kwargs)


def wei(value) -> int:
    """An amount as an exact int (from int, Decimal or a decimal string); never through a float."""
    if isinstance(value, (int, decimal.Decimal)):
        return int(value)
    return int(decimal.Decimal(str(value)))


def as_dict(pairs) -> dict:
    """An Iceberg map column as PyArrow gives it to pandas (a list of (key, value)) as a dict."""
    if pairs is None:
        return {}
    if isinstance(pairs, dict):
        return pairs
    return {k: v for k, v in pairs}


def finalised_epochs(cat) -> list[str]:
    return sorted(read(cat, "rewards.epoch_manifests")["epoch"].tolist())


def pick_epoch(cat, epoch: str | None) -> str:
    """The epoch asked for, else the latest finalised one."""
    if epoch:
        return epoch
    epochs = finalised_epochs(cat)
    if not epochs:
        raise LookupError("no finalised epoch in rewards.epoch_manifests: run 'poa rewards' first")
    return epochs[-1]


def published_runs(runs: pd.DataFrame, epoch: str) -> dict:
    """For each method, the run_id whose rows count: the latest run of the epoch covering the method
    (its own method or auto). A run without status 'published' predates run ids: its rows carry none."""
    out = {}
    mine = runs[runs["epoch"] == epoch]
    for method in METHODS:
        cover = mine[(mine["method"] == method) | (mine["method"] == "auto")]
        if cover.empty:
            out[method] = None
            continue
        latest = cover.sort_values(["finished_at", "run_id"]).iloc[-1]
        published = "status" in cover.columns and latest.get("status") == "published"
        out[method] = latest["run_id"] if published else None
    return out


def counted_rows(table: pd.DataFrame, runs: pd.DataFrame, epoch: str) -> pd.DataFrame:
    """The rows of attribution.scores / inference_summary / datanet_shares that count for the epoch."""
    chosen = published_runs(runs, epoch)
    mine = table[table["epoch"] == epoch]
    keep = pd.Series(False, index=mine.index)
    for method, run_id in chosen.items():
        of_method = mine["method"] == method
        keep |= of_method & (mine["run_id"].isna() if run_id is None else (mine["run_id"] == run_id))
    return mine[keep]


def paying_method(summary: pd.DataFrame) -> pd.DataFrame:
    """Per attributed inference, the method whose shares pay (gradient where it attributed it, else span),
    as the reward policy reads them: columns request_id, method."""
    attributed = summary[summary["attributed"]]
    rank = attributed.assign(_m=attributed["method"].map({"gradient": 2, "span": 1}))
    best = rank.groupby("request_id")["_m"].max().reset_index()
    best["method"] = best["_m"].map({2: "gradient", 1: "span"})
    return best[["request_id", "method"]]

