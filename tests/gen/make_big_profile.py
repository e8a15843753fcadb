#!/usr/bin/python3
"""Write a real cProfile dump bigger than 16 MB.

Usage: /usr/bin/python3 tests/gen/make_big_profile.py OUT.prof [N]

profreport gives a profile's file buffer back before it builds that
profile's tables when the file is 16 MB or more (lib/aggregate.c,
RELEASE_EARLY); tests/difftest.sh checks that path against pstats on
this file. A generated module (written next to OUT, so that its code has
a file name and lines) defines N functions (default 150,000); each calls
one of 500 helpers, and a driver calls them all under cProfile.
"""
import cProfile
import importlib.util
import os
import sys


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 150000
    mod_path = os.path.join(os.path.dirname(os.path.abspath(out)),
                            "bigmod_%d.py" % n)
    lines = ["def helper_%d(x):\n    return x + %d\n" % (k, k)
             for k in range(500)]
    lines += ["def work_%d(x):\n    return helper_%d(x)\n" % (i, i % 500)
              for i in range(n)]
    lines.append("FUNCS = [%s]\n" % ", ".join("work_%d" % i for i in range(n)))
    with open(mod_path, "w") as f:
        f.writelines(lines)
    spec = importlib.util.spec_from_file_location("bigmod", mod_path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    def drive(funcs):
        total = 0
        for fn in funcs:
            total += fn(1)
        return total

    prof = cProfile.Profile()
    prof.runcall(drive, mod.FUNCS)
    prof.dump_stats(out + ".tmp")
    os.replace(out + ".tmp", out)
    print("%s: %d bytes" % (out, os.path.getsize(out)))


if __name__ == "__main__":
    main()
