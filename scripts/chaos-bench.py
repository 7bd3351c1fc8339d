#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
"""Chaos benchmark: N trivial OBuilder jobs through a real scheduler and real workers over TLS, while
workers (and optionally the scheduler) are killed with SIGKILL and restarted. See chaos-bench.sh."""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Cluster:
    def __init__(self, args, directory, port):
        self.args = args
        self.dir = directory
        self.port = port
        self.bin = args.bin
        self.procs = {}
        self.lock = threading.Lock()

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def spawn(self, name, argv):
        log = open(self.path(name + ".log"), "ab")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        with self.lock:
            self.procs[name] = proc
        return proc

    def kill(self, name):
        with self.lock:
            proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()

    def start_scheduler(self):
        self.spawn("scheduler", [
            os.path.join(self.bin, "ocluster-scheduler"),
            "--capnp-secret-key-file", self.path("secrets", "key.pem"),
            "--capnp-listen-address", "tcp:127.0.0.1:%d" % self.port,
            "--secrets-dir", self.path("secrets"),
            "--state-dir", self.path("state"),
            "--pools", "chaos",
            "--default-clients", "chaos",
            "--max-attempts", str(self.args.max_attempts),
        ])
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(self.path("secrets", "pool-chaos.cap")) and os.path.exists(
                    self.path("secrets", "submit-chaos.cap")):
                return
            time.sleep(0.1)
        sys.exit("chaos-bench: the scheduler did not start (see %s)" % self.path("scheduler.log"))

    def start_worker(self, name):
        self.spawn(name, [
            os.path.join(self.bin, "ocluster-worker"),
            "--connect", self.path("secrets", "pool-chaos.cap"),
            "--name", name,
            "--capacity", str(self.args.capacity),
            "--state-dir", self.path("state-" + name),
            "--obuilder-store", "overlayfs:" + self.path("obuilder-" + name),
            "--obuilder-base-images", self.path("images"),
        ])

    def stop_all(self):
        with self.lock:
            names = list(self.procs)
        for name in names:
            self.kill(name)


def run_job(cluster, index, tag):
    spec = cluster.path("jobs", "%s-%d.spec" % (tag, index))
    with open(spec, "w") as f:
        f.write('((from busybox) (shell /bin/sh -c) (run (shell "echo chaos-%s-%d-$((%d+1))")))\n'
                % (tag, index, index))
    proc = subprocess.run(
        [os.path.join(cluster.bin, "ocluster-client"), "submit-obuilder", "-c",
         cluster.path("secrets", "submit-chaos.cap"), "--pool", "chaos", "--local-file", spec],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cluster.dir)
    out = proc.stdout.decode("utf-8", "replace")
    return {
        # The job's result reached its client. (A worker lost after the job ended takes the rest of the log
        # with it, so the echoed line itself may be missing: counted apart.)
        "ok": proc.returncode == 0 and "\nResult: " in out,
        # The client could not reach the scheduler (down for a restart), so it never submitted the job: the
        # job is not lost, its client failed at once (as ocluster's does) and says so.
        "unsubmitted": out.startswith("Connecting to ") and out.split("\n", 1)[0].endswith("... ERROR"),
        "log_complete": ("chaos-%s-%d-%d" % (tag, index, index + 1)) in out,
        "results": out.count("\nResult: "),
        "requeues": out.count("; job requeued, attempt "),
        "reattached": "reattaching to the job" in out,
        # The job had finished before a scheduler restart; its kept result was read after it.
        "kept": "--- scheduler restarted after the job finished;" in out,
        # The connection was lost before the ticket was saved, and the client submitted the job again.
        "resubmitted": "before the job was saved; submitting it again" in out,
        "output": out,
    }


def chaos(cluster, stop, args, rng, counts):
    kills_left = args.scheduler_kills
    next_scheduler_kill = time.time() + args.kill_interval * 3
    while not stop.wait(args.kill_interval):
        if kills_left > 0 and time.time() >= next_scheduler_kill:
            cluster.kill("scheduler")
            counts["scheduler_kills"] += 1
            kills_left -= 1
            next_scheduler_kill = time.time() + args.kill_interval * 5
            time.sleep(0.5)
            cluster.start_scheduler()
            continue
        name = "worker-%d" % rng.randrange(1, args.workers + 1)
        cluster.kill(name)
        counts["worker_kills"] += 1
        time.sleep(args.restart_delay)
        if not stop.is_set():
            cluster.start_worker(name)


def run(args, tag, with_faults):
    directory = tempfile.mkdtemp(prefix="chaos-bench-%s-" % tag)
    port = random.randrange(21000, 22000) if args.port == 0 else args.port
    cluster = Cluster(args, directory, port)
    os.makedirs(cluster.path("secrets"))
    os.makedirs(cluster.path("jobs"))
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-base-image.sh"), cluster.path("images")],
                   check=True, stdout=subprocess.DEVNULL)
    counts = {"worker_kills": 0, "scheduler_kills": 0}
    try:
        cluster.start_scheduler()
        for i in range(1, args.workers + 1):
            cluster.start_worker("worker-%d" % i)
        stop = threading.Event()
        rng = random.Random(args.seed)
        chaos_thread = None
        started = time.time()
        if with_faults:
            chaos_thread = threading.Thread(target=chaos, args=(cluster, stop, args, rng, counts))
            chaos_thread.start()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(lambda i: run_job(cluster, i, tag), range(args.jobs)))
        elapsed = time.time() - started
        stop.set()
        if chaos_thread:
            chaos_thread.join()
        failed = [r for r in results if not r["ok"] and not r["unsubmitted"]]
        unsubmitted = [r for r in results if r["unsubmitted"]]
        if args.verbose:
            for r in failed[:3] + unsubmitted[:1]:
                print("--- a failed job's client output (%s):\n%s" % (tag, r["output"]), file=sys.stderr)
        return {
            "elapsed": elapsed,
            "submitted": len(results) - len(unsubmitted),
            "unsubmitted": len(unsubmitted),
            "received": sum(1 for r in results if r["ok"]),
            "lost": len(failed),
            "duplicates": sum(1 for r in results if r["results"] > 1),
            "cut_logs": sum(1 for r in results if r["ok"] and not r["log_complete"]),
            "requeues": sum(r["requeues"] for r in results),
            "reattached": sum(1 for r in results if r["reattached"]),
            "kept": sum(1 for r in results if r["kept"]),
            "resubmitted": sum(1 for r in results if r["resubmitted"]),
            **counts,
        }
    finally:
        cluster.stop_all()
        if args.keep:
            print("chaos-bench: kept %s" % directory, file=sys.stderr)
        else:
            shutil.rmtree(directory, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="directory holding the ocluster-* executables")
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8, help="client processes running at once")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--capacity", type=int, default=2)
    parser.add_argument("--kill-interval", type=float, default=4.0, help="seconds between kills")
    parser.add_argument("--restart-delay", type=float, default=1.0, help="seconds a killed worker stays down")
    parser.add_argument("--scheduler-kills", type=int, default=2,
                        help="kill -9 and restart the scheduler this many times")
    parser.add_argument("--max-attempts", type=int, default=10)
    parser.add_argument("--no-baseline", action="store_true", help="skip the fault-free run")
    parser.add_argument("--port", type=int, default=0, help="scheduler port (default: random in 21000-21999)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if args.jobs < 1 or args.workers < 1 or args.clients < 1:
        parser.error("--jobs, --workers and --clients must be at least 1")

    baseline = None if args.no_baseline else run(args, "baseline", with_faults=False)
    faulty = run(args, "chaos", with_faults=True)
    print("clients run:                %d" % args.jobs)
    print("not submitted (no scheduler): %d" % faulty["unsubmitted"])
    print("jobs submitted:             %d" % faulty["submitted"])
    print("results received:           %d" % faulty["received"])
    print("jobs lost:                  %d" % faulty["lost"])
    print("duplicate final results:    %d" % faulty["duplicates"])
    print("requeues seen by clients:   %d" % faulty["requeues"])
    print("clients that reattached:    %d (to a kept result: %d)" % (faulty["reattached"], faulty["kept"]))
    print("submitted again, unsaved:   %d" % faulty["resubmitted"])
    print("logs cut by a lost worker:  %d" % faulty["cut_logs"])
    print("workers killed:             %d" % faulty["worker_kills"])
    print("scheduler killed:           %d" % faulty["scheduler_kills"])
    print("time with faults:           %.1f s" % faulty["elapsed"])
    if baseline:
        print("time without faults:        %.1f s (%d lost)" % (baseline["elapsed"], baseline["lost"]))
        print("overhead:                   %+.0f%%" % (100 * (faulty["elapsed"] / baseline["elapsed"] - 1)))
    sys.exit(0 if faulty["lost"] == 0 and faulty["duplicates"] == 0 else 1)


if __name__ == "__main__":
    main()
