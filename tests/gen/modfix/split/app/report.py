"""Calls sorted and time.sleep lightly, and the heavy library."""
import time

import heavy


def main(small, big):
    time.sleep(0.005)
    sorted(small)
    sorted(small[:2000], key=heavy.keyfn)
    return heavy.crunch(big)


def callback_main(keys, big):
    # heavy is entered twice: through sorted's key function (a built-in
    # calling back into heavy), then directly.
    sorted(keys, key=heavy.slowkey)
    return heavy.sort_once(big)
