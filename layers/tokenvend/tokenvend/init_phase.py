"""A function's init without garbage-collection passes (issue 12, cold init).

Importing boto3, Powertools and tokenvend and building two clients leaves about 100,000
objects tracked by CPython's cyclic collector, and as they pile up it walks all of them,
again and again: one full pass over them costs about 50 ms on the benchmark machine, and
``benchmarks/cold_init.py`` measured the discovery function's init at 297 ms with the
collector on and 262 ms with it off (a bare ``import boto3`` and two clients: 235 and 224 ms).
Nothing needs collecting then: the init leaves about 400 objects in reference cycles.

So each function imports this module before anything else, which turns the collector off,
and calls ``done()`` at the end of its init: every object alive then moves to the permanent
generation (``gc.freeze``), where no later pass walks the modules and service models again,
and the collector is on for what requests allocate. Reference counting frees all the
while; the init's few cycles stay for the container's life.
"""

import gc

gc.disable()


def done() -> None:
    """The init is over: keep what it made out of every later pass, and collect again."""
    gc.freeze()
    gc.enable()
