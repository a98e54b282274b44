"""Pure routing library for roadside rescue and mobile-service dispatch.

Build a :class:`~routing.problem.RoutingProblem` from frozen dataclasses, call
:func:`routing.solver.solve` to get a :class:`~routing.plan.Plan`, and check any plan with
:func:`routing.validate.validate`. This package initialiser stays light: it never imports OR-Tools,
so ``import routing`` is cheap for callers that only need geodesy or travel times.
"""
