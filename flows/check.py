"""``teller flows check``: everything about flows that can be wrong before a customer sees it.

* every definition parses, its start and every ``next``/``on``/``cases`` target exists,
  and every step can be reached from the start;
* every action, options action, sub-flow and ``goto`` exists;
* every message key used by a flow or by the code exists, and every placeholder of a
  flow's message has a value in the step's ``vars``;
* every key is in every language with the same placeholders.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

from flows.actions import ACTIONS
from flows.catalog import LANGUAGES, Catalog, placeholders
from flows.definition import END, DefinitionError, Flow, load_all

CODE = Path(__file__).parent
# Message keys named in code: ctx.text("a.b"), ctx.say("a.b"), self.t(turn, "a.b"), …
_KEY_IN_CODE = re.compile(
    r"""(?:\.text|\.say|\.buttons|\.t|\.link)\(\s*(?:turn,\s*|self\.language,\s*|lang,\s*)?"([a-z0-9_]+\.[A-Za-z0-9_.?]+)\""""
)
# Keys built at run time from a prefix; their families are checked by completeness only.
DYNAMIC_PREFIXES = ("errors.", "support.", "intents.", "invalid.", "keywords.", "language.")
# Values the engine adds to every message of a step besides its vars.
ENGINE_VALUES: frozenset[str] = frozenset()


def check(
    definitions: Path | None = None, texts: Path | None = None, code: Path = CODE
) -> list[str]:
    problems: list[str] = []
    try:
        flows = load_all(definitions) if definitions else load_all()
    except DefinitionError as error:
        return list(error.problems)
    try:
        catalog = Catalog.load(texts) if texts else Catalog.load()
    except ValueError as error:
        return [str(error)]
    problems += _catalogs(catalog)
    for flow in flows.values():
        problems += _flow(flow, flows, catalog)
    for required in ("start", "menu", "language", "passcode", "step_up", "locked", "handoff"):
        if required not in flows:
            problems.append(f"the engine needs a flow named {required!r}")
    problems += _code_keys(catalog, code)
    return problems


def _flow(flow: Flow, flows: dict[str, Flow], catalog: Catalog) -> list[str]:
    where = f"{flow.source} ({flow.name})"
    out: list[str] = []
    if flow.start not in flow.steps:
        out.append(f"{where}: the start step {flow.start!r} does not exist")
    for step in flow.steps.values():
        at = f"{where}: step {step.name}"
        for target in step.successors():
            if target != END and target not in flow.steps:
                out.append(f"{at}: goes to {target!r}, which does not exist")
        if step.kind == "call":
            spec = ACTIONS.get(step.target)
            if spec is None:
                out.append(f"{at}: unknown action {step.target!r}")
            else:
                for outcome in step.on:
                    known = outcome in ("ok", "error") or outcome in spec.outcomes
                    if not known and not outcome.isupper():
                        out.append(f"{at}: action {spec.name} has no outcome {outcome!r}")
        if step.options and step.options not in ACTIONS:
            out.append(f"{at}: unknown options action {step.options!r}")
        if step.kind == "flow" and step.target not in flows:
            out.append(f"{at}: unknown flow {step.target!r}")
        if step.goto and step.goto not in flows:
            out.append(f"{at}: unknown flow {step.goto!r}")
        if step.kind == "ask" and step.type == "choice" and not (step.buttons or step.options):
            out.append(f"{at}: a choice needs buttons or options")
        keys = [b.title for b in step.buttons]
        if step.kind == "say":
            keys.append(step.target)
        if step.kind == "ask":
            keys.append(step.prompt or f"{flow.name}.{step.name}")
            if step.invalid:
                keys.append(step.invalid)
        for key in keys:
            if not catalog.has(key):
                out.append(f"{at}: unknown message key {key!r}")
                continue
            template = catalog.template("en", key) or ""
            missing = placeholders(template) - set(step.vars) - ENGINE_VALUES
            if missing and key not in (b.title for b in step.buttons):
                out.append(f"{at}: message {key!r} needs {sorted(missing)} in vars")
    for key in (*flow.resume, *([flow.help] if flow.help else [])):
        if not catalog.has(key):
            out.append(f"{where}: unknown message key {key!r}")
        elif key in flow.resume:
            missing = placeholders(catalog.template("en", key) or "") - set(flow.resume_vars)
            if missing:
                out.append(f"{where}: resume message {key!r} needs {sorted(missing)}")
    out += [f"{where}: step {name} cannot be reached" for name in _unreachable(flow)]
    return out


def _unreachable(flow: Flow) -> list[str]:
    seen = {flow.start}
    queue = deque([flow.start])
    while queue:
        step = flow.steps.get(queue.popleft())
        if step is None:
            continue
        for target in step.successors():
            if target in flow.steps and target not in seen:
                seen.add(target)
                queue.append(target)
    return [name for name in flow.steps if name not in seen]


def _catalogs(catalog: Catalog) -> list[str]:
    out: list[str] = []
    base = catalog.keys("en")
    for lang in LANGUAGES:
        keys = catalog.keys(lang)
        if not keys:
            out.append(f"texts/{lang}: the language has no messages")
            continue
        out += [f"texts/{lang}: missing {key!r}" for key in sorted(base - keys)]
        out += [f"texts/{lang}: {key!r} is not in English" for key in sorted(keys - base)]
        for key in sorted(base & keys):
            want = placeholders(catalog.template("en", key) or "")
            have = placeholders(catalog.template(lang, key) or "")
            if want != have:
                out.append(
                    f"texts/{lang}: {key!r} has placeholders {sorted(have)},"
                    f" English {sorted(want)}"
                )
    return out


def _code_keys(catalog: Catalog, code: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(code.rglob("*.py")):
        if path.name == "check.py":
            continue
        for key in _KEY_IN_CODE.findall(path.read_text(encoding="utf-8")):
            if key.startswith(DYNAMIC_PREFIXES) and key.count(".") == 1 and key.endswith("."):
                continue
            if not catalog.has(key):
                out.append(f"{path.relative_to(code.parent)}: unknown message key {key!r}")
    return out
