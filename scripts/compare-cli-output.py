# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Runs ocluster's CLIs (OCaml) and ours (Swift) through the same cases against fresh, identically
# set-up schedulers (ocluster's and ours), and compares stdout, stderr and exit status byte for
# byte. Run it through scripts/compare-cli-output.sh (see there for the usage).
#
# Each run gets its own scheduler (pools linux-x86_64 and other, default client alice) and, unless
# --no-worker, one Swift worker w1 in linux-x86_64 with an OBuilder store, so that both CLIs see
# the same state as the cases change it. Outputs are normalised only where runs must differ: the
# scheduler's port, the digest and service id in a new client's URI, and OBuilder's snapshot ids.

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests/OClusterIntegrationTests/Fixtures/cli-cases.json")

SPEC_OK = '((from busybox)\n (shell /bin/sh -c)\n (run (shell "echo hello from the job")))\n'
SPEC_FAIL = '((from busybox)\n (shell /bin/sh -c)\n (run (shell "echo failing; exit 3")))\n'

# Files every run starts with (relative to its directory). `refused.cap` and `wrongid.cap` are made
# from admin.cap once the scheduler has written it.
FILES = {
    "spec.txt": SPEC_OK,
    "fail.spec": SPEC_FAIL,
    "bad.spec": "((from busybox) (run\n",
    "pw.txt": "secret-password\nsecond line\n",
    "Dockerfile": "FROM busybox\n",
    "bad.cap": "garbage\n",
    "http.cap": "http://example.org/x\n",
}

A = "admin"
C = "client"
ADMIN = ["-c", "secrets/admin.cap"]
SUBMIT = ["-c", "secrets/submit-alice.cap"]
POOL = "linux-x86_64"
WEIRD = 'we"i\\rd\nx'

# (name, tool, arguments, needs a worker). Order matters: later cases see what earlier ones did.
CASES = [
    ("usage-no-command", A, [], False),
    ("usage-unknown-command", A, ["foo"], False),
    ("usage-command-prefix", A, ["sh"], False),
    ("usage-missing-connect", A, ["show"], False),
    ("usage-connect-no-file", A, ["-c", "nosuch.cap", "show"], False),
    ("usage-unknown-option", A, ADMIN + ["show", "--foo"], False),
    ("usage-too-many", A, ADMIN + ["show", "a", "b", "c"], False),
    ("usage-missing-argument", A, ADMIN + ["set-rate", "p", "c"], False),
    ("usage-missing-arguments", A, ADMIN + ["exec"], False),
    ("usage-option-needs-value", A, ["show", "-c"], False),
    ("usage-bad-float", A, ADMIN + ["set-rate", "p", "c", "abc"], False),
    ("usage-bad-verbosity", A, ADMIN + ["show", "--verbosity=loud"], False),
    ("usage-flag-with-value", A, ADMIN + ["show", "--terse=3"], False),
    ("cap-file-garbage", A, ["-c", "bad.cap", "show"], False),
    ("cap-file-other-scheme", A, ["-c", "http.cap", "show"], False),
    ("cap-file-refused", A, ["-c", "refused.cap", "show"], False),
    ("cap-file-unknown-service", A, ["-c", "wrongid.cap", "show"], False),
    ("cap-file-wrong-interface", A, ["-c", "secrets/pool-other.cap", "show"], False),
    ("show-pools", A, ADMIN + ["show"], False),
    ("show-pools-connect-after", A, ["show", "-c", "secrets/admin.cap"], False),
    ("show-pools-connect-long", A, ["--connect=secrets/admin.cap", "show"], False),
    ("show-unknown-pool", A, ADMIN + ["show", "nosuch"], False),
    ("show-empty-pool", A, ADMIN + ["show", "other"], False),
    ("show-worker-not-found", A, ADMIN + ["show", POOL, "nosuch"], False),
    ("show-worker-running", A, ADMIN + ["show", POOL, "w1"], True),
    ("show-worker-terse", A, ADMIN + ["show", "--terse", POOL, "w1"], True),
    ("show-pool-terse", A, ADMIN + ["show", "--terse", POOL], True),
    ("exec-echo", A, ADMIN + ["exec", POOL, "--", "echo", "hi", "{}"], True),
    ("list-clients", A, ADMIN + ["list-clients"], False),
    ("add-client-registered", A, ADMIN + ["add-client", "alice"], False),
    ("add-client", A, ADMIN + ["add-client", "bob"], False),
    ("list-clients-two", A, ADMIN + ["list-clients"], False),
    ("remove-client-unknown", A, ADMIN + ["remove-client", "nobody"], False),
    ("remove-client", A, ADMIN + ["remove-client", "bob"], False),
    ("set-rate-unknown-pool", A, ADMIN + ["set-rate", "nosuch", "alice", "2"], False),
    ("set-rate-unknown-client", A, ADMIN + ["set-rate", POOL, "bob", "2"], False),
    ("set-rate", A, ADMIN + ["set-rate", POOL, "alice", "2.5"], False),
    ("set-rate-zero", A, ADMIN + ["set-rate", POOL, "alice", "0"], False),
    ("pause-unknown-pool", A, ADMIN + ["pause", "nosuch", "w1"], False),
    ("pause-no-workers", A, ADMIN + ["pause", "other"], False),
    ("pause-unknown-worker", A, ADMIN + ["pause", POOL, "w9"], False),
    ("pause-auto-create", A, ADMIN + ["pause", "--auto-create", POOL, "w2"], False),
    ("pause-auto-create-weird", A, ADMIN + ["pause", "--auto-create", POOL, WEIRD], False),
    ("unpause-auto-create", A, ADMIN + ["unpause", "--auto-create", POOL, "w3"], False),
    ("pause-candidates", A, ADMIN + ["pause", POOL], False),
    ("pause-all", A, ADMIN + ["pause", "--all", POOL], False),
    ("pause-all-again", A, ADMIN + ["pause", "--all", POOL], False),
    ("show-pool-paused", A, ADMIN + ["show", "--terse", POOL], False),
    ("unpause-all", A, ADMIN + ["unpause", "--all", POOL], False),
    ("pause-wait", A, ADMIN + ["pause", "--wait", POOL, "w1"], True),
    ("unpause-one", A, ADMIN + ["unpause", POOL, "w1"], True),
    ("forget-candidates", A, ADMIN + ["forget", POOL], False),
    ("forget-unknown", A, ADMIN + ["forget", POOL, "w9"], False),
    ("forget-connected", A, ADMIN + ["forget", POOL, "w1"], True),
    ("forget", A, ADMIN + ["forget", POOL, "w3"], False),
    ("forget-empty-pool", A, ADMIN + ["forget", "other"], False),
    ("update-no-connected", A, ADMIN + ["update", "other"], False),
    ("update-unknown-worker", A, ADMIN + ["update", POOL, "w9"], False),
    ("update-unknown-pool", A, ADMIN + ["update", "nosuch", "w1"], False),
    ("exec-true", A, ADMIN + ["exec", POOL, "--", "true"], False),
    ("exec-false", A, ADMIN + ["exec", POOL, "--", "false"], False),
    ("exec-missing-command", A, ADMIN + ["exec", POOL, "--", "/nonexistent/cmd"], False),
    ("exec-killed", A, ADMIN + ["exec", POOL, "--", "sh", "-c", "kill -9 $$"], False),
    ("exec-unknown-pool", A, ADMIN + ["exec", "nosuch", "--", "true"], False),
    ("client-usage-no-command", C, [], False),
    ("client-usage-unknown-command", C, ["foo"], False),
    ("client-usage-missing-connect", C, ["submit-docker"], False),
    ("client-usage-missing-pool", C, ["submit-docker"] + SUBMIT, False),
    ("client-usage-missing-local-file", C, ["submit-obuilder"] + SUBMIT + ["--pool", POOL], False),
    ("client-usage-local-file-missing", C, ["submit-obuilder"] + SUBMIT + ["--pool", POOL, "--local-file", "nosuch"], False),
    ("client-usage-both-dockerfiles", C,
     ["submit-docker"] + SUBMIT + ["--pool", POOL, "--local-dockerfile", "Dockerfile", "--context-dockerfile", "x"], False),
    ("client-usage-push-to-no-tag", C, ["submit-docker"] + SUBMIT + ["--pool", POOL, "--push-to", "img"], False),
    ("client-usage-push-to-no-repo", C, ["submit-docker"] + SUBMIT + ["--pool", POOL, "--push-to", ":tag"], False),
    ("client-usage-secret-no-colon", C, ["submit-docker"] + SUBMIT + ["--pool", POOL, "--secret", "foo"], False),
    ("client-usage-secret-no-file", C, ["submit-docker"] + SUBMIT + ["--pool", POOL, "--secret", "foo:nosuch"], False),
    ("client-push-user-without-target", C, ["submit-docker"] + SUBMIT + ["--pool", POOL, "--push-user", "u"], False),
    ("client-push-user-without-password", C,
     ["submit-docker"] + SUBMIT + ["--pool", POOL, "--push-to", "img:tag", "--push-user", "u"], False),
    ("client-repository-without-commits", C,
     ["submit-obuilder"] + SUBMIT + ["--pool", POOL, "--local-file", "spec.txt", "https://example.org/r.git"], False),
    ("client-unknown-pool", C, ["submit-obuilder"] + SUBMIT + ["--pool", "nosuch", "--local-file", "spec.txt"], False),
    ("client-weird-pool", C, ["submit-obuilder"] + SUBMIT + ["--pool", 'a"b\\c\u00e9', "--local-file", "spec.txt"], False),
    ("client-admin-cap", C, ["submit-obuilder", "-c", "secrets/admin.cap", "--pool", POOL, "--local-file", "spec.txt"],
     False),
    ("client-job-succeeds", C, ["submit-obuilder"] + SUBMIT + ["--pool", POOL, "--local-file", "spec.txt"], True),
    ("client-job-fails", C, ["submit-obuilder"] + SUBMIT + ["--pool", POOL, "--local-file", "fail.spec"], True),
    ("client-job-bad-spec", C, ["submit-obuilder"] + SUBMIT + ["--pool", POOL, "--local-file", "bad.spec"], True),
    ("remove-client-alice", A, ADMIN + ["remove-client", "alice"], False),
    ("client-revoked", C, ["submit-obuilder"] + SUBMIT + ["--pool", POOL, "--local-file", "spec.txt"], False),
]

URI = re.compile(r"capnp://sha-256:[A-Za-z0-9_-]+@127\.0\.0\.1:\d+/[A-Za-z0-9_-]+")


HASH = re.compile(r"\b[0-9a-f]{64}\b")
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d\.\d\d ")


def normalise(text, port):
    text = URI.sub("capnp://sha-256:DIGEST@127.0.0.1:PORT/SERVICE", text)
    # OBuilder snapshot ids depend on the base image, made from the machine's busybox.
    text = HASH.sub("HASH", text)
    # The UTC time on OBuilder notes (ocluster's `YYYY-MM-DD HH:MM.SS `).
    text = TIME.sub("TIME ", text)
    return text.replace(f"127.0.0.1:{port}", "127.0.0.1:PORT")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One scheduler (and maybe worker) in a directory of its own."""

    def __init__(self, directory, scheduler, worker, images):
        self.dir = directory
        self.port = free_port()
        self.procs = []
        os.makedirs(os.path.join(directory, "secrets"))
        for name, content in FILES.items():
            with open(os.path.join(directory, name), "w") as f:
                f.write(content)
        log = open(os.path.join(directory, "scheduler.log"), "w")
        self.procs.append(subprocess.Popen(
            [scheduler, "--capnp-secret-key-file", "secrets/key.pem",
             "--capnp-listen-address", f"tcp:127.0.0.1:{self.port}", "--secrets-dir", "secrets",
             "--state-dir", "state", "--pools", "linux-x86_64,other", "--default-clients", "alice"],
            cwd=directory, stdout=log, stderr=log))
        self.wait_for(lambda: all(os.path.exists(os.path.join(directory, "secrets", f))
                                  for f in ["admin.cap", "pool-other.cap", "submit-alice.cap"]), "scheduler")
        admin = open(os.path.join(directory, "secrets/admin.cap")).read()
        # Port 1: nothing listens there, and it is the same in every run.
        with open(os.path.join(directory, "refused.cap"), "w") as f:
            f.write(admin.replace(f":{self.port}/", ":1/"))
        with open(os.path.join(directory, "wrongid.cap"), "w") as f:
            f.write(re.sub(r"/[A-Za-z0-9_-]+\n", "/" + "A" * 43 + "\n", admin))
        if worker:
            wlog = open(os.path.join(directory, "worker.log"), "w")
            self.procs.append(subprocess.Popen(
                [worker, "--connect", "secrets/pool-linux-x86_64.cap", "--name", "w1", "--capacity", "1",
                 "--state-dir", f"{directory}/worker-state", "--obuilder-store", f"overlayfs:{directory}/obuilder",
                 "--obuilder-base-images", images],
                cwd=directory, stdout=wlog, stderr=wlog))

    def wait_for(self, condition, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.2)
        raise SystemExit(f"timed out waiting for the {what} in {self.dir}")

    def run(self, tool, args):
        try:
            p = subprocess.run([tool] + args, cwd=self.dir, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=180)
            out, err, status = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, status = e.stdout or b"", (e.stderr or b"") + b"\n[timed out]", -1
        dec = lambda b: normalise(b.decode("utf-8", "surrogateescape"), self.port)
        return {"stdout": dec(out), "stderr": dec(err), "status": status}

    def stop(self):
        for p in reversed(self.procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def run_all(side_bin, scheduler, worker, images, work, label):
    directory = os.path.join(work, label)
    cluster = Cluster(directory, scheduler, worker, images)
    try:
        if worker:
            cluster.wait_for(lambda: "w1: Running" in cluster.run(os.path.join(side_bin, "ocluster-admin"),
                                                                   ADMIN + ["show", POOL, "w1"])["stdout"], "worker")
        results = {}
        for name, tool, args, needs_worker in CASES:
            if needs_worker and not worker:
                continue
            exe = os.path.join(side_bin, "ocluster-admin" if tool == A else "ocluster-client")
            results[name] = cluster.run(exe, args)
        return results
    finally:
        cluster.stop()


def show(text):
    return text.replace("\n", "\\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ocaml_bin")
    parser.add_argument("swift_bin")
    parser.add_argument("--schedulers", default="ocaml,swift")
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--record", action="store_true", help=f"write the OCaml CLI's outputs to {FIXTURE}")
    parser.add_argument("--verbose", action="store_true", help="print both outputs of every differing case")
    opts = parser.parse_args()
    opts.ocaml_bin = os.path.abspath(opts.ocaml_bin)
    opts.swift_bin = os.path.abspath(opts.swift_bin)

    work = tempfile.mkdtemp(prefix="compare-cli-")
    images = os.path.join(work, "images")
    if not opts.no_worker:
        subprocess.run(["bash", os.path.join(ROOT, "scripts/make-base-image.sh"), images], check=True,
                       stdout=subprocess.DEVNULL)
    worker = None if opts.no_worker else os.path.join(opts.swift_bin, "ocluster-worker")
    kinds = opts.schedulers.split(",")
    runs = {}
    for kind in kinds:
        scheduler = os.path.join(opts.ocaml_bin if kind == "ocaml" else opts.swift_bin, "ocluster-scheduler")
        for cli, bindir in (("ocaml", opts.ocaml_bin), ("swift", opts.swift_bin)):
            runs[(kind, cli)] = run_all(bindir, scheduler, worker, images, work, f"{kind}-scheduler-{cli}-cli")
    # What is compared with what: ours and ocluster's CLI against each scheduler, and ours
    # throughout against ocluster's throughout.
    pairs = [(f"CLIs, {kind} scheduler", (kind, "ocaml"), (kind, "swift")) for kind in kinds]
    if "ocaml" in kinds and "swift" in kinds:
        pairs.append(("all ours vs all ocluster", ("ocaml", "ocaml"), ("swift", "swift")))
    failures = 0
    print("| case | " + " | ".join(title for title, _, _ in pairs) + " | exit status |")
    print("| --- | " + " | ".join("---" for _ in pairs) + " | ---: |")
    for name, tool, args, _ in CASES:
        if name not in runs[pairs[0][1]]:
            continue
        cells = []
        for title, left, right in pairs:
            a, b = runs[left][name], runs[right][name]
            if a == b:
                cells.append("same")
                continue
            failures += 1
            cells.append("DIFFERS")
            if opts.verbose:
                for key in ("status", "stdout", "stderr"):
                    if a[key] != b[key]:
                        print(f"--- {name}, {title}, {key}\n  {left}: {show(str(a[key]))}\n"
                              f"  {right}: {show(str(b[key]))}")
        print(f"| {name} | " + " | ".join(cells) + f" | {runs[pairs[0][1]][name]['status']} |")
    recorded = runs.get(("ocaml", "ocaml"))
    if opts.record and recorded is not None:
        cases = []
        for name, tool, args, needs_worker in CASES:
            if name in recorded:
                cases.append({"name": name, "tool": tool, "arguments": args, "worker": needs_worker, **recorded[name]})
        with open(FIXTURE, "w") as f:
            json.dump({"files": FILES, "cases": cases}, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"recorded {len(cases)} cases in {FIXTURE}")
    shutil.rmtree(work, ignore_errors=True)
    print(f"{failures} comparisons differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
