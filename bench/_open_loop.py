"""Open-loop labeling load: contractors arrive at a set rate and work as people do.

Each simulated contractor arrives already signed in (as a returning contractor, or a crowd
participant sent in by a study link: password hashing, half a second of CPU by design, is not what
this measures), opens the task queue, asks for the next task, then repeats: labeling page -> reads
(exponential, mean READ_S) -> 0-3 flaws, each after typing for a while (mean TYPE_S) and each followed
by an autosave of the rating, as the page's autosave does -> an active-time flush -> submit, whose
answer is a redirect to the next task's page, which the browser follows. One in ten (BREAK_P) then
takes a break: back to the task list, a pause (mean BREAK_S), "next task" from there. Arrivals are
Poisson over the ramp; every contractor stays until the end. One asyncio loop drives them all, so
the generator costs little CPU beside the server it measures.

Retries: only what a browser does. Chromium resends a request once when a reused keep-alive
connection turns out closed before any byte of the answer came back (the server's keep-alive timer
and the next request crossed); nothing else is retried, and every other failure is an error.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

READ_S, TYPE_S, CHECK_S = 30.0, 12.0, 5.0
BREAK_P, BREAK_S = 0.1, 60.0  # after a task, one in ten takes a break (mean a minute)


@dataclass
class OpenLoopResult:
    measure_from: float = 0.0  # monotonic time the ramp ends: only the steady state is timed
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    retried: int = 0
    submitted: int = 0
    submitted_steady: int = 0
    handed: list[int] = field(default_factory=list)


class Person:
    def __init__(
        self,
        base: str,
        username: str,
        cookie: tuple[str, str],
        result: OpenLoopResult,
        rng: random.Random,
        scale: float,
    ) -> None:
        self.base, self.username = base, username
        self.result, self.rng, self.scale = result, rng, scale
        jar = aiohttp.CookieJar(unsafe=True)
        jar.update_cookies(dict([cookie]), URL(base))
        self.session = aiohttp.ClientSession(base_url=base, cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60))

    def _headers(self) -> dict[str, str]:
        token = next((c.value for c in self.session.cookie_jar if c.key == "csrftoken"), "")
        return {"X-CSRFToken": token, "HX-Request": "true"}

    async def _call(self, name: str, method: str, url: str, **kwargs: object) -> aiohttp.ClientResponse:
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                response = await self.session.request(method, url, allow_redirects=False, **kwargs)  # type: ignore[arg-type]
                await response.read()
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                if attempt == 2:
                    raise
                self.result.retried += 1  # a closed keep-alive connection: resent once, as a browser does
                continue
            if time.monotonic() >= self.result.measure_from:
                self.result.timings[name].append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                raise RuntimeError(f"{name} {url}: HTTP {response.status}")
            return response
        raise AssertionError("unreachable")

    async def _pause(self, mean_s: float, until: float) -> bool:
        """Think for a while (exponential); False when the run ends first. Scale 0: no thinking at all."""
        if self.scale == 0:
            return time.monotonic() < until
        delay = self.rng.expovariate(1 / (mean_s * self.scale))
        if time.monotonic() + delay >= until:
            return False
        await asyncio.sleep(delay)
        return True

    async def arrive(self) -> None:
        await self._call("queue_page", "GET", "/tasks/")

    async def work(self, until: float) -> None:
        response = await self._call("next_task", "POST", "/tasks/next/", headers=self._headers())
        while time.monotonic() < until:
            match = re.fullmatch(r"/tasks/(\d+)/", response.headers.get("Location", ""))
            if match is None:
                return
            task = int(match.group(1))
            self.result.handed.append(task)
            await self._call("labeling_page", "GET", f"/tasks/{task}/")
            if not await self._pause(READ_S, until):
                return
            for n in range(self.rng.randint(0, 3)):
                if not await self._pause(TYPE_S, until):
                    return
                flaw = {
                    "description": f"flaw {n}",
                    "severity": "major",
                    "category": "accuracy",
                    "start": n,
                    "end": n + 5,
                }
                await self._call("add_flaw", "POST", f"/tasks/{task}/flaws/", data=flaw, headers=self._headers())
                rating = {"rating": str(self.rng.randint(1, 7))}
                await self._call("autosave", "POST", f"/tasks/{task}/draft/", data=rating, headers=self._headers())
            if not await self._pause(CHECK_S, until):
                return
            await self._call(
                "active_time", "POST", f"/tasks/{task}/time/", data={"seconds": "45"}, headers=self._headers()
            )
            # Submitting answers with the next task (the browser follows that redirect to its page).
            response = await self._call(
                "submit", "POST", f"/tasks/{task}/submit/", data={"rating": "3"}, headers=self._headers()
            )
            self.result.submitted += 1
            self.result.submitted_steady += time.monotonic() >= self.result.measure_from
            if self.rng.random() < BREAK_P:  # a break: back to the task list, later "next task" from there
                await self._call("queue_page", "GET", "/tasks/")
                if not await self._pause(BREAK_S, until):
                    return
                response = await self._call("next_task", "POST", "/tasks/next/", headers=self._headers())


async def run_open_loop(
    base: str, cookies: dict[str, tuple[str, str]], ramp_s: float, steady_s: float, scale: float = 1.0
) -> OpenLoopResult:
    """Contractors arrive over `ramp_s` (Poisson), all work until `ramp_s + steady_s` is over; `scale`
    multiplies every think time (1: people)."""
    result = OpenLoopResult(measure_from=time.monotonic() + ramp_s)
    rng = random.Random(2026)
    until = time.monotonic() + ramp_s + steady_s
    people = [
        Person(base, name, cookie, result, random.Random(rng.random()), scale) for name, cookie in cookies.items()
    ]

    async def arrive(person: Person, at: float) -> None:
        await asyncio.sleep(at)
        try:
            await person.arrive()
            await person.work(until)
        except Exception as exc:  # every failure is counted and shown
            result.errors.append(f"{person.username}: {type(exc).__name__}: {exc}")
        finally:
            await person.session.close()

    at, arrivals = 0.0, []
    for person in people:
        arrivals.append(arrive(person, at))
        at += rng.expovariate(len(people) / ramp_s) if ramp_s > 0 else 0.0
    await asyncio.gather(*arrivals)
    return result
