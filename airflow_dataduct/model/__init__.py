"""The definitions model: YAML read with positions, validated into pipelines, steps and config."""
