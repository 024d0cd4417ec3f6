"""``makelaar demo [--dir var/demo] [--walkthrough] [--fresh]``: the whole network on localhost.

Builds the development network once (keys, metadata, catalogue, settings), migrates and seeds
the means issuer's database, starts broker, means issuer and demo DV as separate processes and
prints where to start. With ``--walkthrough`` it then logs in once without a browser, prints
what the DV received and stops; its exit status is 0 only when the DV shows a logged-in result.
"""

from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any

from makelaar.commands.idp import DemoUser
from makelaar.commands.idp import demo_users
from makelaar.commands.idp import seed_database
from makelaar.demo import DemoError
from makelaar.demo import DemoNetwork
from makelaar.demo import DemoServers
from makelaar.demo import prepare_network
from makelaar.walkthrough import LoginPlan
from makelaar.walkthrough import Walkthrough
from makelaar.walkthrough import WalkthroughError


def _say(line: str = "") -> None:
    print(line, flush=True)


def _banner(network: DemoNetwork, users: tuple[DemoUser, ...]) -> None:
    urls = network.urls
    _say()
    _say("Makelaar demo is running. Start here:")
    _say(f"  demo service provider (DV):  {urls['dv']}/")
    _say(f"  broker (HM):                 {urls['broker']}/broker/metadata")
    _say(f"  means issuer (AD, MR, MR2):  {urls['idp']}/ad/metadata")
    _say()
    if users:
        _say("Demo users (log in with e-mail and password, then the SMS code):")
        width = max(len(u.email) for u in users)
        secret = max(len(u.password) for u in users)
        for u in users:
            _say(f"  {u.email:<{width}}  {u.password:<{secret}}  {u.level:<5} {u.description}")
    else:
        _say("No demo users: the means issuer has no seed data in this checkout.")
    _say()
    _say("SMS codes appear at:")
    _say(f"  {urls['idp']}/dev/sms")
    _say(f"  {network.sms_outbox} (one JSON line per message)")
    _say()


#: The walkthrough's user: two mandates, so the mandate choice shows; she picks the bakery.
WALKTHROUGH_USER = "carla@klusbedrijfjansen.example"
WALKTHROUGH_COMPANY = "Gouden Korst"


def walkthrough_plan(users: tuple[DemoUser, ...]) -> LoginPlan:
    """The demo's one login: a user with two mandates, at the eH2+ service of the demo DV."""
    user = next((u for u in users if u.email == WALKTHROUGH_USER), None)
    if user is None:
        raise WalkthroughError(f"no demo user {WALKTHROUGH_USER}")
    return LoginPlan(
        email=user.email, password=user.password, service_index=1, company=WALKTHROUGH_COMPANY
    )


def run_walkthrough(network: DemoNetwork, plan: LoginPlan) -> bool:
    _say(f"Walkthrough: {plan.email} logs in at service {plan.service_index} of the demo DV")
    walk = Walkthrough(network.urls["dv"], network.sms_outbox, say=lambda s: _say("  " + s))
    outcome = walk.login(plan)
    if not outcome.logged_in:
        _say(f"The login did not complete; it ended at {outcome.page.url}:")
        _say("  " + outcome.page.text[:400])
        return False
    _say("The DV received:")
    for key, value in outcome.received.items():
        _say(f"  {key}: {value}")
    return True


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM (a service manager, `kill`) stops the demo as cleanly as Ctrl-C does.
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # started in the background
    directory: Path = args.dir
    network, built = prepare_network(directory, fresh=args.fresh)
    _say(("built" if built else "using") + f" the development network in {directory}")
    added = seed_database(network.settings_file("idp"))
    _say(("seeded" if added else "using") + " the means issuer's demo data")
    users = demo_users()
    servers = DemoServers(network)
    try:
        servers.start()
    except DemoError as exc:
        _say(f"makelaar demo: {exc}")
        return 1
    try:
        _banner(network, users)
        if args.walkthrough:
            try:
                return 0 if run_walkthrough(network, walkthrough_plan(users)) else 1
            except WalkthroughError as exc:
                _say(f"walkthrough failed: {exc}")
                return 1
        _say("Press Ctrl-C to stop.")
        while not servers.crashed():
            time.sleep(0.5)
        _say(f"stopped: {', '.join(servers.crashed())} ended unexpectedly")
        return 1
    except KeyboardInterrupt:
        _say("\nstopping the demo")
        return 0
    finally:
        servers.stop()


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="run broker, means issuer and demo DV on localhost"
    )
    parser.add_argument(
        "--dir", type=Path, default=Path("var/demo"), help="where the network lives (var/demo)"
    )
    parser.add_argument(
        "--walkthrough", action="store_true", help="log in once without a browser, then stop"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the network and database")
    parser.set_defaults(func=_run)

