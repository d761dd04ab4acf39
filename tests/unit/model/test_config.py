"""``staging.region``: the staging bucket's region for Redshift COPY/UNLOAD."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from airflow_dataduct.model.config import DataductConfig


def test_staging_region_is_optional_and_validated() -> None:
    assert DataductConfig.model_validate({}).staging.region is None
    config = DataductConfig.model_validate({"staging": {"region": "eu-west-1"}})
    assert config.staging.region == "eu-west-1"
    with pytest.raises(ValidationError, match="region"):
        DataductConfig.model_validate({"staging": {"region": "Europe; DROP"}})
