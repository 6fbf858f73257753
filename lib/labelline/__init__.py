"""Labelline: the economics of data annotation, from labeling logs and simulations."""

__version__ = "0.1.0"
