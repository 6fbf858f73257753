"""Peak memory of a benchmark's child process, measured by the child itself.

PEAK_MB_SOURCE is Python source for the child scripts: ``peak_mb()`` reads VmHWM, the
high-water mark of the process's own memory map. Not ru_maxrss (or wait4's rusage), which on
Linux carries the parent's resident size across fork + exec, and the parent holds the data
the benchmark generated.
"""

PEAK_MB_SOURCE = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""
