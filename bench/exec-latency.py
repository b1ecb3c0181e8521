#!/usr/bin/python3
# exec-latency.py: start PROGRAM N times, time how long each takes to appear in GROUP (a cgroup path from
# the hierarchy root, in CONTROLLER's hierarchy or on the unified one); print p50/p99 in microseconds.
import os, signal, subprocess, sys, time

program, controller, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
v2 = os.statvfs("/sys/fs/cgroup") and open("/proc/self/mountinfo").read().find(" /sys/fs/cgroup cgroup2 ") >= 0

def in_group(pid):
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            for line in f:
                hid, ctl, path = line.rstrip("\n").split(":", 2)
                if (v2 and hid == "0") or (not v2 and controller in ctl.split(",")):
                    return path == group
    except FileNotFoundError:
        pass
    return False

lat = []
for _ in range(n):
    start = time.monotonic()
    p = subprocess.Popen([program, "600"])
    while not in_group(p.pid):
        if time.monotonic() - start > 5:
            p.kill(); p.wait()
            sys.exit(f"process {p.pid} did not reach {group} within 5 s")
        time.sleep(0.00005)
    lat.append((time.monotonic() - start) * 1e6)
    p.send_signal(signal.SIGKILL)
    p.wait()
lat.sort()
print(f"{lat[n // 2]:.0f} {lat[n * 99 // 100]:.0f}")
