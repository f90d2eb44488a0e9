"""Flow definitions: YAML files of named steps, read into typed, checked values.

A flow is a small program the engine interprets. Each step does one thing:

* ``say``: a message key (with ``vars``), then ``next``;
* ``ask``: collect a slot of a ``type`` (amount, card_number, confirm, choice, digits …),
  with an optional Cerberus ``schema`` for the parsed value, ``buttons`` or dynamic
  ``options`` from an action, an ``invalid`` message key, ``entity`` to take the value from
  the message that started the flow, ``secret`` to keep it out of the transcript;
* ``call``: an action (``flows/actions``) with ``args``; its data is ``save``\\ d in a slot
  and its outcome picks the next step through ``on`` (``ok`` when it succeeded, a bank
  error code, or ``error`` for any other failure);
* ``switch``: the next step by a value (``cases``, ``default``);
* ``flow``: run another flow and come back to ``next``;
* ``handoff``: pass the conversation to a person;
* ``end``: finish (``goto`` starts another flow instead).

Values in ``vars`` and ``args`` are literals, or references to slots written ``$slot.path``
and optionally formatted with a filter: ``$preview.total|money``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flows import yamlio

DEFINITIONS = Path(__file__).with_name("definitions")
END = "end"
STEP_KINDS = ("say", "ask", "call", "switch", "flow", "handoff", "end")
VALUE_TYPES = (
    "text",
    "name",
    "choice",
    "confirm",
    "amount",
    "card_number",
    "phone",
    "contact",
    "email",
    "iban",
    "recipient",
    "period",
    "date",
    "digits",
    "image",
    "document",
    "number",
)
REQUIREMENTS = ("none", "customer", "verified")


class DefinitionError(ValueError):
    """A flow file that cannot be read; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ButtonDef:
    title: str  # a message key
    payload: str


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    kind: str
    target: str  # the message key, slot, action, switch value, flow or handoff reason
    next: str | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    # ask
    type: str = "text"
    prompt: str | None = None
    invalid: str | None = None
    schema: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[ButtonDef, ...] = ()
    options: str | None = None
    entity: str | None = None
    secret: bool = False
    length: int | None = None
    no: str | None = None  # confirm: where "no" goes (cancel the flow when absent)
    skip_if: str | None = None  # ask: skip when this slot already holds a value
    # call
    args: dict[str, Any] = field(default_factory=dict)
    save: str | None = None
    on: dict[str, str] = field(default_factory=dict)
    # switch
    cases: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    # end
    goto: str | None = None

    def successors(self) -> set[str]:
        out = {s for s in (self.next, self.no, self.default) if s}
        out |= set(self.on.values()) | set(self.cases.values())
        return out


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    start: str
    steps: dict[str, Step]
    intents: tuple[str, ...] = ()
    requires: str = "none"
    # message keys for "Shall we continue with …?": the first whose values are all known
    resume: tuple[str, ...] = ()
    resume_vars: dict[str, Any] = field(default_factory=dict)
    help: str | None = None  # message key shown for "help" inside this flow
    interruptible: bool = True  # may another flow start on top of this one
    source: str = ""

    def step(self, name: str) -> Step:
        return self.steps[name]


def load_all(folder: Path = DEFINITIONS) -> dict[str, Flow]:
    """Every flow in ``folder``; raises ``DefinitionError`` listing all problems."""
    flows: dict[str, Flow] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            flow = parse(yamlio.load_file(path), path.name)
        except DefinitionError as error:
            problems.extend(error.problems)
            continue
        except yaml.YAMLError as error:
            problems.append(f"{path.name}: not YAML: {error}")
            continue
        if flow.name in flows:
            problems.append(f"{path.name}: flow {flow.name!r} is defined twice")
        flows[flow.name] = flow
    if problems:
        raise DefinitionError(problems)
    return flows


_STEP_KEYS = {
    "say",
    "ask",
    "call",
    "switch",
    "flow",
    "handoff",
    "end",
    "next",
    "vars",
    "type",
    "prompt",
    "invalid",
    "schema",
    "buttons",
    "options",
    "entity",
    "secret",
    "length",
    "no",
    "skip_if",
    "args",
    "save",
    "on",
    "cases",
    "default",
    "goto",
}


def parse(data: Any, source: str = "<flow>") -> Flow:
    """One flow from its YAML data."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise DefinitionError([f"{source}: a flow is a mapping"])
    name = data.get("flow")
    if not isinstance(name, str) or not name:
        raise DefinitionError([f"{source}: 'flow' (the name) is missing"])
    where = f"{source} ({name})"
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, dict) or not raw_steps:
        raise DefinitionError([f"{where}: 'steps' is missing or empty"])
    steps: dict[str, Step] = {}
    for step_name, raw in raw_steps.items():
        try:
            steps[str(step_name)] = _step(str(step_name), raw)
        except DefinitionError as error:
            problems.extend(f"{where}: step {step_name}: {p}" for p in error.problems)
    start = data.get("start", next(iter(raw_steps)))
    requires = data.get("requires", "none")
    if requires not in REQUIREMENTS:
        problems.append(f"{where}: requires must be one of {', '.join(REQUIREMENTS)}")
    if problems:
        raise DefinitionError(problems)
    return Flow(
        name=name,
        start=str(start),
        steps=steps,
        intents=tuple(data.get("intents", ())),
        requires=requires,
        resume=_keys(data.get("resume")),
        resume_vars=dict(data.get("resume_vars", {})),
        help=data.get("help"),
        interruptible=bool(data.get("interruptible", True)),
        source=source,
    )


def _keys(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    return (str(raw),) if isinstance(raw, str) else tuple(str(k) for k in raw)


def _step(name: str, raw: Any) -> Step:
    if not isinstance(raw, dict):
        raise DefinitionError(["a step is a mapping"])
    unknown = set(raw) - _STEP_KEYS
    if unknown:
        raise DefinitionError([f"unknown fields {sorted(unknown)}"])
    kinds = [k for k in STEP_KINDS if k in raw]
    if len(kinds) != 1:
        raise DefinitionError([f"a step does exactly one of {', '.join(STEP_KINDS)}"])
    kind = kinds[0]
    target = raw[kind]
    if kind == "end":
        target = ""
    if not isinstance(target, str):
        raise DefinitionError([f"{kind} names a key, slot, action or flow"])
    value_type = raw.get("type", "text")
    if kind == "ask" and value_type not in VALUE_TYPES:
        raise DefinitionError([f"unknown type {value_type!r}"])
    buttons = tuple(ButtonDef(str(b["title"]), str(b["payload"])) for b in raw.get("buttons", ()))
    return Step(
        name=name,
        kind=kind,
        target=target,
        next=raw.get("next"),
        vars=dict(raw.get("vars", {})),
        type=value_type,
        prompt=raw.get("prompt"),
        invalid=raw.get("invalid"),
        schema=dict(raw.get("schema", {})),
        buttons=buttons,
        options=raw.get("options"),
        entity=raw.get("entity"),
        secret=bool(raw.get("secret", False)),
        length=raw.get("length"),
        no=raw.get("no"),
        skip_if=raw.get("skip_if"),
        args=dict(raw.get("args", {})),
        save=raw.get("save"),
        on={str(k): str(v) for k, v in dict(raw.get("on", {})).items()},
        cases={str(k): str(v) for k, v in dict(raw.get("cases", {})).items()},
        default=raw.get("default"),
        goto=raw.get("goto"),
    )
