"""Module b: called from a, calls back into a."""
import time

import a


def b1():
    time.sleep(0.04)
    a.a2()


def b2():
    time.sleep(0.08)


def g(n):
    time.sleep(0.05)
    if n > 1:
        a.f(n - 1)
