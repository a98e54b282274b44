"""Admin commands of the `dispatch` CLI: the first administrator, and importing a network from CSV.

`dispatch users create-admin` works on an empty production database right after `dispatch db upgrade`:
it is how the first person gets in. The password is prompted for (twice, not echoed), read from stdin
with ``--password-stdin``, or given with ``--password`` (visible in the process list; for scripts only).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from dispatch.auth.service import create_admin
from dispatch.db import make_engine
from dispatch.errors import DispatchError
from dispatch.fleet.network_csv import FILES
from dispatch.fleet.network_import import KINDS, import_network
from dispatch.settings import Settings


def add_admin_commands(commands: Any) -> None:
    """Add `users` and `fleet` to the CLI's sub-commands."""
    users = commands.add_parser("users", help="user administration")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    admin = user_commands.add_parser("create-admin", help="create an administrator (the first one, too)")
    admin.add_argument("--username", default="admin")
    admin.add_argument("--display-name", default="系统管理员 Administrator")
    source = admin.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    source.add_argument("--password", help="the password (visible to other users of this machine)")

    fleet = commands.add_parser("fleet", help="fleet administration")
    fleet_commands = fleet.add_subparsers(dest="fleet_command", required=True)
    imports = fleet_commands.add_parser(
        "import", help=f"import a network from a directory holding any of {', '.join(FILES)}"
    )
    imports.add_argument("directory", type=Path)
    imports.add_argument("--dry-run", action="store_true", help="check every row, write nothing")


def run_admin_command(args: argparse.Namespace, settings: Settings) -> None:
    if args.command == "users":
        _create_admin(args, settings)
    elif args.command == "fleet":
        _import_fleet(args, settings)


def _read_password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return str(args.password)
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / Password: ")
    if getpass.getpass("再次输入 / Repeat: ") != first:
        _fail("两次输入的密码不一致 / The passwords differ")
    return first


def _create_admin(args: argparse.Namespace, settings: Settings) -> None:
    password = _read_password(args)
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            user = create_admin(
                session=session, username=args.username, password=password, display_name=args.display_name
            )
            session.commit()
            print(f"已创建管理员 / Administrator created: {user.username} (id {user.id})", flush=True)
    except DispatchError as exc:
        _fail(exc.message)
    finally:
        engine.dispose()


def _import_fleet(args: argparse.Namespace, settings: Settings) -> None:
    directory: Path = args.directory
    files = {name: (directory / name).read_bytes() for name in FILES if (directory / name).is_file()}
    if not files:
        _fail(f"{directory} 中没有 {', '.join(FILES)} / No {', '.join(FILES)} in {directory}")
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            report = import_network(session=session, files=files, now=datetime.now(UTC), dry_run=args.dry_run)
            for error in report.errors:
                column = f" [{error.column}]" if error.column else ""
                print(f"{error.file}:{error.line}{column} {error.message}", flush=True)
            if not report.ok:
                count = len(report.errors)
                _fail(f"{count} 处错误，未写入任何数据 / {count} problems, nothing written")
            session.commit()
    finally:
        engine.dispose()
    mode = "试运行（未写入）/ dry run (nothing written)" if args.dry_run else "已导入 / imported"
    print(mode, flush=True)
    for kind in KINDS:
        print(
            f"  {kind}: {report.created[kind]} created, {report.updated[kind]} updated, "
            f"{report.unchanged[kind]} unchanged",
            flush=True,
        )


def _fail(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(1)
