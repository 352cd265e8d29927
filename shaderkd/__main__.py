"""`python -m shaderkd ...` (and `torchrun -m shaderkd distill ...`): the `shaderkd` console script."""
from shaderkd.cli import main

main(prog_name="shaderkd")
