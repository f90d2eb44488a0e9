"""Biller gateways: where bill payments go (``core.ports.BillerGateway``).

``simulator`` is the development default and the tests' gateway. A real aggregator has
no public protocol shared across vendors; its adapter goes here beside the simulator.
"""
