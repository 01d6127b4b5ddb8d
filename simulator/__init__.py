"""Local Binance USDⓈ-M futures simulator: REST + the 2026 WS routes, driven by recorded or scripted data.

Public entry points: :func:`simulator.app.run_simulator` (async context manager),
:class:`simulator.app.SimulatorThread` (background-thread helper) and :func:`simulator.cli.main`. Nothing is
imported here: the paper executor uses the pure exchange model (`exchange.account`) and must not load the
simulator's web server with it (aiohttp, ~20 MB in every worker).
"""
