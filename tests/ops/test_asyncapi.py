"""The committed AsyncAPI documents are what FastStream generates from the apps today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from services.ops.asyncapi import SERVICES, document, path_of, stale
from tests.ops.compose import ROOT


def test_committed_documents_are_current():
    assert stale(ROOT) == [], "run `newsalert asyncapi` and commit docs/asyncapi/"


def test_documents_name_the_streams_and_groups():
    channels = {service: yaml.safe_load(document(service))["channels"] for service in SERVICES}
    addresses = {channel["address"] for by_service in channels.values() for channel in by_service.values()}
    assert {"newsalert:articles", "newsalert:tagged", "newsalert:alerts"} <= addresses
    bindings = [channel["bindings"]["redis"] for by_service in channels.values() for channel in by_service.values()]
    groups = {binding.get("groupName") for binding in bindings}
    assert {"classify", "notify", "deliver"} <= groups


def test_a_document_is_what_faststream_docs_gen_writes(tmp_path: Path):
    out = tmp_path / "ingest.yaml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSALERT_")}
    faststream = Path(sys.executable).parent / "faststream"
    result = subprocess.run(
        [str(faststream), "docs", "gen", "--yaml", "--factory", "services.ingest.app:create_app", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(out.read_text()) == yaml.safe_load(document("ingest"))


def test_a_local_redis_password_never_reaches_a_document(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NEWSALERT_REDIS_URL", "redis://:CANARY-asyncapi-5d1e@10.0.0.7:6379/0")
    text = document("classify")
    assert "CANARY" not in text
    assert "10.0.0.7" not in text
    assert os.environ["NEWSALERT_REDIS_URL"].startswith("redis://:CANARY")
    assert path_of(ROOT, "classify").read_text() == text
