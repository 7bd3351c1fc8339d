# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Shared by the steps of scripts/deploy-test.sh (sourced, not run). The caller sets:
#   ROOT      the repository
#   WORK      a scratch directory for this run
#   BIN       the host-built, statically linked binaries (deploy/prebuilt)
#   DOCKER_HOST, ENGINE_PID   the private Docker engine and its process (for its network namespace)

# A command that fails under `set -e` says which it was.
set -E
trap 'echo "FAILED: ${BASH_SOURCE[0]##*/} line $LINENO: $BASH_COMMAND" >&2' ERR

# Prints a progress line.
say() { printf '   %s\n' "$*"; }

# Fails the step with a message (and whatever the caller adds to stderr before).
fail() {
    printf 'FAILED: %s\n' "$*" >&2
    exit 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: runs COMMAND every half second until it succeeds.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${seconds}s waiting for $what"
        sleep 0.5
    done
}

# Runs a command in the private engine's network namespace (where the containers' host network is).
in_engine_net() { nsenter --net="/proc/$ENGINE_PID/ns/net" "$@"; }

# start_registry PID DIR: a docker-registry on 127.0.0.1:5000 in the network namespace of process PID,
# storing under DIR/registry and logging to DIR/registry.log; DIR/registry.pid is for the cleanup.
start_registry() {
    local pid=$1 dir=$2
    mkdir -p "$dir/registry"
    cat >"$dir/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/registry
http:
  addr: 127.0.0.1:5000
YAML
    # nsenter is backgrounded itself (a function run in the background would be a subshell of its own):
    # it execs the registry without forking, so $! is the registry's pid and the cleanup's kill stops it.
    nsenter --net="/proc/$pid/ns/net" docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
    echo $! >"$dir/registry.pid"
    wait_for 30 "the registry" nsenter --net="/proc/$pid/ns/net" bash -c "exec 3<>/dev/tcp/127.0.0.1/5000"
}

# push_busybox PID IMAGE DIR: pushes a busybox image as IMAGE from the network namespace of process PID
# (scripts/push-base-image.sh), its output in DIR/push-busybox.log.
push_busybox() {
    nsenter --net="/proc/$1/ns/net" bash "$ROOT/scripts/push-base-image.sh" "$2" >"$3/push-busybox.log" 2>&1 ||
        { cat "$3/push-busybox.log"; fail "pushing busybox to the registry failed"; }
}

# The capabilities a "privileged" container may have here. runc inside a container (OBuilder) needs
# them all, but `docker run --privileged` asks for every capability the kernel knows, and fails
# ("unable to apply caps") where this process's bounding set lacks one (CAP_SYS_RESOURCE on this
# project's build machines). ALL minus the missing ones is the same container otherwise.
missing_capabilities() {
    local bounding
    bounding=$((16#$(awk '/^CapBnd/ { print $2 }' /proc/self/status)))
    local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
        LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE
        SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME
        SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
        WAKE_ALARM BLOCK_SUSPEND AUDIT_READ)
    local bit
    for bit in "${!names[@]}"; do
        (((bounding >> bit) & 1)) || printf '%s\n' "${names[$bit]}"
    done
}

# Flags for `docker run` / `docker service create` that give a container what runc needs.
# Swarm services cannot be privileged; they get every capability and a writable cgroup tree, and
# rely on the engine's default seccomp profile allowing what runc does (see start_engine).
runc_capable_flags() {
    local kind=$1 cap
    printf -- '--cap-add\nALL\n'
    for cap in $(missing_capabilities); do printf -- '--cap-drop\n%s\n' "$cap"; done
    if [ "$kind" = run ]; then
        printf -- '--security-opt\nseccomp=unconfined\n-v\n/sys/fs/cgroup:/sys/fs/cgroup:rw\n'
    else
        printf -- '--mount\ntype=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup\n'
    fi
}

# build_image DOCKERFILE TAG [docker build flags...]: the Dockerfile's `prebuilt` target on a
# debootstrapped base. BuildKit (Debian's docker client with DOCKER_BUILDKIT=1) builds only the
# stages the target needs; without it the classic builder stops at the target, which comes
# before the Swift build stage.
build_image() {
    local dockerfile=$1 tag=$2 base
    shift 2
    case "$dockerfile" in
    *scheduler) base=local/ocluster-scheduler-base:bookworm ;;
    *) base=local/ocluster-worker-base:bookworm ;;
    esac
    if [ -x /usr/bin/docker ] && DOCKER_BUILDKIT=1 /usr/bin/docker build --help 2>/dev/null | grep -q -- --network; then
        DOCKER_BUILDKIT=1 /usr/bin/docker build -q --network=none --target prebuilt --build-arg BASE_IMAGE="$base" \
            -f "$ROOT/$dockerfile" -t "$tag" "$@" "$ROOT"
    else
        docker build -q --network=none --target prebuilt --build-arg BASE_IMAGE="$base" \
            -f "$ROOT/$dockerfile" -t "$tag" "$@" "$ROOT"
    fi
}
