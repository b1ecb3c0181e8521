#!/usr/bin/python3
"""alternate.py: run two command lines in turn (A B A B ...) and print each one's wall time.

usage: alternate.py FIGURE RUNS SIDE_A CMD_A SIDE_B CMD_B
CMD_* are shell-free command lines split with shlex; "{i}" is replaced by the run index so that every
run works on its own object. Prints "FIGURE<TAB>SIDE<TAB>MILLISECONDS<TAB>ms" lines. A failing command
aborts the run: a benchmark never reports a number for work that did not happen.
"""
import shlex
import subprocess
import sys
import time


def main():
    figure, runs = sys.argv[1], int(sys.argv[2])
    sides = [(sys.argv[3], sys.argv[4]), (sys.argv[5], sys.argv[6])]
    for i in range(runs):
        # Alternate which side goes first too, so neither always runs on a warmer cache.
        order = sides if i % 2 == 0 else sides[::-1]
        for side, cmd in order:
            argv = [a.replace("{i}", str(i)) for a in shlex.split(cmd)]
            t0 = time.perf_counter_ns()
            p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            t1 = time.perf_counter_ns()
            if p.returncode != 0:
                sys.stderr.write("alternate: %s failed (%d): %s\n" % (" ".join(argv), p.returncode, p.stderr.decode()))
                sys.exit(1)
            print("%s\t%s\t%.3f\tms" % (figure, side, (t1 - t0) / 1e6), flush=True)


main()
