"""Module a of the re-entry pair (see b.py)."""
import time

import b


def a1():
    time.sleep(0.02)
    b.b1()


def a2():
    time.sleep(0.06)
    b.b2()


def f(n):
    time.sleep(0.02)
    b.g(n)
