"""Which rank of a distributed job this process is, without importing torch.

Only rank 0 writes checkpoints; the other ranks run libckpt's writer as a
follower (CKPT_WRITER_FOLLOWER): they decide every epoch and restart exactly
as rank 0 does, and write nothing.
"""

import os
import sys
from typing import Optional

# Launchers' variables, in the order they are trusted.
RANK_VARIABLES = ("RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID")


def _torch_distributed():
    """torch.distributed when the trainer imported it and initialised it."""
    dist = sys.modules.get("torch.distributed")
    if dist is None or not dist.is_available() or not dist.is_initialized():
        return None
    return dist


def rank(explicit: Optional[int] = None) -> int:
    """This process's rank: explicit if given, else torch.distributed's when
    initialised, else the first of RANK, OMPI_COMM_WORLD_RANK, PMI_RANK,
    SLURM_PROCID that is set, else 0."""
    if explicit is not None:
        return int(explicit)
    dist = _torch_distributed()
    if dist is not None:
        return dist.get_rank()
    for name in RANK_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return int(value)
            except ValueError:
                raise ValueError("%s=%r: not a rank number" % (name, value)) from None
    return 0


def barrier() -> None:
    """Waits for every rank when torch.distributed is initialised."""
    dist = _torch_distributed()
    if dist is not None:
        dist.barrier()
