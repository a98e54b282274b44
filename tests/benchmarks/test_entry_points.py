"""Every benchmark stays runnable: each module imports and its ``--help`` parses.

Benchmarks are not in the default run, so a moved import (the county table left ``seed/`` for
``dispatch/geo/``) would otherwise only show when somebody next runs one.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import benchmarks

MODULES = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__))


def test_the_benchmarks_are_found() -> None:
    assert {"countryside", "solomon", "dispatch", "soak"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_a_benchmark_imports_and_explains_its_options(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    main = getattr(module, "main", None)
    if main is None or inspect.iscoroutinefunction(main):
        return  # a helper module, or a server another benchmark starts (ws_floor)
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "usage" in capsys.readouterr().out.lower()
