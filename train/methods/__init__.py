"""Distillation methods besides the shader method: DFAD and RDSKD (generator baselines), and
KD on real images / supervised training as the references a data-free method is measured against.

The step functions live in `dfad.py` and `rdskd.py` (pure: models, optimisers and a noise
generator in, one update out); `sources.py` adapts them to the trainer loop in `train.distill`.
"""
from __future__ import annotations

METHODS = ("shader", "dfad", "rdskd", "real-kd", "supervised")
GENERATOR_METHODS = ("dfad", "rdskd")
REAL_METHODS = ("real-kd", "supervised")
