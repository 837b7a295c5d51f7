"""A function's init without garbage-collection passes (issue 12, cold init).

Importing boto3, Powertools and tokenvend and building two clients allocates so many
container objects that CPython's collector runs dozens of passes over its young
generations during the init and finds almost nothing to free: the init leaves about 400
objects in reference cycles. Measured with ``gc.callbacks`` on the benchmark machine, the
discovery function's init spent 22 ms in 37 passes (a bare ``import boto3`` and two
clients: 14 ms in 32), and ``benchmarks/cold_init.py`` timed that init at 297 ms with the
collector on and 262 ms with it off.

So each function imports this module before anything else, which turns the collector off,
and calls ``done()`` at the end of its init: every object alive then (about 100,000) moves
to the permanent generation (``gc.freeze``), and the collector is on again for what
requests allocate. Frozen, the init's objects are out of every later pass too: a full
collection that walked them all took about 50 ms here, and would otherwise fall on some
warm request. Reference counting frees all the while; the init's few cycles stay for the
container's life.
"""

import gc

gc.disable()


def done() -> None:
    """The init is over: keep what it made out of every later pass, and collect again."""
    gc.freeze()
    gc.enable()
