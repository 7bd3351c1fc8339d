# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# The OCluster wire protocol. Type ids derive from the file id and the declaration names, so
# the file id, names, nesting, ordinals and types here must stay exactly as in the OCaml
# ocluster's api/schema.capnp for our binaries to talk to theirs. Only comments are ours.

@0x8378b104cef5b2eb;

struct DockerBuild {
  # A `docker build` of the job's source, optionally pushed to a registry.

  dockerfile :union {
    contents @0 :Text;
    # The Dockerfile itself, sent inline.

    path @5 :Text;
    # Where the Dockerfile lies inside the build context (the checked-out commit).
  }

  pushTarget @1 :Text;
  # "repo:tag" to push the image to when the build succeeds; empty means no push.

  pushUser @2 :Text;
  pushPassword @3 :Text;
  # Registry credentials for the push: both empty or both set, and only with a pushTarget.

  buildArgs @4 :List(Text);
  # Each entry is passed to `docker build` as `--build-arg ENTRY`.

  squash @6 :Bool;
  # Pass `--squash` to `docker build`.

  buildkit @7 :Bool;
  # Build with BuildKit (DOCKER_BUILDKIT=1).

  includeGit @8 :Bool;
  # Keep the `.git` directory in the build context.
}

struct OBuilder {
  # A build described by an OBuilder spec.

  spec @0 :Text;
  # The spec, as an S-expression.
}

struct Custom {
  # A job for a specialised worker; the stock worker refuses these.

  kind @0 :Text;
  # Which kind of custom job this is.

  payload @1 :AnyPointer;
  # Whatever that kind of job needs.
}

struct Secret {
  # A named secret made available to the build.

  id @0 :Text;
  value @1 :Text;
}

struct JobDescr {
  # Everything a worker needs to run one job.

  action :union {
    dockerBuild @0 :DockerBuild;
    obuilder @4 :OBuilder;
    custom @6 :Custom;
  }

  cacheHint @1 :Text;
  # Jobs with the same hint are steered to a worker that ran that hint before, whose caches
  # are likely warm. Empty means no preference.

  repository @2 :Text;
  # Git URL the source comes from.

  commits @3 :List(Text);
  # Commit hashes to check out; several are merged together, none means an empty context.

  secrets @5 :List(Secret);
  # Secrets for the build.
}

interface Job {
  # A job running (or queued to run) on a worker.

  log @0 (start :Int64) -> (log :Data, next :Int64);
  # Log bytes from offset `start`; `next` is where the following read starts. Waits while the
  # job runs and nothing new is written; an empty result after the end means end of log.

  result @1 () -> (output :Text);
  # Waits for the job to finish; fails if the job failed.

  cancel @2 () -> ();
  # Asks the worker to stop the job.
}

interface Queue {
  # A registered worker's handle on its pool's queue.

  pop @0 (job :Job) -> (descr :JobDescr);
  # Waits for the next job for this worker. `job` is the worker's object for it, handed to
  # the client that submitted the job.

  setActive @1 (active :Bool) -> ();
  # The worker pauses (false) or resumes (true) taking jobs, e.g. when its disk is full.
}

struct Metric {
  contentType @0 :Text;
  data @1 :Text;
}

struct AdditionalMetric {
  union {
    metric @0 :Metric;
    notReported @1 :Void;
    # The worker has no metrics source of that name.
  }
}

interface Worker {
  # Calls the scheduler makes on a registered worker.

  enum MetricsSource {
    agent @0;
    # The worker process's own metrics.

    host @1;
    # The host's metrics, from a node exporter on the worker's machine.
  }

  metrics @0 (source :MetricsSource) -> (contentType :Text, data :Text);
  # Prometheus metrics from the chosen source.

  additionalMetric @2 (source :Text) -> (metric :AdditionalMetric);
  # Metrics from one of the extra sources the worker was configured with.

  selfUpdate @1 () -> ();
  # Finish running jobs, then restart (and update). Never returns normally: the connection
  # drops when the worker goes away.
}

interface Registration {
  # Given to workers of one pool.

  register @0 (name :Text, worker :Worker, capacity :Int32) -> (queue :Queue);
  # Joins the pool under a unique name, running up to `capacity` jobs at once.
}

interface Ticket {
  # A submitted job, before and after a worker takes it.

  job @0 () -> (job :Job);
  # The job, once a worker has taken it (a promise until then).

  cancel @1 () -> ();
  # Removes the job from the queue, or cancels it on its worker.
}

interface Submission {
  # Given to clients allowed to submit jobs.

  submit @0 (pool :Text, descr :JobDescr, urgent :Bool) -> (ticket :Ticket);
  # Queues a job on the named pool; urgent jobs go ahead of the others.
}

struct WorkerInfo {
  name @0 :Text;
  active @1 :Bool;
  connected @2 :Bool;
}

interface Progress {
  # Status callbacks for long admin operations.

  report @0 (status :Text) -> ();
}

interface PoolAdmin {
  # Administration of one pool.

  show @0 () -> (state :Text);
  # A human-readable dump of the pool's state.

  workers @1 () -> (workers :List(WorkerInfo));
  # Every worker the pool knows about, connected or not.

  worker @3 (worker :Text) -> (worker :Worker);
  # The named connected worker.

  setActive @2 (worker :Text, active :Bool, autoCreate :Bool) -> ();
  # Pauses or unpauses a worker; with autoCreate an unknown name is added first.

  drain @7 (worker :Text, progress :Progress) -> ();
  # Pauses a worker and returns once its running jobs have finished.

  update @4 (worker :Text, progress :Progress) -> ();
  # Drains a worker, asks it to restart and waits until it registers again.

  setRate @5 (id :Text, rate :Float64) -> ();
  # Sets a client's share of this pool.

  forget @6 (worker :Text) -> ();
  # Removes a disconnected worker from the known list.
}

interface Admin {
  # Administration of the whole scheduler.

  pools @0 () -> (names :List(Text));
  pool @1 (name :Text) -> (pool :PoolAdmin);

  addClient @2 (id :Text) -> (cap :Submission);
  # Registers a new client and returns its submission capability.

  removeClient @3 (id :Text) -> (cap :Submission);
  # Revokes a client's access.

  listClients @4 () -> (clients :List(Text));
}
