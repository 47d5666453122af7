"""botocore's models parsed once per machine (golive_tui/aws_models.py): the same models as
botocore's own parse, read back from the user's cache, and never a stale or broken copy.

The trap: a cache keyed by the model's name alone passes every test that never changes a model;
after a botocore upgrade (or an AWS_DATA_PATH model edited in place) it would go on serving the
old API to every client. Here a model file changes under the cache and must be read anew.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import botocore.session
from botocore.loaders import Loader

from golive_tui.aws_models import ParsedModels
from golive_tui.profile import AwsSettings


def test_clients_get_botocore_s_own_models_first_parsed_then_from_the_cache(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    reference = botocore.session.Session().get_service_model("ec2")

    def ec2_model() -> object:
        session = AwsSettings(region="eu-west-1").boto3_session()
        return session.client(
            "ec2", aws_access_key_id="k", aws_secret_access_key="s"
        ).meta.service_model

    parsed, cached = ec2_model(), ec2_model()
    kept = list((tmp_path / "cache" / "golive" / "botocore-models").iterdir())
    assert kept, "nothing was kept"
    for model in (parsed, cached):
        assert model.operation_names == reference.operation_names
        shape = model.shape_for("DescribeRouteTablesRequest")
        assert list(shape.members) == list(
            reference.shape_for("DescribeRouteTablesRequest").members
        )


def test_a_model_that_changed_is_read_anew_and_a_broken_copy_is_parsed_again(
    tmp_path: Path,
) -> None:
    models = ParsedModels(tmp_path / "kept")
    source = tmp_path / "data" / "demo" / "2020-01-01" / "service-2"
    source.parent.mkdir(parents=True)
    source.with_suffix(".json").write_text(json.dumps({"version": "1", "ops": ["A", "B"]}))
    assert models.load_file(str(source)) == {"version": "1", "ops": ["A", "B"]}
    assert models.load_file(str(source)) == {"version": "1", "ops": ["A", "B"]}  # from the cache

    # botocore upgraded, or a model in AWS_DATA_PATH edited: same name, new content and mtime
    source.with_suffix(".json").write_text(json.dumps({"version": "2", "ops": ["A", "B", "C"]}))
    later = source.with_suffix(".json").stat().st_mtime_ns + 1_000_000_000
    os.utime(source.with_suffix(".json"), ns=(later, later))
    assert models.load_file(str(source)) == {"version": "2", "ops": ["A", "B", "C"]}

    for kept in (tmp_path / "kept").iterdir():
        kept.write_bytes(b"\x00not marshal")
    assert models.load_file(str(source)) == {"version": "2", "ops": ["A", "B", "C"]}
    assert models.load_file(str(tmp_path / "data" / "nothing")) is None

    # Through botocore's own Loader, as a session uses it
    loader = Loader(extra_search_paths=[str(tmp_path / "data")], file_loader=models)
    assert loader.load_service_model("demo", "service-2")["version"] == "2"
