"""The commands of ``python -m geo``, one module per group (see :mod:`geo.cli`).

:mod:`~geo.commands.data` (``areas``, ``fetch``, ``sources``, ``check``),
:mod:`~geo.commands.analysis` (``analyse``, ``explain``),
:mod:`~geo.commands.reports` (``report``), :mod:`~geo.commands.planning`
(``scenario``, ``suggest``) and :mod:`~geo.commands.options` (what they share).
Each is imported only when its command runs, so ``--help`` stays fast.
"""
