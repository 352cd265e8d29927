"""Distillation methods besides the shader method: DFAD and RDSKD (generator baselines), and
KD on real images / supervised training as the references a data-free method is measured against.

Every method is a `source.Source` registered by name (`source.source_class`): `shader.py` (the
shader method), `sources.py` (DFAD, RDSKD, real-image KD, supervised; the generator math lives in
`dfad.py` and `rdskd.py`). The one loop they all run in is `train.loop`.
"""
from __future__ import annotations

METHODS = ("shader", "dfad", "rdskd", "real-kd", "supervised")
REAL_METHODS = ("real-kd", "supervised")
