"""Synthetic transaction worlds with planted fraud rings (used by tests, the demo and benchmarks)."""

from graphrisk.synth.config import RING_TYPES, WorldConfig
from graphrisk.synth.generate import generate_world
from graphrisk.synth.world import World

__all__ = ["generate_world", "World", "WorldConfig", "RING_TYPES"]
