"""Video rooms for teleconsultations (the domain's `VideoRooms` interface)."""

from integrations.video.jitsi import JitsiRooms

__all__ = ["JitsiRooms"]
