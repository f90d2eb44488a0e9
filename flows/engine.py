"""The conversation engine: interprets flow definitions, one inbound message at a time.

State is plain JSON (it is stored as such): the customer's language and link, and a
*stack* of frames, one per flow in progress. A frame is the flow's name, its current step,
its slots, the asks answered so far (for "back"), the retry count and whether it waits for
an answer. Flows started on top of a waiting frame interrupt it; when they end, the
customer is asked whether to continue ("Shall we continue with your transfer of 50 EUR to
•• 4242?"). A ``flow`` step instead calls a sub-flow and continues silently when it ends.

Global commands work at any point: cancel, back, help, menu, operator and language, as
buttons (``cmd:…`` payloads), as words of the catalog's ``keywords`` or as NLU intents.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from flows import expressions, values
from flows.actions.registry import ACTIONS, OK, Outcome
from flows.catalog import Catalog, placeholders
from flows.context import ActionContext, Services, Turn
from flows.definition import END, Flow, Step
from flows.messages import Button, Buttons, HandoffNotice, Inbound, Kind, RequestContact, Text
from flows.ports import Record
from flows.redact import redact
from integrations.bank.errors import BankError, BankUnavailable
from nlu import entities as nlu_entities
from nlu.intents import COMMANDS, FALLBACK
from nlu.policy import Step as PolicyStep
from nlu.policy import decide
from nlu.result import Entity

log = logging.getLogger(__name__)

GLOBAL = ("cancel", "back", "help", "menu", "operator", "language")
# NLU intents that are global commands rather than flows.
INTENT_COMMANDS = {
    "cancel": "cancel",
    "back": "back",
    "help": "help",
    "human_handoff": "operator",
    "change_language": "language",
}
# Small talk answered in place, never interrupting what is being asked.
SMALL_TALK = {"greet": "smalltalk.greet", "thanks": "smalltalk.thanks", "bye": "smalltalk.bye"}
MAX_STEPS = 60  # steps per turn: a definition loop ends with an apology, not a hang
MAX_RETRIES = 2
SAFETY_FLOWS = ("card_block",)  # run even while a person holds the conversation
# Where a customer's file that no question asked for goes: it may be what a reviewer asked
# for (decision 0104); the flow finds out, and says so when it is not.
UNASKED_FILE_FLOW = "kyc_documents"


class Engine:
    def __init__(self, services: Services) -> None:
        self.s = services
        self._by_intent: dict[str, str] = {}
        for flow in services.flows.values():
            for intent in flow.intents:
                self._by_intent[intent] = flow.name

    @property
    def flows(self) -> dict[str, Flow]:
        return self.s.flows

    def reload(self, flows: dict[str, Flow], catalog: Catalog | None = None) -> None:
        """New definitions and texts (a changed file in development, a signal in
        production); turns already running finish with what they started with."""
        self.s.flows = flows
        if catalog is not None:
            self.s.catalog = catalog
        self._by_intent = {i: f.name for f in flows.values() for i in f.intents}

    # -- entry -----------------------------------------------------------------------------------

    async def handle(self, turn: Turn) -> None:
        state = turn.state
        msg = turn.msg
        state.setdefault("stack", [])
        state.setdefault("language", _language(msg.locale))
        self._record_in(turn)
        if state.pop("expired", False) and msg.kind is not Kind.START:
            turn.replies.append(Text(self.t(turn, "common.expired")))
        handoff = state.get("handoff", {}).get("state", "bot")
        top = self._top(turn)
        in_safety_flow = top is not None and top["flow"] in SAFETY_FLOWS
        if handoff in ("waiting", "agent") and not in_safety_flow:
            await self._during_handoff(turn)
            return
        if msg.kind is Kind.START or not state.get("started"):
            state["started"] = True
            if msg.referral:
                state["referral"] = msg.referral[:64]
                # The marketing funnel's "conversation started" (backoffice.marketing).
                self._event(turn, "referral_captured", code=state["referral"])
            await self.start_flow(turn, "start", {}, replace=True)
            return
        payload = self._payload_of(turn)
        if payload is not None:
            await self._on_payload(turn, payload)
            return
        text = msg.text.strip()
        command = self._keyword(turn, text)
        if command is not None:
            await self._command(turn, command)
            return
        frame = self._top(turn)
        if frame is not None and frame.get("waiting"):
            await self._answer(turn, frame, None)
            return
        await self._understand(turn, text)

    async def _during_handoff(self, turn: Turn) -> None:
        """A person holds the conversation: the bot is silent but for safety commands."""
        payload = self._payload_of(turn)
        if payload == "cmd:bot" and turn.state["handoff"]["state"] == "waiting":
            turn.state["handoff"] = {"state": "bot"}
            turn.replies.append(HandoffNotice(self.t(turn, "handoff.left_queue"), "bot"))
            await self.start_flow(turn, "menu", {}, replace=True)
            return
        intent = None
        if payload and payload.startswith("flow:"):
            intent = payload[5:]
        elif turn.msg.text.strip():
            parsed = await self.s.nlu.parse(turn.msg.text, turn.language)
            if parsed.intent.confidence >= self.s.settings.interrupt_threshold:
                intent = self._by_intent.get(parsed.intent.name)
        if intent in SAFETY_FLOWS:
            await self.start_flow(turn, intent, {})

    # -- input -----------------------------------------------------------------------------------

    def _payload_of(self, turn: Turn) -> str | None:
        msg = turn.msg
        if msg.kind is Kind.PAYLOAD:
            return msg.payload
        if msg.kind is not Kind.TEXT:
            return None
        text = msg.text.strip()
        last = turn.state.get("buttons") or []
        if text.isdigit() and 1 <= int(text) <= len(last):
            return str(last[int(text) - 1][1])  # "2" picks the second of numbered choices
        folded = text.casefold()
        for title, payload in last:
            if folded and folded == str(title).casefold():
                return str(payload)
        return None

    def _keyword(self, turn: Turn, text: str) -> str | None:
        folded = text.casefold().strip(" .!/")
        if not folded or len(folded) > 40:
            return None
        for command in GLOBAL:
            words = self.s.catalog.text(turn.language, f"keywords.{command}")
            if folded in {w.strip().casefold() for w in words.split(",") if w.strip()}:
                return command
        return None

    async def _on_payload(self, turn: Turn, payload: str) -> None:
        kind, _, rest = payload.partition(":")
        if kind == "cmd":
            await self._command(turn, rest)
        elif kind == "flow":
            name, _, arg = rest.partition(":")
            if name in self.flows:
                await self.start_flow(turn, name, {"arg": arg} if arg else {})
            else:
                await self._stale(turn)
        elif kind == "opt":
            ask_id, _, value = rest.partition(":")
            frame = self._top(turn)
            if (
                frame is not None
                and frame.get("waiting")
                and str(frame.get("ask")) == ask_id
                and not turn.state.get("resume_pending")
            ):
                await self._answer(turn, frame, value)
            else:
                await self._stale(turn)
        elif kind == "intent":
            await self._act_on_intent(turn, rest, None)
        else:
            await self._stale(turn)

    async def _stale(self, turn: Turn) -> None:
        """A button from an earlier message: it must not act twice or out of place."""
        turn.replies.append(Text(self.t(turn, "common.stale_button")))
        frame = self._top(turn)
        if frame is not None and frame.get("waiting"):
            await self._prompt(turn, frame, self._step(frame), again=True)
        elif turn.state.get("resume_pending"):
            self._ask_resume(turn)
        else:
            await self.start_flow(turn, "menu", {}, replace=True)

    # -- global commands -------------------------------------------------------------------------

    async def _command(self, turn: Turn, command: str) -> None:
        state = turn.state
        if command == "resume":
            state.pop("resume_pending", None)
            frame = self._top(turn)
            if frame is not None and frame.get("waiting"):
                await self._prompt(turn, frame, self._step(frame), again=True)
            else:
                await self.start_flow(turn, "menu", {}, replace=True)
        elif command == "drop":
            state.pop("resume_pending", None)
            if state["stack"]:
                state["stack"].pop()
            await self.start_flow(turn, "menu", {}, replace=not state["stack"])
        elif command in ("cancel", "menu"):
            had = bool(state["stack"])
            state["stack"] = []
            state.pop("resume_pending", None)
            if command == "cancel":
                key = "common.cancelled" if had else "common.nothing_to_cancel"
                turn.replies.append(Text(self.t(turn, key)))
            await self.start_flow(turn, "menu", {}, replace=True)
        elif command == "back":
            await self._back(turn)
        elif command == "help":
            await self._help(turn)
        elif command == "operator":
            await self.start_flow(turn, "handoff", {})
        elif command == "language":
            await self.start_flow(turn, "language", {})
        else:
            await self._stale(turn)

    async def _back(self, turn: Turn) -> None:
        frame = self._top(turn)
        if frame is None or not frame.get("history"):
            turn.replies.append(Text(self.t(turn, "common.nothing_to_go_back_to")))
            if frame is not None and frame.get("waiting"):
                await self._prompt(turn, frame, self._step(frame), again=True)
            else:
                await self.start_flow(turn, "menu", {}, replace=True)
            return
        previous = frame["history"].pop()
        step = self.flows[frame["flow"]].step(previous)
        frame["slots"].pop(step.target, None)
        frame["step"] = previous
        frame["retries"] = 0
        await self._prompt(turn, frame, step)

    async def _help(self, turn: Turn) -> None:
        frame = self._top(turn)
        key = "help.general"
        if frame is not None:
            flow = self.flows[frame["flow"]]
            key = flow.help or key
        turn.replies.append(Text(self.t(turn, key)))
        if frame is not None and frame.get("waiting"):
            await self._prompt(turn, frame, self._step(frame), again=True)
        else:
            await self.start_flow(turn, "menu", {}, replace=True)

    # -- free text -------------------------------------------------------------------------------

    async def _understand(self, turn: Turn, text: str) -> None:
        if turn.msg.kind in (Kind.IMAGE, Kind.DOCUMENT):
            if (
                turn.customer_id is not None
                and turn.msg.attachment is not None
                and UNASKED_FILE_FLOW in self.flows
            ):
                sent = await self._kept_file(turn)
                alone = not turn.state["stack"]
                await self.start_flow(turn, UNASKED_FILE_FLOW, {"sent": sent}, replace=alone)
                return
            turn.replies.append(Text(self.t(turn, "common.unexpected_file")))
            await self.start_flow(turn, "menu", {}, replace=not turn.state["stack"])
            return
        result = await self.s.nlu.parse(text, turn.language)
        decision = decide(
            result, int(turn.state.get("misses", 0)), threshold=self.s.settings.nlu_threshold
        )
        if _names_a_recipient(result) and decision.intent in (None, *MONEY_INTENTS):
            # "send 50 to CZ65 0800 …": an IBAN or someone else's card number with an
            # amount is a transfer, whichever money word the classifier leaned to.
            decision = replace(decision, step=PolicyStep.ACT, intent="transfer", misses=0)
        if decision.step is PolicyStep.ACT and decision.intent is not None:
            turn.state["misses"] = 0
            await self._act_on_intent(turn, decision.intent, result.entities)
            return
        turn.state["misses"] = decision.misses
        buttons = [
            (self.t(turn, f"intents.{name}"), f"intent:{name}")
            for name in decision.candidates
            if self.s.catalog.has(f"intents.{name}")
        ]
        if decision.step is PolicyStep.OFFER_PERSON:
            buttons.append((self.t(turn, "common.talk_to_person"), "cmd:operator"))
            key = "common.not_understood_again"
        else:
            key = "common.not_understood"
        buttons.append((self.t(turn, "common.menu"), "cmd:menu"))
        self._buttons(turn, self.t(turn, key), buttons)

    async def _act_on_intent(self, turn: Turn, intent: str, found: Any) -> None:
        if intent in INTENT_COMMANDS:
            await self._command(turn, INTENT_COMMANDS[intent])
            return
        if intent in SMALL_TALK:
            turn.replies.append(Text(self.t(turn, SMALL_TALK[intent])))
            frame = self._top(turn)
            if frame is not None and frame.get("waiting"):
                await self._prompt(turn, frame, self._step(frame), again=True)
            return
        if intent in ("affirm", "deny"):
            if turn.state.get("resume_pending"):
                await self._command(turn, "resume" if intent == "affirm" else "drop")
            else:
                await self.start_flow(turn, "menu", {}, replace=not turn.state["stack"])
            return
        name = self._by_intent.get(intent)
        if name is not None:
            await self.start_flow(turn, name, {}, entities=found)
            return
        if intent != FALLBACK and intent not in COMMANDS and "support" in self.flows:
            await self.start_flow(turn, "support", {"intent": intent})
            return
        await self.start_flow(turn, "menu", {}, replace=not turn.state["stack"])

    # -- running flows ---------------------------------------------------------------------------

    async def start_flow(
        self,
        turn: Turn,
        name: str,
        slots: dict[str, Any],
        *,
        replace: bool = False,
        entities: Any = None,
    ) -> None:
        """Start ``name`` on top of the stack (an interruption) or in place of it."""
        flow = self.flows[name]
        state = turn.state
        state.pop("resume_pending", None)
        if replace:
            state["stack"] = []
        if not await self._allowed(turn, flow):
            return
        top = self._top(turn)
        if top is not None and not self.flows[top["flow"]].interruptible and not replace:
            turn.replies.append(Text(self.t(turn, "common.finish_first")))
            await self._prompt(turn, top, self._step(top), again=True)
            return
        frame = _frame(flow)
        frame["slots"].update(slots)
        if entities:
            frame["prefill"] = self._prefill(turn, entities)
            currency = frame["prefill"].get("amount", {}).get("currency")
            if currency:
                frame["slots"]["wanted_currency"] = currency  # "50 EUR": the EUR account
        state["stack"].append(frame)
        self._event(turn, "flow_started", flow=name)
        await self._run(turn)

    async def _allowed(self, turn: Turn, flow: Flow) -> bool:
        if flow.requires == "none":
            return True
        customer = turn.customer_id
        if customer is None:
            self._buttons(
                turn,
                self.t(turn, "common.need_account"),
                [(self.t(turn, "menu.open_account"), "flow:onboarding")],
            )
            return False
        if flow.requires == "verified":
            who = await self.s.bank.get_customer(customer)
            if who.kyc_status.value != "verified":
                key = f"common.need_verification_{who.kyc_status.value}"
                buttons = [(self.t(turn, "common.menu"), "cmd:menu")]
                if who.kyc_status.value in ("unverified", "rejected"):
                    buttons.insert(0, (self.t(turn, "menu.verify"), "flow:onboarding"))
                self._buttons(turn, self.t(turn, key), buttons)
                return False
        return True

    def _prefill(self, turn: Turn, found: Any) -> dict[str, Any]:
        """Entities of the message that started a flow, for asks that take them."""
        out: dict[str, Any] = {}
        for entity in found:
            if entity.entity not in out:
                out[entity.entity] = {
                    "value": self._seal_if_card(entity.entity, entity.value),
                    "currency": entity.currency,
                    "minor": entity.minor,
                }
        return out

    def _seal_if_card(self, kind: str, value: str) -> str:
        return self.s.sealer.seal(value) if kind == "card_number" else value

    async def _run(self, turn: Turn) -> None:
        for _ in range(MAX_STEPS):
            frame = self._top(turn)
            if frame is None:
                return
            if turn.aborted:
                turn.state["stack"] = []
                turn.aborted = False
                return
            if frame["step"] == END:
                if not await self._finish(turn, frame):
                    return
                continue
            step = self._step(frame)
            if step.kind == "say":
                self._say(turn, frame, step)
                frame["step"] = step.next or END
            elif step.kind == "ask":
                if await self._prefilled(turn, frame, step):
                    continue
                await self._prompt(turn, frame, step)
                return
            elif step.kind == "call":
                if not await self._call(turn, frame, step):
                    return
            elif step.kind == "switch":
                value = expressions.resolve(step.target, frame["slots"], turn.language)
                frame["step"] = step.cases.get(str(value).lower(), step.default or END)
            elif step.kind == "flow":
                frame["step"] = step.next or END
                child = _frame(self.flows[step.target])
                child["called"] = True
                child["slots"].update(
                    expressions.resolve(step.vars, frame["slots"], turn.language)
                )
                turn.state["stack"].append(child)
            elif step.kind == "handoff":
                await self._handoff(turn, step)
                return
            elif step.kind == "end":
                if step.goto:
                    turn.state["stack"].pop()
                    await self.start_flow(turn, step.goto, {})
                    return
                frame["step"] = END
        log.error("a flow ran too many steps in one turn", extra={"flow": self._flow_names(turn)})
        turn.state["stack"] = []
        turn.replies.append(Text(self.t(turn, "common.internal_error")))

    async def _finish(self, turn: Turn, frame: dict[str, Any]) -> bool:
        """Pop an ended frame; True when the frame below should run on."""
        stack = turn.state["stack"]
        stack.pop()
        self._event(turn, "flow_ended", flow=frame["flow"])
        below = self._top(turn)
        if below is None:
            return False
        if frame.get("called"):
            below["slots"].update(frame.get("returns", {}))
            return True
        if below.get("waiting"):
            self._ask_resume(turn)
        return False

    def _ask_resume(self, turn: Turn) -> None:
        frame = self._top(turn)
        if frame is None:
            return
        flow = self.flows[frame["flow"]]
        vars_ = expressions.resolve(flow.resume_vars, frame["slots"], turn.language)
        key = "common.resume_generic"
        for candidate in flow.resume:
            template = self.s.catalog.template(turn.language, candidate) or ""
            if all(vars_.get(name) not in (None, "") for name in placeholders(template)):
                key = candidate
                break
        turn.state["resume_pending"] = True
        self._buttons(
            turn,
            self.t(turn, key, **vars_),
            [(self.t(turn, "common.yes"), "cmd:resume"), (self.t(turn, "common.no"), "cmd:drop")],
        )

    def _say(self, turn: Turn, frame: dict[str, Any], step: Step) -> None:
        vars_ = expressions.resolve(step.vars, frame["slots"], turn.language)
        text = self.t(turn, step.target, **vars_)
        if step.buttons:
            buttons = [(self.t(turn, b.title), b.payload) for b in step.buttons]
            self._buttons(turn, text, buttons)
        else:
            turn.replies.append(Text(text))

    # -- asking ----------------------------------------------------------------------------------

    async def _prefilled(self, turn: Turn, frame: dict[str, Any], step: Step) -> bool:
        if step.skip_if and frame["slots"].get(step.skip_if) is not None:
            frame["step"] = step.next or END
            return True
        prefill = frame.get("prefill") or {}
        entity = step.entity
        if step.type == "recipient":
            # Whoever the first message named: a card number, an IBAN or a phone number.
            entity = next((k for k in ("card_number", "iban", "phone") if k in prefill), None)
        if not entity or entity not in prefill:
            return False
        found = prefill.pop(entity)
        value: Any = found["value"]
        if entity == "card_number":
            value = {"sealed": value, "last4": self.s.sealer.unseal(value)[-4:]}
            if step.type == "recipient":
                value = {"kind": "card", **value}
        elif step.type == "recipient":
            value = {"kind": "account" if entity == "iban" else "phone", "value": value}
        else:
            # Read as if typed alone: the same parser as an answer, with the entity found.
            found_entity = Entity(
                entity, str(value), 0, 0, "prefill", found.get("currency"), found.get("minor")
            )
            currency = expressions.resolve(
                step.vars.get("currency"), frame["slots"], turn.language
            )
            asked = values.Asked(
                step.type, turn.language, self._today(), [found_entity], currency, step.length
            )
            parsed = values.parse(asked, _TYPED, str(value))
            if parsed is None:
                return False
            value = parsed.value
        if not self._valid(step, value):
            return False
        frame["slots"][step.target] = value
        frame["step"] = step.next or END
        return True

    async def _prompt(
        self, turn: Turn, frame: dict[str, Any], step: Step, *, again: bool = False
    ) -> None:
        frame["waiting"] = True
        frame["ask"] = int(turn.state.get("ask_seq", 0)) + 1
        turn.state["ask_seq"] = frame["ask"]
        if step.type == "confirm" and not again:
            frame["idem"] = uuid.uuid4().hex  # a new summary shown: a new operation
        vars_ = expressions.resolve(step.vars, frame["slots"], turn.language)
        text = self.t(turn, step.prompt or f"{frame['flow']}.{step.name}", **vars_)
        buttons = await self._choices(turn, frame, step)
        if step.type == "contact":
            turn.replies.append(RequestContact(text, self.t(turn, "common.share_phone")))
            turn.state["buttons"] = []
        elif buttons:
            self._buttons(turn, text, buttons)
        else:
            turn.replies.append(Text(text, secret=step.secret))
            turn.state["buttons"] = []

    async def _choices(
        self, turn: Turn, frame: dict[str, Any], step: Step
    ) -> list[tuple[str, str]]:
        ask = frame["ask"]
        if step.type == "confirm":
            return [
                (self.t(turn, "common.confirm"), f"opt:{ask}:yes"),
                (self.t(turn, "common.cancel"), f"opt:{ask}:no"),
            ]
        choices: list[tuple[str, str]] = [
            (self.t(turn, b.title), f"opt:{ask}:{b.payload}") for b in step.buttons
        ]
        if step.options:
            outcome = await self._invoke(turn, frame, step.options, {})
            for option in outcome.data or []:
                choices.append((str(option["title"]), f"opt:{ask}:{option['value']}"))
            frame["options"] = {str(o["value"]): o for o in outcome.data or []}
        return choices

    async def _answer(self, turn: Turn, frame: dict[str, Any], chosen: str | None) -> None:
        step = self._step(frame)
        msg = turn.msg
        parsed: values.Parsed | None = None
        if chosen is not None:
            parsed = self._chosen(frame, step, chosen)
        elif step.type == "confirm":
            parsed = self._yes_no(turn, msg.text)
        elif step.type == "choice" or (step.options and step.type == "text"):
            parsed = None
        else:
            asked = values.Asked(
                step.type,
                turn.language,
                self._today(),
                self._entities(turn, step),
                currency=expressions.resolve(
                    step.vars.get("currency"), frame["slots"], turn.language
                ),
                length=step.length,
            )
            parsed = values.parse(asked, msg, msg.text)
        if parsed is not None and not self._valid(step, parsed.value):
            parsed = None
        if parsed is None:
            if await self._maybe_interrupt(turn, frame, step):
                return
            await self._retry(turn, frame, step)
            return
        value = await self._stored(turn, step, parsed.value)
        self._answered_record(turn, step, parsed)
        frame["slots"][step.target] = value
        frame["waiting"] = False
        frame["retries"] = 0
        frame.setdefault("history", []).append(step.name)
        turn.state["buttons"] = []
        if step.type == "confirm" and value == "no":
            frame["step"] = step.no or "__cancelled"
            if frame["step"] == "__cancelled":
                turn.state["stack"].pop()
                turn.replies.append(Text(self.t(turn, "common.cancelled")))
                await self.start_flow(turn, "menu", {}, replace=not turn.state["stack"])
                return
        else:
            frame["step"] = step.next or END
        await self._run(turn)

    def _chosen(self, frame: dict[str, Any], step: Step, chosen: str) -> values.Parsed | None:
        if step.type == "confirm":
            return values.Parsed(chosen, chosen) if chosen in ("yes", "no") else None
        if step.type == "period":
            return values.parse(
                values.Asked("period", "en", self._today(), []),
                turn_payload(chosen),
                "",
            )
        allowed = {b.payload for b in step.buttons} | set(frame.get("options", {}))
        if chosen not in allowed:
            return None
        return values.Parsed(chosen, chosen)

    def _yes_no(self, turn: Turn, text: str) -> values.Parsed | None:
        folded = text.casefold().strip(" .!")
        for answer in ("yes", "no"):
            words = self.t(turn, f"keywords.{answer}")
            if folded in {w.strip().casefold() for w in words.split(",") if w.strip()}:
                return values.Parsed(answer, answer)
        return None

    def _entities(self, turn: Turn, step: Step) -> list[Any]:
        if step.type not in (
            "amount",
            "card_number",
            "phone",
            "contact",
            "iban",
            "recipient",
            "period",
            "date",
        ):
            return []
        return nlu_entities.extract(turn.msg.text, turn.language, today=self._today())

    def _valid(self, step: Step, value: Any) -> bool:
        if not step.schema:
            return True
        from cerberus import Validator

        return bool(Validator({"value": step.schema}).validate({"value": value}))

    async def _stored(self, turn: Turn, step: Step, value: Any) -> Any:
        """The slot's form of a value: files in the media store, card numbers sealed."""
        if step.type in ("image", "document") and turn.msg.attachment is not None:
            return await self._kept_file(turn)
        if step.type == "card_number":
            return {"sealed": self.s.sealer.seal(value), "last4": value[-4:]}
        if step.type == "recipient" and value["kind"] == "card":
            return {
                "kind": "card",
                "sealed": self.s.sealer.seal(value["value"]),
                "last4": value["value"][-4:],
            }
        return value

    async def _kept_file(self, turn: Turn) -> dict[str, str]:
        """The message's file put in the media store, as a slot holds it."""
        att = turn.msg.attachment
        assert att is not None
        media_id = await self.s.media.put(att.data, att.content_type, att.filename)
        return {"media_id": media_id, "content_type": att.content_type}

    async def _maybe_interrupt(self, turn: Turn, frame: dict[str, Any], step: Step) -> bool:
        """Another request in the middle of a question: answer it, then offer to resume."""
        text = turn.msg.text.strip()
        if not text or turn.msg.kind is not Kind.TEXT or step.secret:
            return False
        result = await self.s.nlu.parse(text, turn.language)
        intent = result.intent.name
        if result.intent.confidence < self.s.settings.interrupt_threshold:
            return False
        if intent in INTENT_COMMANDS:
            await self._command(turn, INTENT_COMMANDS[intent])
            return True
        if intent in SMALL_TALK:
            turn.replies.append(Text(self.t(turn, SMALL_TALK[intent])))
            await self._prompt(turn, frame, step, again=True)
            return True
        name = self._by_intent.get(intent)
        if name is not None and name != frame["flow"]:
            await self.start_flow(turn, name, {}, entities=result.entities)
            return True
        if intent not in COMMANDS and intent != FALLBACK and "support" in self.flows:
            await self.start_flow(turn, "support", {"intent": intent})
            return True
        return False

    async def _retry(self, turn: Turn, frame: dict[str, Any], step: Step) -> None:
        frame["retries"] = int(frame.get("retries", 0)) + 1
        vars_ = expressions.resolve(step.vars, frame["slots"], turn.language)
        key = step.invalid or f"invalid.{step.type}"
        if frame["retries"] >= MAX_RETRIES:
            frame["retries"] = 0
            turn.replies.append(Text(self.t(turn, key, **vars_)))
            self._buttons(
                turn,
                self.t(turn, "common.still_stuck"),
                [
                    (self.t(turn, "common.help"), "cmd:help"),
                    (self.t(turn, "common.talk_to_person"), "cmd:operator"),
                    (self.t(turn, "common.cancel"), "cmd:cancel"),
                ],
            )
            frame["waiting"] = True  # typing a valid answer still works
            return
        turn.replies.append(Text(self.t(turn, key, **vars_)))
        await self._prompt(turn, frame, step, again=True)

    # -- calling the bank ------------------------------------------------------------------------

    async def _call(self, turn: Turn, frame: dict[str, Any], step: Step) -> bool:
        """Run an action step; False when the turn must stop here (a question was asked)."""
        spec = ACTIONS.get(step.target)
        if spec is None:
            raise LookupError(f"unknown action {step.target!r}")
        args = expressions.resolve(step.args, frame["slots"], turn.language)
        if spec.money:
            guard = await self._guard(turn, frame, args, spec.amount_arg)
            if guard is not None:
                turn.state["stack"].append(guard)
                return True  # the guard flow runs now, then this step again
        outcome = await self._invoke(turn, frame, step.target, args)
        if turn.aborted:
            return True
        if step.save is not None and outcome.data is not None:
            frame["slots"][step.save] = outcome.data
        nxt = step.on.get(outcome.name)
        if nxt is None and outcome.name != OK:
            nxt = step.on.get("error")
            if nxt is None:
                self._failed(turn, outcome)
                turn.state["stack"].pop()
                if not turn.state["stack"]:
                    await self.start_flow(turn, "menu", {}, replace=True)
                return False
        frame["step"] = nxt or step.next or END
        return True

    async def _invoke(
        self, turn: Turn, frame: dict[str, Any], name: str, args: dict[str, Any]
    ) -> Outcome:
        spec = ACTIONS[name]
        try:
            return await spec.fn(ActionContext(self.s, turn, frame), args)
        except BankUnavailable:
            return Outcome("UNAVAILABLE", {"code": "UNAVAILABLE"})
        except BankError as error:
            return Outcome(error.code, {"code": error.code})

    def _failed(self, turn: Turn, outcome: Outcome) -> None:
        key = f"errors.{outcome.name}"
        if not self.s.catalog.has(key):
            key = "errors.generic"
        turn.replies.append(Text(self.t(turn, key)))

    async def _guard(
        self, turn: Turn, frame: dict[str, Any], args: dict[str, Any], amount_arg: str | None
    ) -> dict[str, Any] | None:
        """The flow to run before money moves: a passcode after idling, a second factor above
        the step-up amount; None when the customer may go ahead."""
        auth = turn.state.setdefault("auth", {})
        if auth.get("failures", 0) >= self.s.settings.max_auth_failures:
            return _frame(self.flows["locked"], called=True)
        now = self.s.now()
        fresh = auth.get("at") and (now - _parse_time(auth["at"]) <= self.s.settings.passcode_idle)
        if not fresh:
            return _frame(self.flows["passcode"], called=True)
        if amount_arg is not None:
            amount = args.get(amount_arg) or {}
            limit = self.s.settings.step_up_minor.get(str(amount.get("currency")))
            key = frame.get("idem")
            above = limit is not None and int(amount.get("minor", 0)) > limit
            if above and auth.get("stepped_up") != key:
                child = _frame(self.flows["step_up"], called=True)
                child["slots"]["for_key"] = key
                return child
        return None

    # -- handoff ---------------------------------------------------------------------------------

    async def _handoff(self, turn: Turn, step: Step) -> None:
        turn.state["stack"] = []
        turn.state["handoff"] = {
            "state": "waiting",
            "since": self.s.now().isoformat(),
            "reason": step.target,
        }
        self._event(turn, "handoff_requested", reason=step.target)
        text = self.t(turn, "handoff.waiting")
        turn.replies.append(HandoffNotice(text, "waiting"))
        self._buttons(
            turn,
            self.t(turn, "handoff.while_waiting"),
            [(self.t(turn, "handoff.back_to_bot"), "cmd:bot")],
        )

    # -- helpers ---------------------------------------------------------------------------------

    def t(self, turn: Turn, key: str, **values: Any) -> str:
        return self.s.catalog.text(turn.language, key, **values)

    def _buttons(self, turn: Turn, text: str, buttons: list[tuple[str, str]]) -> None:
        turn.replies.append(Buttons(text, tuple(Button(t, p) for t, p in buttons)))
        turn.state["buttons"] = [[t, p] for t, p in buttons]

    def _top(self, turn: Turn) -> dict[str, Any] | None:
        stack = turn.state.get("stack") or []
        return stack[-1] if stack else None

    def _step(self, frame: dict[str, Any]) -> Step:
        return self.flows[frame["flow"]].step(frame["step"])

    def _today(self) -> Any:
        return self.s.now().date()

    def _flow_names(self, turn: Turn) -> list[str]:
        return [f["flow"] for f in turn.state.get("stack", [])]

    def _event(self, turn: Turn, event: str, **details: Any) -> None:
        turn.records.append(Record("event", {"event": event, **details}, self.s.now()))

    def _record_in(self, turn: Turn) -> None:
        msg = turn.msg
        body: dict[str, Any] = {"kind": msg.kind.value}
        frame = self._top(turn)
        secret = False
        if frame is not None and frame.get("waiting") and frame["step"] != END:
            secret = self._step(frame).secret
        if msg.text:
            body["text"] = "••••••" if secret else redact(msg.text)
        if msg.payload:
            body["payload"] = msg.payload[:100]
        if msg.attachment is not None:
            body["file"] = msg.attachment.content_type
        turn.records.append(Record("in", body, msg.at or self.s.now()))

    def _answered_record(self, turn: Turn, step: Step, parsed: values.Parsed) -> None:
        shown = "••••••" if step.secret else parsed.shown
        self._event(turn, "answered", step=step.name, value=shown)


MONEY_INTENTS = ("transfer", "exchange", "top_up", "pay_bills")


def _names_a_recipient(result: Any) -> bool:
    kinds = {e.entity for e in result.entities}
    return bool(kinds & {"card_number", "iban"}) and "amount" in kinds


# What a prefilled value is parsed as: typed text, no attachment, no button.
_TYPED = Inbound("prefill", "-", "-", Kind.TEXT)


def _frame(flow: Flow, *, called: bool = False) -> dict[str, Any]:
    return {
        "flow": flow.name,
        "step": flow.start,
        "slots": {},
        "history": [],
        "retries": 0,
        "waiting": False,
        "called": called,
    }


def _language(locale: str | None) -> str:
    code = (locale or "en").split("-")[0].split("_")[0].lower()
    return code if code in ("en", "cs", "ru", "uk") else "en"


def _parse_time(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def turn_payload(payload: str) -> Inbound:
    """A button's value as the message a parser reads (period presets)."""
    return Inbound("internal", "-", "-", Kind.PAYLOAD, payload=f"opt:0:{payload}")
