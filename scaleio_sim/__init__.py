"""A faithful simulator of the ScaleIO / PowerFlex REST Gateway.

It is an independent witness of the gateway API: it imports none of this
project's other packages. Start one in-process with
:class:`scaleio_sim.server.Simulator`, or run ``scaleio-sim``.
"""
