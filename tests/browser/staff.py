"""Staff in the browser: accounts made with ``teller staff create`` against the running
server's data, and the sign-in page filled in like a person would (password and the
authenticator's current code)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server

PASSWORD = "browser tests password"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class StaffLogin:
    username: str
    password: str
    totp: pyotp.TOTP


def create_staff(server: Server, *roles: str, name: str = "") -> StaffLogin:
    """A new local staff account with ``roles`` on ``server`` (through the CLI)."""
    username = f"{'-'.join(roles).replace('_', '-')}-{os.getpid()}-{next(_numbers)}"
    env = {**os.environ, "TELLER_DATA_DIR": str(server.data_dir), "TELLER_LOG_LEVEL": "WARNING"}
    env.pop("TELLER_DATABASE_URL", None)
    role_args = [arg for role in roles for arg in ("--role", role)]
    done = subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [
            sys.executable,
            "-m",
            "teller",
            "staff",
            "create",
            username,
            "--name",
            name or f"Test {username}",
            *role_args,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout.strip().splitlines()[-1])
    totp = pyotp.parse_uri(created["totp_uri"])
    assert isinstance(totp, pyotp.TOTP)
    return StaffLogin(username, PASSWORD, totp)


def sign_in(page: Page, server: Server, *roles: str, name: str = "") -> StaffLogin:
    """A fresh account with ``roles``, signed in on ``page``; lands on the start page."""
    login = create_staff(server, *roles, name=name)
    page.goto(f"{server.url}/backoffice/login")
    page.get_by_label("Username").fill(login.username)
    page.get_by_label("Password").fill(login.password)
    page.get_by_label("Code from your authenticator app").fill(login.totp.now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return login
