"""`dispatch demo`: a living province driven through the public API, as real clients would drive it.

The simulator is a set of small client actors (call arrivals, the console agent, technicians' tablets, a
countryside campaign day, owners watching their tracking links) that speak HTTP and websockets only; every
call they make goes through `seed.demo.client`. Time is simulated: the server's clock and the
simulator's both read `dispatch.clock.ScaledClock`, so nothing in the server sleeps. The same simulator is
the load generator of `benchmarks/soak.py`.
"""
