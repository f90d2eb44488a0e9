"""A flow as a Mermaid flowchart (``teller flows diagram NAME``)."""

from __future__ import annotations

from flows.definition import END, Flow, Step


def mermaid(flow: Flow) -> str:
    lines = ["flowchart TD", f"  start(({flow.name})) --> {_id(flow.start)}"]
    for step in flow.steps.values():
        lines.append(f"  {_id(step.name)}{_shape(step)}")
        for label, target in _edges(step):
            arrow = f" -->|{label}| " if label else " --> "
            lines.append(f"  {_id(step.name)}{arrow}{_id(target)}")
    lines.append(f"  {_id(END)}(((end)))")
    return "\n".join(lines) + "\n"


def _edges(step: Step) -> list[tuple[str, str]]:
    edges: list[tuple[str, str]] = [(outcome, target) for outcome, target in step.on.items()]
    edges += [(case, target) for case, target in step.cases.items()]
    if step.default:
        edges.append(("default", step.default))
    if step.no:
        edges.append(("no", step.no))
    if step.next:
        edges.append(("ok" if step.on else "", step.next))
    elif step.kind not in ("handoff",) and not step.on and not step.cases:
        edges.append(("", END))
    return edges


def _shape(step: Step) -> str:
    label = f"{step.kind}: {step.target}" if step.target else step.kind
    label = label.replace('"', "'")
    if step.kind == "ask":
        return f'[/"{step.name}<br/>{label}"/]'
    if step.kind == "call":
        return f'[["{step.name}<br/>{label}"]]'
    if step.kind in ("switch",):
        return f'{{"{step.name}<br/>{label}"}}'
    return f'["{step.name}<br/>{label}"]'


def _id(name: str) -> str:
    return "s_" + "".join(c if c.isalnum() else "_" for c in name)
