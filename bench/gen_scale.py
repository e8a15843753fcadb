#!/usr/bin/python3
"""gen_scale.py - generated inputs for bench/scale.sh and faulttest.

  endpoints DIR N   N profiles of N distinct URL patterns (hard links to
                    one small committed cProfile fixture, named like a
                    crawler's 404s or slug URLs in an app without Flask
                    views: GET.slug-<letters>.<ms>ms.<t>.prof)
  chain FILE N      one profile whose call graph is a chain of N functions
                    in N library packages, f0 -> f1 -> ... (deep calls
                    through distinct code), written by Python's marshal
"""
import marshal
import os
import shutil
import sys


def letters(i):
    s = ""
    for _ in range(4):
        s = chr(ord("a") + i % 26) + s
        i //= 26
    return s


def endpoints(out, n):
    tmp = out + ".tmp"
    os.makedirs(tmp)
    # Copies to link to: a file takes at most 65,000 links on ext4, and
    # the repository's own files are left alone.
    src = []
    for k in range((n + 49999) // 50000):
        src.append("%s.src-%d" % (out, k))
        shutil.copyfile("tests/data/valid/cpython312.prof", src[-1])
    for i in range(n):
        # Letters, not digits: digits would be folded into <int>.
        name = "GET.slug-%s-%s.%dms.%d.prof" % (
            letters(i), letters(i * 7919 + 13), 1 + i % 50, 1700000000 + i)
        os.link(src[i // 50000], os.path.join(tmp, name))
    os.rename(tmp, out)


def chain(out, n):
    # Each function in a module of its own, so the chain is also a chain
    # of modules entered one from the other.
    def key(i):
        return ("/usr/lib/python3/dist-packages/pkg%d/__init__.py" % i, 1, "f%d" % i)
    stats = {}
    for i in range(n):
        callers = {}
        if i > 0:
            callers[key(i - 1)] = (1, 1, 1e-6, 1e-6 * (n - i))
        stats[key(i)] = (1, 1, 1e-6, 1e-6 * (n - i), callers)
    with open(out + ".tmp", "wb") as f:
        marshal.dump(stats, f)
    os.rename(out + ".tmp", out)


if __name__ == "__main__":
    {"endpoints": endpoints, "chain": chain}[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
