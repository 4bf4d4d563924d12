"""The scheduling world (a GP, a regulator) for the patient file's tests."""

from tests.scheduling.conftest import make_world

__all__ = ["make_world"]
