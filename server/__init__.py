"""Transport and wiring: the Litestar app, settings, auth, controllers, CLI and migrations."""
