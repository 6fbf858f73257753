"""Simulation of the annotation line, and the queueing theory it is checked against."""
