# -*- coding: ascii -*-
"""Deterministic profiling workload for profreport test fixtures.

Runs unchanged under CPython 2.7, 3.6-3.13 and PyPy3.  It exercises the
shapes a .prof reader must handle: plain functions, direct recursion (fact),
mutual recursion (even/odd), a generator drained by sum() and list(),
builtins and C methods (len, sorted, list.append, dict.get/items/setdefault),
a class with methods, a classmethod and a staticmethod, a lambda, list/dict
comprehensions, a decorated function (its key line is the decorator line),
and on Python 3 only: a function with a non-ASCII name compiled from source
text with a non-ASCII pseudo filename, and one compiled with a filename that
holds a lone surrogate (what os.fsdecode() makes of an undecodable byte), so
the .prof contains marshal's surrogatepass bytes ED B3 BF.

Usage:
    python workload.py OUT.prof               # cProfile.Profile().runcall(main)
    python workload.py OUT.prof --profile-py  # profile.Profile().runcall(main)
    python workload.py                        # just run main() (for -m profile/-m cProfile)

Call counts are identical on every run of a given interpreter; only times
(and, for profile.py, the address in the runcall label) vary.
"""
import functools
import sys

ROUNDS = 6          # repeat the whole mix; keeps files small, times non-zero
BUSY = 6000         # iterations of a pure-Python loop so times are not all 0


def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def even(n):
    if n == 0:
        return True
    return odd(n - 1)


def odd(n):
    if n == 0:
        return False
    return even(n - 1)


def squares(n):
    for i in range(n):
        yield i * i


def logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


@logged
def decorated_sum(values):
    total = 0
    for v in values:
        total += v
    return total


class Shape(object):
    def __init__(self, w, h):
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h

    def scaled(self, k):
        return Shape(self.w * k, self.h * k)

    @classmethod
    def square(cls, side):
        return cls(side, side)

    @staticmethod
    def describe(shape):
        return "%dx%d" % (shape.w, shape.h)


def busy(n):
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) % 1000003
    return acc


def word_counts(words):
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    groups = {}
    for w, c in counts.items():
        groups.setdefault(c, []).append(w)
    return counts, groups


# Python 3 only: identifiers may be non-ASCII, and a code object's filename may
# carry surrogateescape code points.  Built from escaped source text so that
# this file stays ASCII and still parses on Python 2.
extra = {}
if sys.version_info[0] >= 3:
    _src = u"def funci\u00f3n_\u00e9t\u00e9(n):\n    return [n + k for k in range(3)]\n"
    exec(compile(_src, u"<workload-\u00fcnicode>", "exec"), extra)
    _src2 = u"def surrogate_file(n):\n    return n * 2\n"
    exec(compile(_src2, u"<workload-\udcff-bad>", "exec"), extra)


def unicode_part(n):
    if not extra:
        return 0
    fn = extra[u"funci\u00f3n_\u00e9t\u00e9"]
    total = 0
    for i in range(n):
        total += sum(fn(i))
        total += extra["surrogate_file"](i)
    return total


def main():
    words = ("alpha beta gamma beta delta alpha beta epsilon " * 3).split()
    results = []
    for r in range(ROUNDS):
        results.append(fact(8 + r % 3))
        results.append(even(6))
        results.append(odd(7))
        results.append(sum(squares(10)))
        results.append(len(list(squares(5))))
        shapes = [Shape(i + 1, (i * 7) % 5 + 1) for i in range(6)]
        shapes.append(Shape.square(3).scaled(2))
        ordered = sorted(shapes, key=lambda s: s.area())
        results.append(len([Shape.describe(s) for s in ordered]))
        areas = dict((Shape.describe(s), s.area()) for s in ordered)
        results.append(len(areas))
        squares_by_n = {n: n * n for n in range(5)}
        results.append(squares_by_n.get(4, 0))
        counts, groups = word_counts(words)
        results.append(len(sorted(groups.items())))
        results.append(decorated_sum(range(20)))
        results.append(unicode_part(2))
        results.append(busy(BUSY))
    return len(results)


def _profile_to(path, pure_python):
    if pure_python:
        import profile
        prof = profile.Profile()
    else:
        import cProfile
        prof = cProfile.Profile()
    prof.runcall(main)
    prof.dump_stats(path)


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        main()
    else:
        _profile_to(args[0], "--profile-py" in args[1:])
