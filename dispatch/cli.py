"""The `dispatch` command: serve, seed, and manage the database schema.

`dispatch serve` with no configuration is the whole embedded system: it creates the SQLite database, runs
the migrations, seeds the province demo world if the database is empty, and starts the API.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

from sqlmodel import Session

from dispatch import schema
from dispatch.admin_cli import add_admin_commands, run_admin_command
from dispatch.db import make_engine
from dispatch.fleet.service import network_is_empty
from dispatch.settings import Environment, Settings, get_settings

log = logging.getLogger("dispatch")


def _print(message: str) -> None:
    print(message, flush=True)


DEMO_WORLD_GROUP = "dispatch.demo_world"
DEMO_SIMULATOR_GROUP = "dispatch.demo_simulator"
DemoWorldLoader = Callable[[Session, str, str], str]
DemoSimulator = Callable[[argparse.Namespace, Settings], int]


def _installed_plugin(group: str) -> Any:
    """The first entry point of `group` (the demo world and its simulator, provided by the `seed` package).

    Found by entry point rather than imported, so nothing in `dispatch` depends on the demo data.
    """
    found = list(entry_points(group=group))
    if not found:
        _print(f"没有安装演示数据 / No demo world is installed (entry point group {group})")
        raise SystemExit(1)
    return found[0].load()


def demo_world_loader() -> DemoWorldLoader:
    """The installed demo world (the ``dispatch.demo_world`` entry point)."""
    loader: DemoWorldLoader = _installed_plugin(DEMO_WORLD_GROUP)
    return loader


def seed_database(
    settings: Settings, scale: str, *, reset: bool = False, only_if_empty: bool = False
) -> bool:
    """Seed the demo world; returns False when it was skipped because data is already there."""
    if settings.environment is Environment.PRODUCTION:
        _print(
            "生产环境不加载演示数据（含默认密码账号）/ Production never loads the demo world "
            "(accounts with the demo password)"
        )
        raise SystemExit(1)
    load = demo_world_loader()
    if reset:
        _print("清空数据库 / Resetting the database ...")
        schema.downgrade(settings, "base")
    schema.upgrade(settings)
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            if not network_is_empty(session):
                if only_if_empty:
                    return False
                _print("数据库已有数据；用 --reset 重建 / Database is not empty; use --reset to rebuild it")
                raise SystemExit(1)
            started = time.perf_counter()
            _print(f"生成演示数据 / Building the {scale} demo world ...")
            summary = load(session, scale, settings.demo_password)
            session.commit()
    finally:
        engine.dispose()
    _print(f"  {summary} ({time.perf_counter() - started:.1f} s)")
    return True


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from dispatch.app import create_app

    _print("数据库迁移 / Migrating the database ...")
    schema.upgrade(settings)
    seeded = settings.seeds_demo_world and seed_database(settings, "province", only_if_empty=True)
    if not seeded:
        _print("使用现有数据 / Using the existing data")
    url = f"http://{args.host}:{args.port}"
    if "public_base_url" not in settings.model_fields_set:
        # Links sent to owners point at this server unless DISPATCH_PUBLIC_BASE_URL says otherwise.
        settings.public_base_url = url
    _print(f"\n调度系统已启动 / Dispatch is running at {url}")
    _print(f"  接口文档 / API docs: {url}/docs")
    _print(f"  数据库 / Database: {settings.database_url}")
    if settings.seeds_demo_world:
        _print("  演示账号 / Demo logins (password: DISPATCH_DEMO_PASSWORD, default 'demo'):")
        _print("    agent, agent2 (呼叫中心 call center), planner (规划 planner), admin (管理 admin),")
        _print("    tech001, tech002, ... (技术员 technicians, one per crew member)\n")
    if args.workers > 1 and settings.is_sqlite:
        _print(
            "  注意：SQLite 同一时刻只允许一个写入，多个进程只会互相排队，请改用 PostgreSQL / Note: SQLite "
            "takes one writer at a time, so several workers only queue behind each other; use PostgreSQL\n"
        )
    if args.workers > 1:
        # Several processes: each builds its own app from the environment (share events via Redis).
        uvicorn.run(
            "dispatch.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers
        )
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")


def _db(args: argparse.Namespace, settings: Settings) -> None:
    if args.db_command == "upgrade":
        schema.upgrade(settings, args.revision)
    elif args.db_command == "downgrade":
        schema.downgrade(settings, args.revision)
    else:
        engine = make_engine(settings)
        _print(schema.current_revision(engine) or "(empty database)")
        engine.dispose()


def _coverage(args: argparse.Namespace, settings: Settings) -> None:
    """Print service and rescue coverage of the world in the database, with the county gaps."""
    from dispatch.campaigns.coverage import coverage_report
    from dispatch.campaigns.coverage_table import format_coverage

    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            report = coverage_report(session=session, settings=settings)
    finally:
        engine.dispose()
    _print(format_coverage(report, limit=args.limit))


def _demo(args: argparse.Namespace, settings: Settings) -> None:
    """`dispatch demo`: the simulator lives with the demo world (``dispatch.demo_simulator`` entry point)."""
    simulate: DemoSimulator = _installed_plugin(DEMO_SIMULATOR_GROUP)
    raise SystemExit(simulate(args, settings))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dispatch", description="救援与流动服务调度 / Roadside dispatch")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API (migrates and seeds an empty database)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")

    seed = commands.add_parser("seed", help="load the deterministic demo world")
    seed.add_argument("--scale", choices=("small", "province", "national"), default="province")
    seed.add_argument("--reset", action="store_true", help="drop all data first")

    demo = commands.add_parser("demo", help="serve on simulated time and drive it with simulated clients")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--speed", type=float, default=10.0, help="simulated seconds per real second")
    demo.add_argument("--rate", default="6/h", help="breakdown calls per simulated hour (e.g. 6/h, 2/min)")
    demo.add_argument("--seed", type=int, default=1, help="same seed, same calls and decisions")
    demo.add_argument("--scale", choices=("small", "province", "national"), default="province")
    demo.add_argument("--for", dest="duration", default=None, help="real time to run (e.g. 10m, 2h)")

    coverage = commands.add_parser("coverage", help="print service/rescue coverage and county gaps")
    coverage.add_argument("--limit", type=int, default=30, help="gap rows to print per layer")

    add_admin_commands(commands)

    db = commands.add_parser("db", help="schema migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_commands.add_parser("downgrade", help="migrate down to a revision")
    downgrade.add_argument("revision")
    db_commands.add_parser("current", help="print the current revision")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    settings = get_settings()
    if args.command == "serve":
        _serve(args, settings)
    elif args.command == "seed":
        seed_database(settings, args.scale, reset=args.reset)
    elif args.command == "db":
        _db(args, settings)
    elif args.command == "coverage":
        _coverage(args, settings)
    elif args.command == "demo":
        _demo(args, settings)
    else:
        run_admin_command(args, settings)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
