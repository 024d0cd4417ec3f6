"""A complete eHerkenning login without a browser, over the real pages of the running servers.

Used by ``makelaar demo --walkthrough`` and by the end-to-end tests. A :class:`Walkthrough`
behaves like a user with a browser that has no JavaScript: it follows redirects, submits the
SAML POST-binding forms that a browser would submit by script, and fills the pages the user
would fill (discovery, e-mail and password, the SMS code from the development outbox, the
mandate choice). It reads pages only through their HTML forms and the URL layout of
``notes/wave2`` (``/broker/discovery``, ``/ad/login``, ``/ad/code``, ``/mr/choose``,
``/mr/consent``, the DV's ``/result``), never through any role's internals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from urllib.parse import urlsplit

import requests

#: Hidden fields that mark a SAML POST-binding form (auto-submitted by script in a browser).
SAML_FIELDS = frozenset({"SAMLRequest", "SAMLResponse", "SAMLart"})
#: Words on a button or in a form action that mean "cancel" (Dutch and English pages).
CANCEL_WORDS = ("cancel", "annuleer", "afbreken", "stoppen")
MAX_STEPS = 40
#: The pages of a login, known by the path their main form posts to.
STEP_ACTIONS: dict[str, str] = {
    "discovery": "/broker/discovery",
    "ad-login": "/ad/login",
    "ad-code": "/ad/code",
    "mr-choose": "/mr/choose",
    "mr-consent": "/mr/consent",
    "mr-deny": "/mr/deny",
}


class WalkthroughError(RuntimeError):
    """The pages did not go as a user would expect; the message says where."""


@dataclass(frozen=True, slots=True)
class Control:
    """One form control: an input, a select's chosen option, or a button."""

    name: str
    value: str
    kind: str
    checked: bool = False
    label: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    action: str
    method: str
    controls: tuple[Control, ...]

    @property
    def buttons(self) -> tuple[Control, ...]:
        return tuple(c for c in self.controls if c.kind in ("submit", "button-submit"))

    def has(self, name: str) -> bool:
        return any(c.name == name for c in self.controls)

    def choices(self, name: str) -> tuple[Control, ...]:
        return tuple(c for c in self.controls if c.name == name and c.kind in ("radio", "option"))

    def is_saml_post(self) -> bool:
        return any(c.name in SAML_FIELDS for c in self.controls if c.kind == "hidden")

    def is_cancel(self) -> bool:
        return any(w in self.action.lower() for w in CANCEL_WORDS)


def _is_cancel_button(button: Control) -> bool:
    words = f"{button.name} {button.value} {button.label}".lower()
    return any(w in words for w in CANCEL_WORDS)


class _PageParser(HTMLParser):
    """Forms (with labels), visible text and dt/dd or th/td pairs of one HTML page."""

    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.forms: list[Form] = []
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.pairs: list[tuple[str, str]] = []
        self.by_id: list[tuple[str, str]] = []
        self._form: dict[str, Any] | None = None
        self._controls: list[dict[str, Any]] = []
        self._labels: dict[str, str] = {}
        self._skip = 0
        self._capture: list[tuple[str, dict[str, Any] | None, list[str]]] = []
        self._select: str | None = None
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get")}
            self._controls = []
        elif tag in ("input", "button") and self._form is not None:
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            if tag == "button" and kind == "submit":
                kind = "button-submit"
            control = {
                "name": a.get("name", ""),
                "value": a.get("value", "on" if kind in ("radio", "checkbox") else ""),
                "kind": kind,
                "checked": "checked" in a,
                "id": a.get("id", ""),
                "label": "",
            }
            self._controls.append(control)
            if tag == "button":
                self._capture.append(("button", control, []))
            for capture in self._capture:
                if capture[0] == "label" and capture[1] is None:
                    self._capture[self._capture.index(capture)] = ("label", control, capture[2])
        elif tag == "select" and self._form is not None:
            self._select = a.get("name", "")
        elif tag == "option" and self._select is not None:
            control = {"name": self._select, "value": a.get("value", ""), "kind": "option",
                       "checked": "selected" in a, "id": "", "label": ""}
            self._controls.append(control)
            self._capture.append(("option", control, []))
        elif tag == "label":
            self._capture.append(("label", None, [a.get("for", "")]))
        elif tag == "a" and a.get("href"):
            self.links.append((urljoin(self.base_url, a["href"]), ""))
        elif tag in ("dt", "th", "dd", "td"):
            self._capture.append((tag, None, [a.get("id", "")]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "form" and self._form is not None:
            for c in self._controls:
                if not c["label"] and c["id"] in self._labels:
                    c["label"] = self._labels[c["id"]]
            action = urljoin(self.base_url, self._form["action"] or self.base_url)
            controls = tuple(
                Control(c["name"], c["value"], c["kind"], c["checked"], c["label"])
                for c in self._controls
            )
            self.forms.append(Form(action, self._form["method"].lower(), controls))
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag in ("button", "option", "label", "dt", "th", "dd", "td"):
            self._close_capture(tag)

    def _close_capture(self, tag: str) -> None:
        for i in range(len(self._capture) - 1, -1, -1):
            if self._capture[i][0] == tag:
                _, control, parts = self._capture.pop(i)
                break
        else:
            return
        if tag == "label":
            for_id, words = parts[0], " ".join(" ".join(parts[1:]).split())
            if control is not None:
                control["label"] = words
            elif for_id:
                self._labels[for_id] = words
        elif tag in ("button", "option") and control is not None:
            control["label"] = " ".join(" ".join(parts).split())
            if tag == "option" and not control["value"]:
                control["value"] = control["label"]
        else:
            element_id, words = parts[0], " ".join(" ".join(parts[1:]).split())
            if element_id:
                self.by_id.append((element_id, words))
            if tag in ("dt", "th"):
                self._key = words
            elif self._key is not None:
                self.pairs.append((self._key, words))
                self._key = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        for capture in self._capture:
            capture[2].append(data)


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    status: int
    html: str
    text: str
    forms: tuple[Form, ...]
    pairs: tuple[tuple[str, str], ...]
    links: tuple[str, ...]
    #: Text of table cells and dd elements that have an id (stable across languages).
    by_id: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def form_with(self, predicate: Callable[[Form], bool]) -> Form | None:
        return next((f for f in self.forms if predicate(f)), None)


def parse_page(url: str, status: int, html: str) -> Page:
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    text = " ".join(" ".join(parser.text).split())
    links = tuple(link for link, _ in parser.links)
    return Page(
        url, status, html, text, tuple(parser.forms), tuple(parser.pairs), links,
        tuple(parser.by_id),
    )


@dataclass(frozen=True, slots=True)
class LoginPlan:
    """What the user does: which service, which credentials, which company, where to stop."""

    email: str
    password: str
    service_index: int = 1
    #: Text in the label of the mandate to choose (company name or number); first one if None.
    company: str | None = None
    #: The AD's entity id to choose at discovery; the first listed one if None.
    means_issuer: str | None = None
    force_authn: bool = False
    #: "ad" or "mr": cancel at that page, then stop at the next page the user sees.
    cancel_at: str | None = None
    #: Step names (``discovery``, ``ad-login``, ``mr-deny``, ...) to stop at instead of acting.
    stop_at: tuple[str, ...] = ()


@dataclass(slots=True)
class Outcome:
    """Where a login ended: the last page, the steps on the way and what the DV shows."""

    page: Page
    steps: list[str] = field(default_factory=list)
    #: Every page the user saw on the way (POST-binding pages excluded), in order.
    seen: list[Page] = field(default_factory=list)

    def saw(self, step: str) -> Page | None:
        """The last page of kind ``step`` the user saw."""
        return next((p for s, p in zip(reversed(self.steps_seen), reversed(self.seen),
                                       strict=True) if s == step), None)

    @property
    def steps_seen(self) -> list[str]:
        return [s for s in self.steps if s != "post-binding"]

    @property
    def received(self) -> dict[str, str]:
        """What the DV's result page shows, by field id (company, loa, branch, ...)."""
        if not self.page.path.endswith("/result") or self.page.status != 200:
            return {}
        return dict(self.page.by_id) or dict(self.page.pairs)

    @property
    def logged_in(self) -> bool:
        return self.page.status == 200 and bool(self.received)


class Walkthrough:
    """A browser without JavaScript, pointed at the demo DV."""

    def __init__(
        self,
        dv_url: str,
        sms_outbox: Path,
        *,
        session: requests.Session | None = None,
        say: Callable[[str], None] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.dv_url = dv_url.rstrip("/")
        self.sms_outbox = sms_outbox
        self.http = session or requests.Session()
        self.say = say or (lambda _line: None)
        self.timeout = timeout
        #: Every URL requested, redirects included, in order (the artifacts are in there).
        self.visited: list[str] = []
        self.http.hooks["response"].append(self._record)
        self._outbox_mark = 0

    def _record(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        self.visited.append(response.url)

    def _page(self, response: requests.Response) -> Page:
        return parse_page(response.url, response.status_code, response.text)

    def open(self, url: str) -> Page:
        return self._page(self.http.get(url, timeout=self.timeout))

    def post(self, url: str, data: Mapping[str, str]) -> Page:
        return self._page(self.http.post(url, data=dict(data), timeout=self.timeout))

    def submit(
        self, form: Form, values: Mapping[str, str] | None = None, button: Control | None = None
    ) -> Page:
        """Submit ``form`` as a browser would: its controls, ``values`` over them, ``button``."""
        data: list[tuple[str, str]] = []
        chosen_radio = {n for n in (values or {}) if form.choices(n)}
        for c in form.controls:
            if not c.name or c.kind in ("submit", "button-submit", "button", "reset"):
                continue
            if c.kind in ("radio", "checkbox", "option"):
                if c.checked and c.name not in chosen_radio:
                    data.append((c.name, c.value))
                continue
            data.append((c.name, (values or {}).get(c.name, c.value)))
        for name in chosen_radio:
            data.append((name, (values or {})[name]))
        for name, value in (values or {}).items():
            if not form.has(name):
                data.append((name, value))
        if button is not None and button.name:
            data.append((button.name, button.value))
        if form.method == "post":
            response = self.http.post(form.action, data=data, timeout=self.timeout)
        else:
            response = self.http.get(form.action, params=data, timeout=self.timeout)
        return self._page(response)

    def start(self, plan: LoginPlan) -> Page:
        """Press the DV's login button for the plan's service."""
        home = self.open(self.dv_url + "/")
        self.say(f"DV home page {home.url} ({home.status})")
        wanted = str(plan.service_index)
        extra = {"force_authn": "1"} if plan.force_authn else {}
        for form in home.forms:
            if "/saml/login" not in form.action:
                continue
            for button in form.buttons:
                if button.name == "service" and button.value == wanted:
                    return self.submit(form, extra, button)
            if any(c.name == "service" and c.value == wanted for c in form.controls):
                return self.submit(form, {"service": wanted, **extra})
        query = f"service={wanted}" + ("&force_authn=1" if plan.force_authn else "")
        return self.open(f"{self.dv_url}/saml/login?{query}")

    def login(self, plan: LoginPlan) -> Outcome:
        """Go from the DV's button through every page until the DV (or an end page) is reached."""
        return self.follow(self.start(plan), plan)

    def follow(self, first: Page, plan: LoginPlan) -> Outcome:
        """Go on from ``first`` (any page of a login) until the DV or an end page is reached."""
        outcome = Outcome(first)
        cancelled = False
        for _ in range(MAX_STEPS):
            page = outcome.page
            saml_form = page.form_with(Form.is_saml_post)
            if saml_form is not None:
                outcome.steps.append("post-binding")
                outcome.page = self.submit(saml_form)
                continue
            step = self._step_name(page)
            outcome.steps.append(step)
            outcome.seen.append(page)
            self.say(f"{step}: {page.url} ({page.status})")
            if step in ("dv-result", "other", *plan.stop_at) or cancelled:
                return outcome
            if plan.cancel_at is not None and step.startswith(plan.cancel_at + "-"):
                cancelled = True
                outcome.page = self._cancel(page)
                continue
            outcome.page = self._act(step, page, plan)
        raise WalkthroughError(f"no end after {MAX_STEPS} pages: {outcome.steps}")

    def _step_name(self, page: Page) -> str:
        # Pages are known by where their main form goes, not by their own URL: the AD and MR
        # show their first page at the SSO endpoint that received the artifact.
        if page.url.startswith(self.dv_url) and page.path.endswith("/result"):
            return "dv-result"
        actions = [urlsplit(f.action).path for f in page.forms if not f.is_cancel()]
        for name, suffix in STEP_ACTIONS.items():
            if any(action.endswith(suffix) for action in actions):
                return name
        return "other"

    def _cancel(self, page: Page) -> Page:
        for form in page.forms:
            button = next((b for b in form.buttons if _is_cancel_button(b)), None)
            if button is not None or form.is_cancel():
                self.say(f"cancel on {page.path}")
                return self.submit(form, button=button)
        for link in page.links:
            if any(w in link.lower() for w in CANCEL_WORDS):
                return self.open(link)
        raise WalkthroughError(f"no cancel button on {page.url}")

    def _main_form(self, step: str, page: Page) -> Form:
        for form in page.forms:
            if urlsplit(form.action).path.endswith(STEP_ACTIONS[step]):
                return form
        raise WalkthroughError(f"no {step} form on {page.url}")

    def _proceed_button(self, form: Form) -> Control | None:
        return next((b for b in form.buttons if not _is_cancel_button(b)), None)

    def _act(self, step: str, page: Page, plan: LoginPlan) -> Page:
        form = self._main_form(step, page)
        if step == "discovery":
            return self._choose(form, plan.means_issuer, "means issuer")
        if step == "ad-login":
            names = {c.kind: c.name for c in form.controls if c.kind in ("email", "password")}
            email = names.get("email") or next(
                (c.name for c in form.controls if "mail" in c.name.lower()), "email"
            )
            self._outbox_mark = self._outbox_size()
            values = {email: plan.email, names.get("password", "password"): plan.password}
            return self.submit(form, values, self._proceed_button(form))
        if step == "ad-code":
            code_field = next(
                (c.name for c in form.controls if "code" in c.name.lower() and c.kind != "hidden"),
                "code",
            )
            code = self.sms_code()
            self.say("entered the SMS code from the outbox")
            return self.submit(form, {code_field: code}, self._proceed_button(form))
        if step == "mr-choose":
            return self._choose(form, plan.company, "mandate")
        return self.submit(form, button=self._proceed_button(form))

    def _choose(self, form: Form, wanted: str | None, what: str) -> Page:
        options = [c for c in form.controls if c.kind in ("radio", "option", "button-submit")]
        options = [c for c in options if c.name and not _is_cancel_button(c)]
        if not options:
            return self.submit(form, button=self._proceed_button(form))
        pick = options[0]
        if wanted is not None:
            matches = [c for c in options if wanted in c.value or wanted in c.label]
            if not matches:
                shown = [c.label or c.value for c in options]
                raise WalkthroughError(f"no {what} matching {wanted!r} among {shown}")
            pick = matches[0]
        self.say(f"chose {what}: {pick.label or pick.value}")
        if pick.kind == "button-submit":
            return self.submit(form, button=pick)
        return self.submit(form, {pick.name: pick.value}, self._proceed_button(form))

    def _outbox_size(self) -> int:
        return len(self._outbox_lines())

    def _outbox_lines(self) -> list[str]:
        if not self.sms_outbox.exists():
            return []
        return self.sms_outbox.read_text(encoding="utf-8").splitlines()

    def sms_code(self) -> str:
        """The code of the newest SMS sent since the password was entered."""
        for line in reversed(self._outbox_lines()[self._outbox_mark :]):
            try:
                text = str(json.loads(line)["text"])
            except (ValueError, KeyError, TypeError):
                continue
            found = re.search(r"\b(\d{5,8})\b", text)
            if found:
                return found.group(1)
        raise WalkthroughError(f"no SMS code in {self.sms_outbox}")
