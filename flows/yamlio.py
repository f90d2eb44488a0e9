"""YAML as YAML 1.2 reads it: ``on``, ``off``, ``yes`` and ``no`` are words, not booleans
(flows use ``on:`` for outcomes and catalogs have ``yes:`` and ``no:`` keys)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it (the wheels are): catalogs load 5-10x faster.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):  # type: ignore[valid-type,misc]
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)  # noqa: S506  (a SafeLoader subclass)


def load_file(path: Path) -> Any:
    return load(path.read_text(encoding="utf-8"))
