"""``dutydesk mail fetch`` against a real Dovecot on 127.0.0.1, on SQLite and PostgreSQL.

The fixture starts Dovecot with a throwaway configuration (a passwd-file
user, a Maildir in a private temporary folder, plain auth allowed on loopback
only) on a free high port, and stops it by its PID. A machine without Dovecot
fails here on purpose: ``make test`` installs it (``dovecot-imapd``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from imapclient import IMAPClient
from typer.testing import CliRunner

from dutydesk.config import ImapSettings
from dutydesk.errors import DutydeskError
from dutydesk.services.intake_imap import fetch_mail, read_cursor
from dutydesk.store.engine import StoreError

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "fixtures" / "mail"))
from mailmaker import mail  # noqa: E402

PASSWORD_ENV = "DUTYDESK_TEST_IMAP_PASSWORD"


@dataclass
class Dovecot:
    port: int
    user: str
    password: str
    root: Path
    pid: int

    def client(self, password: str | None = None) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, password or self.password)
        return client

    def deliver(self, *raws: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in raws:
                client.append(folder, raw)
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            return {uid: tuple(f) for uid, f in client.get_flags(client.search(["ALL"])).items()}
        finally:
            client.logout()

    def recreate(self, folder: str) -> None:
        """Delete and create the folder again: the server gives it a new UIDVALIDITY."""
        client = self.client()
        try:
            client.delete_folder(folder)
            client.create_folder(folder)
        finally:
            client.logout()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dovecot_binary() -> str:
    found = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if found is None:
        pytest.fail("dovecot is not installed; `make test` installs it (apt-get install dovecot-imapd)")
    return found


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = dutydesk-test-{port}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {uid}
{users}
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture
def dovecot():
    binary = _dovecot_binary()
    # Not under pytest's tmp_path: Dovecot's unprivileged processes must reach the Maildir.
    root = Path(tempfile.mkdtemp(prefix="dutydesk-dovecot-"))
    root.chmod(0o755)
    (root / "home").mkdir()
    port = _free_port()
    if os.geteuid() == 0:  # Dovecot never keeps mail as root: use nobody
        owner = pwd.getpwnam("nobody")
        uid, gid, users = owner.pw_uid, owner.pw_gid, ""
        os.chown(root / "home", uid, gid)
    else:  # an ordinary user runs every Dovecot process as itself
        uid, gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(uid).pw_name
        users = f"default_login_user = {me}\ndefault_internal_user = {me}"
    (root / "passwd").write_text("desk:{PLAIN}s3cret-pass::::::\n", encoding="utf-8")
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port, uid=uid, gid=gid, users=users))
    proc = subprocess.Popen([binary, "-F", "-c", str(root / "dovecot.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                    pytest.fail(f"dovecot did not start: {proc.stderr.read().decode() if proc.poll() is not None else ''}"
                                f"{log}")
                time.sleep(0.05)
        yield Dovecot(port, "desk", "s3cret-pass", root, proc.pid)
    finally:
        proc.terminate()  # by its PID; the master stops its children
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()  # type: ignore[union-attr]
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def box(desk, dovecot, monkeypatch: pytest.MonkeyPatch):
    """The desk, configured for the test server (plain IMAP on loopback, as the configuration must say)."""
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    imap = ImapSettings(host="127.0.0.1", port=dovecot.port, security="plain", username=dovecot.user,
                        password_env=PASSWORD_ENV, timeout_s=10)
    return replace(desk, settings=desk.settings.model_copy(update={"imap": imap}))


def with_folder(desk, folder: str):
    return replace(desk, settings=desk.settings.model_copy(
        update={"imap": desk.settings.imap.model_copy(update={"folder": folder})}))


SEEN = b"\\Seen"


def test_fetch_imports_marks_seen_and_never_deletes(box, dovecot: Dovecot) -> None:
    dovecot.deliver(mail(message_id="f1@acme.ru"), mail(message_id="f2@acme.ru", in_reply_to="f1@acme.ru"),
                    mail(sender=None, message_id="f3@acme.ru"))
    report = fetch_mail(box)
    assert [i.outcome for i in report.items] == ["new_task", "threaded", "quarantined"]
    uidvalidity = read_cursor(box, f"desk@127.0.0.1:{dovecot.port}/INBOX")[0]
    assert report.items[0].source == f"imap://desk@127.0.0.1:{dovecot.port}/INBOX;UIDVALIDITY={uidvalidity}/;UID=1"
    assert read_cursor(box, f"desk@127.0.0.1:{dovecot.port}/INBOX") == (uidvalidity, 3)
    flags = dovecot.flags()
    assert sorted(flags) == [1, 2, 3] and all(SEEN in f for f in flags.values())  # all still there, all seen


def test_a_second_fetch_reads_only_what_arrived_since(box, dovecot: Dovecot) -> None:
    dovecot.deliver(mail(message_id="a1@acme.ru"), mail(message_id="a2@acme.ru"))
    assert len(fetch_mail(box).items) == 2
    assert fetch_mail(box).items == []
    dovecot.deliver(mail(message_id="a3@acme.ru", in_reply_to="a1@acme.ru"), mail(message_id="a2@acme.ru"))
    report = fetch_mail(box)
    assert [(i.outcome, i.source.rsplit("=", 1)[1]) for i in report.items] == [("threaded", "3"), ("duplicate", "4")]


def test_a_new_uidvalidity_reads_the_folder_again_and_dedupe_keeps_it_safe(box, dovecot: Dovecot) -> None:
    desk = with_folder(box, "Support")
    first = [mail(message_id="u1@acme.ru"), mail(message_id="u2@acme.ru")]
    dovecot.deliver(*first, folder="Support")
    assert [i.outcome for i in fetch_mail(desk).items] == ["new_task", "new_task"]
    name = f"desk@127.0.0.1:{dovecot.port}/Support"
    old = read_cursor(desk, name)
    dovecot.recreate("Support")
    dovecot.deliver(*first, mail(message_id="u3@acme.ru"), folder="Support")
    report = fetch_mail(desk)
    assert [i.outcome for i in report.items] == ["duplicate", "duplicate", "new_task"]
    new = read_cursor(desk, name)
    assert new[0] != old[0] and new[1] == 3
    assert all(SEEN in f for f in dovecot.flags("Support").values())


def test_seen_is_set_only_once_the_messages_are_committed(box, dovecot: Dovecot,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from dutydesk.services import intake_batch

    dovecot.deliver(mail(message_id="s1@acme.ru"), mail(message_id="s2@acme.ru"))
    real = intake_batch.Batch.write
    seen_while_writing = []

    def spy(self):
        seen_while_writing.append({uid: SEEN in f for uid, f in dovecot.flags().items()})
        return real(self)
    monkeypatch.setattr(intake_batch.Batch, "write", spy)
    fetch_mail(box)
    assert seen_while_writing == [{1: False, 2: False}]
    assert all(SEEN in f for f in dovecot.flags().values())

    # A store that fails: nothing is marked seen, the cursor does not move, the next fetch gets everything.
    dovecot.deliver(mail(message_id="s3@acme.ru"))

    def broken(self):
        raise StoreError("the database is busy (another desk is writing); try again")
    monkeypatch.setattr(intake_batch.Batch, "write", broken)
    with pytest.raises(StoreError):
        fetch_mail(box)
    assert SEEN not in dovecot.flags()[3]
    assert read_cursor(box, f"desk@127.0.0.1:{dovecot.port}/INBOX")[1] == 2
    monkeypatch.setattr(intake_batch.Batch, "write", real)
    assert [i.outcome for i in fetch_mail(box).items] == ["new_task"] and SEEN in dovecot.flags()[3]


def test_a_bad_password_is_one_clear_line(box, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with pytest.raises(DutydeskError) as info:
        fetch_mail(box)
    message = str(info.value)
    assert message == (f"IMAP 127.0.0.1:{dovecot.port} refused the login of desk: "
                       "[AUTHENTICATIONFAILED] Authentication failed.")
    assert "\n" not in message


def test_the_cli_fetches_with_json_and_says_one_line_on_errors(db_url: str, dovecot: Dovecot) -> None:
    from dutydesk.cli import app

    env = {"DUTYDESK_IMAP__HOST": "127.0.0.1", "DUTYDESK_IMAP__PORT": str(dovecot.port),
           "DUTYDESK_IMAP__SECURITY": "plain", "DUTYDESK_IMAP__USERNAME": "desk",
           "DUTYDESK_IMAP__PASSWORD_ENV": PASSWORD_ENV, PASSWORD_ENV: dovecot.password}
    dovecot.deliver(mail(message_id="c1@acme.ru"))
    argv = ["--db", db_url, "--now", "2026-12-01T10:00", "mail", "fetch", "--json"]
    result = CliRunner().invoke(app, argv, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data = __import__("json").loads(result.stdout)
    assert list(data) == ["new_tasks", "threaded", "duplicates", "ignored", "quarantined", "items"]
    assert data["new_tasks"] == 1 and data["items"][0]["task"] == "SUP-1001"
    bad = CliRunner().invoke(app, argv, env={**env, PASSWORD_ENV: "nope"}, catch_exceptions=False)
    assert bad.exit_code == 1 and errors(bad.stderr) == [
        f"dutydesk: IMAP 127.0.0.1:{dovecot.port} refused the login of desk: "
        "[AUTHENTICATIONFAILED] Authentication failed."]
    closed = CliRunner().invoke(app, argv, env={**env, "DUTYDESK_IMAP__PORT": str(_free_port())},
                                catch_exceptions=False)
    [line] = errors(closed.stderr)
    assert closed.exit_code == 1 and line.startswith("dutydesk: cannot connect to IMAP 127.0.0.1:")


def errors(stderr: str) -> list[str]:
    """The error lines, without the warnings other features may print first."""
    return [line for line in stderr.splitlines() if not line.startswith("dutydesk: warning:")]
