#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# deploy-test step "containers": a containerised cluster on the private engine, from the images the
# "images" step built. The scheduler is a container with a volume; the two workers are Docker swarm
# services (what `--self-update docker-service` updates), each with its volume, the pool's .cap as a
# swarm secret and the engine's socket for Docker jobs; the client and admin run on the host, in
# the engine's network namespace. A local registry holds busybox (scripts/push-base-image.sh), the
# workers' --obuilder-registry-mirror. It runs an OBuilder job and a Docker job, publishes a new worker
# release to a local registry, and `ocluster-admin update` replaces both worker containers, one
# after the other; a job then runs on the new release.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

POOL=deploy
REGISTRY=127.0.0.1:5000
RELEASE_IMAGE=$REGISTRY/ocluster-worker:live
state=$WORK/containers
mkdir -p "$state/secrets"
admin() { in_engine_net "$BIN/ocluster-admin" -c "$state/secrets/admin.cap" "$@"; }
client() { in_engine_net "$BIN/ocluster-client" "$@"; }
registered() { admin show "$POOL" | grep -q "^  $1 ([0-9]*): "; }

cleanup() {
    docker service rm ocluster-worker-1 ocluster-worker-2 >/dev/null 2>&1 || true
    docker rm -f ocluster-scheduler >/dev/null 2>&1 || true
    [ -f "$state/registry.pid" ] && kill "$(cat "$state/registry.pid")" 2>/dev/null || true
    # Swarm tasks take a moment to go; the volumes can only be removed after them.
    for _ in $(seq 1 60); do [ -z "$(docker ps -aq --filter label=com.docker.swarm.service.name)" ] && break; sleep 0.5; done
    docker secret rm ocluster-pool-cap >/dev/null 2>&1 || true
    docker swarm leave --force >/dev/null 2>&1 || true
    docker volume rm ocluster-scheduler ocluster-worker-1 ocluster-worker-2 >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "a local registry for worker releases, in the engine's network namespace"
start_registry "$ENGINE_PID" "$state"
docker tag ocluster-worker:deploy-test "$RELEASE_IMAGE"
docker push -q "$RELEASE_IMAGE" >/dev/null
# The workers' mirror of Docker Hub: (from busybox), the self-test's too, is fetched from it.
push_busybox "$ENGINE_PID" "$REGISTRY/library/busybox:latest" "$state"

say "scheduler container (volume ocluster-scheduler, user ocluster)"
docker volume create ocluster-scheduler >/dev/null
docker run -d --name ocluster-scheduler --network host --pull=never \
    -v ocluster-scheduler:/var/lib/ocluster-scheduler \
    ocluster-scheduler:deploy-test \
    --capnp-public-address=tcp:127.0.0.1:9000 --pools=$POOL -v --listen-prometheus=127.0.0.1:9191 >/dev/null
wait_for 60 "the pool's .cap file" docker exec ocluster-scheduler test -f /var/lib/ocluster-scheduler/secrets/pool-$POOL.cap
[ "$(docker exec ocluster-scheduler id -un)" = ocluster ] || fail "the scheduler does not run as ocluster"
docker cp ocluster-scheduler:/var/lib/ocluster-scheduler/secrets/admin.cap "$state/secrets/admin.cap"
docker cp ocluster-scheduler:/var/lib/ocluster-scheduler/secrets/pool-$POOL.cap "$state/secrets/pool.cap"
admin add-client deploy-test >"$state/secrets/submit.cap"

say "swarm, the pool's .cap as a secret, two worker services"
docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1 >/dev/null
docker secret create ocluster-pool-cap "$state/secrets/pool.cap" >/dev/null
mapfile -t privileges < <(runc_capable_flags service)
for i in 1 2; do
    docker volume create "ocluster-worker-$i" >/dev/null
    docker service create --detach --quiet --name "ocluster-worker-$i" \
        "${privileges[@]}" \
        --network host \
        --mount "type=bind,src=${DOCKER_HOST#unix://},dst=/var/run/docker.sock" \
        --mount "type=volume,src=ocluster-worker-$i,dst=/var/lib/ocluster-worker" \
        --secret source=ocluster-pool-cap,target=pool.cap \
        --restart-condition any --restart-delay 1s \
        "$RELEASE_IMAGE" \
        --connect=/run/secrets/pool.cap --name="worker-$i" --capacity=2 \
        --self-update=docker-service --self-update-image="$RELEASE_IMAGE" --self-update-service="ocluster-worker-$i" \
        --no-docker-pull --docker-build-network=none --obuilder-registry-mirror="$REGISTRY" -v >/dev/null
done
for i in 1 2; do wait_for 120 "worker-$i to register" registered "worker-$i"; done
admin show "$POOL" | sed 's/^/     /'
grep -q "GET /v2/library/busybox/manifests/" "$state/registry.log" ||
    fail "the workers' self-tests did not fetch busybox from the registry"
say "the workers' self-tests fetched busybox from the registry (--obuilder-registry-mirror)"

say "an OBuilder job (runc inside the worker container)"
cat >"$state/job.spec" <<'SPEC'
((from busybox)
 (shell /bin/sh -c)
 (run (shell "echo obuilder-job-ran")))
SPEC
client submit-obuilder -c "$state/secrets/submit.cap" --pool $POOL --local-file "$state/job.spec" >"$state/obuilder.log" 2>&1 ||
    { cat "$state/obuilder.log"; fail "the OBuilder job failed"; }
grep -q "^obuilder-job-ran" "$state/obuilder.log" || { cat "$state/obuilder.log"; fail "no output from the OBuilder job"; }

say "a Docker job (docker build through the engine's socket)"
printf 'FROM local/busybox:latest\nRUN echo docker-job-ran\n' >"$state/Dockerfile.job"
client submit-docker -c "$state/secrets/submit.cap" --pool $POOL --local-dockerfile "$state/Dockerfile.job" \
    >"$state/docker.log" 2>&1 || { cat "$state/docker.log"; fail "the Docker job failed"; }
grep -q docker-job-ran "$state/docker.log" || { cat "$state/docker.log"; fail "no output from the Docker job"; }

say "release 2 of the worker image to the registry; ocluster-admin update $POOL"
old_containers=$(docker ps -q --filter label=com.docker.swarm.service.name | sort | paste -sd' ')
build_image Dockerfile.worker "$RELEASE_IMAGE" --label org.swift-ocluster.release=2 >/dev/null
docker push -q "$RELEASE_IMAGE" >/dev/null
timeout 600 nsenter --net="/proc/$ENGINE_PID/ns/net" "$BIN/ocluster-admin" -c "$state/secrets/admin.cap" update $POOL \
    >"$state/update.log" 2>&1 || { cat "$state/update.log"; fail "ocluster-admin update failed"; }
sed 's/^/     /' "$state/update.log"
for i in 1 2; do
    image=$(docker service inspect -f '{{ .Spec.TaskTemplate.ContainerSpec.Image }}' "ocluster-worker-$i")
    case "$image" in "$REGISTRY/ocluster-worker@sha256:"*) ;; *) fail "ocluster-worker-$i runs $image, not a digest of the release" ;; esac
    wait_for 120 "release 2 of ocluster-worker-$i" bash -c "[ -n \"\$(docker ps -q --filter label=com.docker.swarm.service.name=ocluster-worker-$i --filter label=org.swift-ocluster.release=2)\" ]"
    wait_for 120 "worker-$i to register again" registered "worker-$i"
done
for old in $old_containers; do
    [ -z "$(docker ps -q --filter "id=$old")" ] || fail "container $old of the old release still runs"
done

say "a job on the new release; the containers' healthchecks"
client submit-obuilder -c "$state/secrets/submit.cap" --pool $POOL --local-file "$state/job.spec" >"$state/obuilder2.log" 2>&1 ||
    { cat "$state/obuilder2.log"; fail "the OBuilder job after the update failed"; }
for id in $(docker ps -q --filter label=com.docker.swarm.service.name); do
    docker exec "$id" ocluster-worker-healthcheck || fail "the healthcheck of worker container $id fails"
done
# The healthcheck finds the endpoint on the scheduler's command line (127.0.0.1:9191 overrides the image's 9090).
docker exec ocluster-scheduler ocluster-scheduler-healthcheck || fail "the scheduler container's healthcheck fails"
wait_for 90 "the scheduler container to be healthy" \
    bash -c '[ "$(docker inspect -f "{{ .State.Health.Status }}" ocluster-scheduler)" = healthy ]'
say "ok: OBuilder and Docker jobs ran; both worker containers were replaced by release 2"
