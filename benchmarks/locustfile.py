"""The audit month as Locust users (make bench-load; benchmarks/bench_load.py drives it).

Reads the plan that bench_load.py prepared (BENCH_LOAD_PLAN, JSON): accounts and, for each
auditor, a draft form of the largest shipped audit tool. Each simulated person signs in through
the real sign-in form, then:

- auditors (weight 6): open a section, autosave it (a unique token in a free-text answer; the
  acknowledged row version is recorded), now and then save and continue (the section marked
  complete);
- moderators (weight 2): open audits' moderation pages;
- managers (weight 2): open dashboards (cycle progress, escalations, home).

BENCH_LOAD_TARGET=bare replaces all three with one signed-in GET of a bare view rendering the
base template (the framework's floor, for the ratio). All BENCH_LOAD_PEOPLE people sign in during
an unmeasured warm-up (and BENCH_LOAD_WARM_SECONDS after the last of them), then their pace steps the total request rate up
(BENCH_LOAD_STEPS, requests a second; BENCH_LOAD_STEP_SECONDS each). Every request is recorded
with its time to BENCH_LOAD_OUT (JSON) for bench_load.py to analyse.
"""

import itertools
import json
import os
import random
import re
import time
import uuid

from locust import HttpUser, LoadTestShape, events, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"]).read())  # noqa: SIM115
TARGET = os.environ.get("BENCH_LOAD_TARGET", "mix")
STEPS = [int(s) for s in os.environ.get("BENCH_LOAD_STEPS", "4,8,12,16,24,32").split(",")]
STEP_SECONDS = int(os.environ.get("BENCH_LOAD_STEP_SECONDS", "20"))
# Everyone signs in first (Argon2 is deliberately slow), unmeasured; then the steps begin.
WARM_SECONDS = int(os.environ.get("BENCH_LOAD_WARM_SECONDS", "30"))
PEOPLE = int(os.environ.get("BENCH_LOAD_PEOPLE", str(max(STEPS))))
OUT = os.environ["BENCH_LOAD_OUT"]
ROW_VERSION = re.compile(r'name="row_version" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

records: list[tuple[float, str, float, bool]] = []  # (time, name, ms, failed)
acknowledged: list[dict[str, object]] = []  # autosaves the server acknowledged
started = time.time()
signed_in: list[float] = []  # the steps begin WARM_SECONDS after the last person signed in
steps_start: list[float] = []


def steps_began() -> float | None:
    """Seconds after `started` when the first step began (None: still signing in)."""
    if not steps_start and len(signed_in) >= PEOPLE:
        steps_start.append(max(signed_in) + WARM_SECONDS)
    return steps_start[0] if steps_start else None


@events.request.add_listener
def record(request_type, name, response_time, response_length, exception=None, **kwargs):  # type: ignore[no-untyped-def]
    records.append((time.time() - started, name, response_time, exception is not None))


@events.quitting.add_listener
def write(environment, **kwargs):  # type: ignore[no-untyped-def]
    with open(OUT, "w") as out:
        json.dump(
            {"records": records, "acknowledged": acknowledged, "steps_began": steps_began()}, out
        )


def current_rate() -> float:
    """Requests a second wanted now, for all the simulated people together."""
    began = steps_began()
    elapsed = time.time() - started - began if began is not None else -1
    if elapsed < 0:
        return max(1.0, PEOPLE / 10)  # signing in: a trickle of other requests
    return STEPS[min(int(elapsed // STEP_SECONDS), len(STEPS) - 1)]


class SignedIn(HttpUser):
    abstract = True
    accounts = itertools.cycle([{}])

    def wait_time(self) -> float:
        """Paced so that PEOPLE people together make current_rate() requests a second (the
        time a request took counts towards the wait, as Locust's constant_pacing does)."""
        interval = PEOPLE / current_rate()
        last = getattr(self, "_last_start", None)
        now = time.time()
        self._last_start = now + max(0.0, interval - (now - last if last else 0.0))
        return max(0.0, interval - (now - last)) if last else random.uniform(0, interval)

    def on_start(self) -> None:
        self.account = next(self.accounts)
        try:
            page = self.client.get("/accounts/sign-in/", name="sign-in page")
            token = CSRF.search(page.text).group(1)
            self.client.post(
                "/accounts/sign-in/",
                {
                    "username": self.account["username"],
                    "password": PLAN["password"],
                    "csrfmiddlewaretoken": token,
                },
                name="sign in",
            )
        finally:  # counted even when it failed, so the steps always begin
            signed_in.append(time.time() - started)

    def post(self, url: str, data: dict[str, object], name: str):  # type: ignore[no-untyped-def]
        token = self.client.cookies.get("csrftoken", "")
        return self.client.post(url, data, headers={"X-CSRFToken": token}, name=name)


class Auditor(SignedIn):
    weight = 6
    accounts = itertools.cycle(PLAN["auditors"])

    def on_start(self) -> None:
        super().on_start()
        self.version = None
        self.open_section()

    def open_section(self) -> None:
        page = self.client.get(self.account["section_url"], name="auditor: open a section")
        found = ROW_VERSION.search(page.text)
        self.version = int(found.group(1)) if found else None

    @task(6)
    def autosave(self) -> None:
        if self.version is None:
            self.open_section()
            return
        token = uuid.uuid4().hex
        data = {**self.account["autosave"], "row_version": str(self.version)}
        data[self.account["token_field"]] = f"Said at home visit {token}."
        with self.client.post(
            self.account["autosave_url"],
            data,
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "HX-Request": "true"},
            name="auditor: autosave",
            catch_response=True,
        ) as response:
            found = ROW_VERSION.search(response.text or "")
            if response.status_code == 200 and found:
                self.version = int(found.group(1))
                acknowledged.append(
                    {"response": self.account["response_id"], "version": self.version,
                     "token": token}
                )  # fmt: skip
                response.success()
            elif response.status_code == 200 and "changed somewhere else" in response.text:
                response.success()  # someone (a save not acknowledged) moved on: reload
                self.version = None
            else:
                self.version = None

    @task(3)
    def reopen(self) -> None:
        self.open_section()

    @task(1)
    def save_and_continue(self) -> None:
        if self.version is None:
            self.open_section()
            return
        data = {**self.account["save"], "row_version": str(self.version)}
        response = self.post(self.account["section_url"], data, "auditor: save and continue")
        self.version = None  # the next section page tells the new version
        if response.status_code >= 400:
            response.failure(f"status {response.status_code}")


class Moderator(SignedIn):
    weight = 2
    accounts = itertools.cycle(PLAN["moderators"])

    @task
    def moderate(self) -> None:
        url = self.account["urls"][int(time.time()) % len(self.account["urls"])]
        self.client.get(url, name="moderator: moderation page")


class Manager(SignedIn):
    weight = 2
    accounts = itertools.cycle(PLAN["managers"])

    @task
    def dashboard(self) -> None:
        url = self.account["urls"][int(time.time()) % len(self.account["urls"])]
        self.client.get(url, name="manager: dashboard")


class Bare(SignedIn):
    accounts = itertools.cycle(PLAN["auditors"])

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="bare view")


class RisingRate(LoadTestShape):
    """All the people at once (they sign in during the warm-up), then the rate steps up."""

    def tick(self):  # type: ignore[no-untyped-def]
        began = steps_began()
        if began is not None and time.time() - started >= began + STEP_SECONDS * len(STEPS):
            return None
        return PEOPLE, max(PEOPLE / 10, 2)


# Locust runs every User class it finds here: keep only those of this run (and of the mix, only
# the people the plan found pages for).
if TARGET == "bare":
    del Auditor, Moderator, Manager
else:
    del Bare
    if not PLAN["moderators"] or not PLAN["moderators"][0]["urls"]:
        del Moderator
    if not PLAN["managers"]:
        del Manager
