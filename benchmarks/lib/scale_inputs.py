"""Shared by benchmarks/scale.sh and benchmarks/scale-emulator.sh: the inputs (consecutive slices of a text, wrapping
around at its end, in WORK/in-COUNTxLINES/fNNNNN.txt, reused when complete) and a process's CPU time and peak RSS."""
import os
import shutil


def read_lines(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def make_inputs(work, lines, count, per):
    folder = os.path.join(work, f"in-{count}x{per}")
    if os.path.isdir(folder) and len(os.listdir(folder)) == count:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for i in range(count):
        start = (i * per) % len(lines)
        chunk = [lines[(start + j) % len(lines)] for j in range(per)]
        with open(os.path.join(folder, f"f{i:05d}.txt"), "wb") as out:
            out.write(b"\n".join(chunk) + b"\n")
    return folder


def proc_read(pid):
    """(CPU seconds: utime + stime, children excluded; peak RSS in KB: VmHWM) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{pid}/status") as f:
            hwm = next((int(line.split()[1]) for line in f if line.startswith("VmHWM:")), 0)
        return cpu, hwm
    except (OSError, StopIteration, ValueError):
        return None
