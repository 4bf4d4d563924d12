"""ASGI entry point for process managers (granian, uvicorn): configuration from the environment."""

from server.app import create_app

app = create_app()
