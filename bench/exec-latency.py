#!/usr/bin/python3
# exec-latency.py: start each side's PROGRAM N times, alternating the sides, and time how long each process
# takes to appear in that side's GROUP (a cgroup path from the hierarchy root, in CONTROLLER's hierarchy or
# on the unified one). Prints one line per side: LABEL P50 P99, in microseconds.
#
# usage: exec-latency.py CONTROLLER N LABEL PROGRAM GROUP [LABEL PROGRAM GROUP ...]
import signal, subprocess, sys, time

controller, n = sys.argv[1], int(sys.argv[2])
sides = [tuple(sys.argv[i:i + 3]) for i in range(3, len(sys.argv) - 2, 3)]
v2 = open("/proc/self/mountinfo").read().find(" /sys/fs/cgroup cgroup2 ") >= 0


def in_group(pid, group):
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            for line in f:
                hid, ctl, path = line.rstrip("\n").split(":", 2)
                if (v2 and hid == "0") or (not v2 and controller in ctl.split(",")):
                    return path == group
    except FileNotFoundError:
        pass
    return False


def one(program, group):
    start = time.monotonic()
    p = subprocess.Popen([program, "600"])
    while not in_group(p.pid, group):
        if time.monotonic() - start > 5:
            p.kill()
            p.wait()
            sys.exit(f"process {p.pid} did not reach {group} within 5 s")
        time.sleep(0.00005)
    elapsed = (time.monotonic() - start) * 1e6
    p.send_signal(signal.SIGKILL)
    p.wait()
    return elapsed


lat = {label: [] for label, _, _ in sides}
for i in range(n):
    # Which side goes first alternates too, so that neither always follows the other's cleanup.
    for label, program, group in (sides if i % 2 == 0 else sides[::-1]):
        lat[label].append(one(program, group))
for label, _, _ in sides:
    v = sorted(lat[label])
    print(f"{label} {v[n // 2]:.0f} {v[n * 99 // 100]:.0f}")
