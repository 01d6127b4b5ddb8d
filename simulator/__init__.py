"""Local Binance USDⓈ-M futures simulator: REST + the 2026 WS routes, driven by recorded or scripted data.

Public entry points: :func:`simulator.app.run_simulator` (async context manager),
:class:`simulator.app.SimulatorThread` (background-thread helper) and :func:`simulator.cli.main`.
"""

from simulator.app import RunningSimulator, SimulatorThread, run_simulator
from simulator.config import SimConfig

__all__ = ["RunningSimulator", "SimConfig", "SimulatorThread", "run_simulator"]
