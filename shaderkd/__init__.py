"""shaderkd: data-free knowledge distillation with procedural shader images."""
__version__ = "0.1.0"
