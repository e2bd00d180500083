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


def runner_top_words(scratch, name):
    """The (word, count) rows of NAME_OUTPUT.txt that the task runner wrote into scratch for the input NAME."""
    with open(os.path.join(scratch, name.rsplit(".", 1)[0] + "_OUTPUT.txt"), encoding="utf-8") as f:
        rows = [line.rstrip("\n") for line in f]
    words = []
    for row in rows[2:]:
        if row.startswith("---"):
            break
        word, n = row.rsplit(":\t", 1)
        words.append((word, int(n)))
    return words


def check_outputs(work, folder, results, count, runner, scratch=None, who="the sample"):
    """Checks the top words reported per input file against the task runner's own output: every file up to 2,000 files,
    500 spread over larger runs. scratch: a folder where the runner already ran on every file (xargs), else the runner is
    run here on the picked files. Exits on a difference; returns how many files were checked."""
    import random
    import subprocess
    import sys
    names = sorted(os.listdir(folder))
    if sorted(results) != names:
        sys.exit(f"{who} reported {len(results)} of {len(names)} files")
    picked = names if count <= 2000 else sorted(random.Random(17).sample(names, 500))
    own = scratch is None
    if own:
        scratch = os.path.join(work, "check")
        shutil.rmtree(scratch, ignore_errors=True)
        os.makedirs(scratch)
        listing = "\n".join(os.path.join(folder, n) for n in picked) + "\n"
        subprocess.run(["xargs", "-P", "4", "-I{}", runner, "--filepath", "{}", "--numwords", "3"], input=listing.encode(), cwd=scratch, check=True, stdout=subprocess.DEVNULL)
    for n in picked:
        if results[n] != runner_top_words(scratch, n):
            sys.exit(f"MISMATCH for {n}: {who} {results[n]} runner {runner_top_words(scratch, n)}")
    if own:
        shutil.rmtree(scratch, ignore_errors=True)
    return len(picked)
