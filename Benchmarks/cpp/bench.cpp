// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.
//
// Reference serialization benchmark against the official C++ Cap'n Proto library, for
// comparison with the Swift runtime's capnp-bench. Build with Benchmarks/cpp/build.sh.
//
// Usage: bench [SCALE [CASE...]]
//   SCALE  multiplies every case's iteration count (default 1; e.g. 0.1 for a quick run).
//   CASE   run only these cases (default: all).
// Or:    bench --dump jobdescr|jobdescr-packed|bulk
//   writes that benchmark message to stdout (standard framing, packed for jobdescr-packed),
//   e.g. `bench --dump jobdescr | capnp decode schema/ocluster.capnp JobDescr`.
//
// Output: one line per case, `cpp <case> <iterations> <nanoseconds-per-op>`; lines starting
// with '#' carry extra facts (message sizes, checksums) and can be ignored by parsers.
//
// The messages are built exactly as described in Benchmarks/cpp/README.md, so that the Swift
// benchmark can build identical ones (and compare the encoded size and checksum).

#include <capnp/message.h>
#include <capnp/serialize-packed.h>
#include <capnp/serialize.h>
#include <kj/io.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench.capnp.h"
#include "ocluster.capnp.h"

namespace {

// ---------------------------------------------------------------------------------------
// The benchmark messages.

// The Dockerfile sent inline: a header, 32 numbered RUN lines and a footer (2099 bytes).
std::string makeDockerfile() {
  std::string s =
      "# syntax=docker/dockerfile:1\n"
      "FROM ocaml/opam:debian-12-ocaml-5.1\n"
      "WORKDIR /home/opam/src\n";
  for (int i = 0; i < 32; i++) {
    char line[128];
    std::snprintf(line, sizeof line, "RUN opam install -y bench-package-%02d && echo 'built step %02d'\n", i, i);
    s += line;
  }
  s +=
      "COPY --chown=opam . .\n"
      "RUN opam exec -- dune build @install\n";
  return s;
}

const std::string kDockerfile = makeDockerfile();

const char* const kBuildArgs[] = {
    "OCAML_VERSION=5.1.1",
    "OPAM_REPO=https://github.com/ocaml/opam-repository.git",
    "BUILD_JOBS=8",
    "DEBIAN_FRONTEND=noninteractive",
};
const char* const kPushTarget = "ocurrent/ocluster-bench:build-0123456789abcdef";
const char* const kCacheHint = "ocaml/opam:debian-12-ocaml-5.1";
const char* const kRepository = "https://github.com/ocurrent/ocluster.git";
const char* const kCommits[] = {
    "0123456789abcdef0123456789abcdef01234567",
    "89abcdef0123456789abcdef0123456789abcdef",
    "fedcba9876543210fedcba9876543210fedcba98",
};
const char* const kSecrets[][2] = {
    {"docker-hub-token", "dckr_pat_0123456789abcdefghijklmnopqrstuv"},
    {"opam-repo-ssh-key",
     "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\n"
     "-----END OPENSSH PRIVATE KEY-----\n"},
};

// Fills a JobDescr, in this order (the order decides the byte layout of the message).
void buildJob(JobDescr::Builder job) {
  auto db = job.getAction().initDockerBuild();
  db.getDockerfile().setContents(kDockerfile);
  db.setPushTarget(kPushTarget);
  auto args = db.initBuildArgs(4);
  for (unsigned i = 0; i < 4; i++) args.set(i, kBuildArgs[i]);
  db.setBuildkit(true);
  job.setCacheHint(kCacheHint);
  job.setRepository(kRepository);
  auto commits = job.initCommits(3);
  for (unsigned i = 0; i < 3; i++) commits.set(i, kCommits[i]);
  auto secrets = job.initSecrets(2);
  for (unsigned i = 0; i < 2; i++) {
    secrets[i].setId(kSecrets[i][0]);
    secrets[i].setValue(kSecrets[i][1]);
  }
}

// Reads every field of a JobDescr; returns the sum of all text lengths, list lengths and
// Bool values (text bytes themselves are not examined).
uint64_t readJob(JobDescr::Reader job) {
  uint64_t n = 0;
  auto action = job.getAction();
  switch (action.which()) {
    case JobDescr::Action::DOCKER_BUILD: {
      auto db = action.getDockerBuild();
      auto df = db.getDockerfile();
      switch (df.which()) {
        case DockerBuild::Dockerfile::CONTENTS:
          n += df.getContents().size();
          break;
        case DockerBuild::Dockerfile::PATH:
          n += df.getPath().size();
          break;
      }
      n += db.getPushTarget().size() + db.getPushUser().size() + db.getPushPassword().size();
      auto args = db.getBuildArgs();
      n += args.size();
      for (auto a : args) n += a.size();
      n += db.getSquash() + db.getBuildkit() + db.getIncludeGit();
      break;
    }
    case JobDescr::Action::OBUILDER:
      n += action.getObuilder().getSpec().size();
      break;
    case JobDescr::Action::CUSTOM:
      n += action.getCustom().getKind().size();
      break;
  }
  n += job.getCacheHint().size();
  n += job.getRepository().size();
  auto commits = job.getCommits();
  n += commits.size();
  for (auto c : commits) n += c.size();
  auto secrets = job.getSecrets();
  n += secrets.size();
  for (auto s : secrets) n += s.getId().size() + s.getValue().size();
  return n;
}

constexpr size_t kBulkBytes = 1 << 20;
constexpr size_t kBulkValues = 131072;

// Source data for the bulk message: byte i is (i * 31 + 7) mod 256, value i is
// i * 0x9E3779B97F4A7C15 (mod 2^64).
std::vector<uint8_t> makeBulkBytes() {
  std::vector<uint8_t> v(kBulkBytes);
  for (size_t i = 0; i < kBulkBytes; i++) v[i] = static_cast<uint8_t>(i * 31 + 7);
  return v;
}
std::vector<uint64_t> makeBulkValues() {
  std::vector<uint64_t> v(kBulkValues);
  for (size_t i = 0; i < kBulkValues; i++) v[i] = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull;
  return v;
}

const std::vector<uint8_t> kBulkBytesSrc = makeBulkBytes();
const std::vector<uint64_t> kBulkValuesSrc = makeBulkValues();

// Fills a BulkData: the blob is copied in one go, the values are set one by one.
void buildBulk(BulkData::Builder bulk) {
  bulk.setBytes(kj::arrayPtr(kBulkBytesSrc.data(), kBulkBytesSrc.size()));
  auto values = bulk.initValues(kBulkValues);
  for (unsigned i = 0; i < kBulkValues; i++) values.set(i, kBulkValuesSrc[i]);
}

// Sum (mod 2^64) of every byte and every value.
uint64_t readBulk(BulkData::Reader bulk) {
  uint64_t sum = 0;
  for (auto b : bulk.getBytes()) sum += b;
  for (auto v : bulk.getValues()) sum += v;
  return sum;
}

uint64_t fnv1a(kj::ArrayPtr<const kj::byte> bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (auto b : bytes) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

size_t segmentCount(kj::ArrayPtr<const capnp::word> flat) {
  auto b = flat.asBytes();
  return (static_cast<size_t>(b[0]) | static_cast<size_t>(b[1]) << 8 | static_cast<size_t>(b[2]) << 16 |
          static_cast<size_t>(b[3]) << 24) + 1;
}

capnp::ReaderOptions bigReaderOptions() {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = 1ull << 32;
  return o;
}

// ---------------------------------------------------------------------------------------
// Harness.

volatile uint64_t gSink = 0;

struct Case {
  const char* name;
  uint64_t baseIterations;  // at SCALE 1; about half a second on a 2020s x86-64 core
  std::function<uint64_t()> op;  // one operation; the result feeds the sink
};

double runCase(const Case& c, uint64_t iterations) {
  uint64_t sink = 0;
  uint64_t warmup = iterations / 10 + 1;
  for (uint64_t i = 0; i < warmup; i++) sink += c.op();
  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < iterations; i++) sink += c.op();
  auto end = std::chrono::steady_clock::now();
  gSink = gSink + sink;
  double ns = std::chrono::duration<double, std::nano>(end - start).count();
  return ns / static_cast<double>(iterations);
}

}  // namespace

int dump(const char* what) {
  capnp::MallocMessageBuilder m;
  kj::FdOutputStream out(1);
  if (std::strcmp(what, "jobdescr") == 0) {
    buildJob(m.initRoot<JobDescr>());
    capnp::writeMessage(out, m);
  } else if (std::strcmp(what, "jobdescr-packed") == 0) {
    buildJob(m.initRoot<JobDescr>());
    capnp::writePackedMessage(out, m);
  } else if (std::strcmp(what, "bulk") == 0) {
    buildBulk(m.initRoot<BulkData>());
    capnp::writeMessage(out, m);
  } else {
    std::fprintf(stderr, "bench: unknown message '%s'\n", what);
    return 2;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--dump") == 0) return dump(argv[2]);

  double scale = 1.0;
  if (argc > 1) {
    char* end = nullptr;
    scale = std::strtod(argv[1], &end);
    if (end == argv[1] || *end != '\0' || !(scale > 0)) {
      std::fprintf(stderr, "usage: %s [SCALE [CASE...]]\n", argv[0]);
      return 2;
    }
  }
  std::vector<std::string> only(argv + (argc > 2 ? 2 : argc), argv + argc);

  // Pre-encoded inputs for the decode cases.
  kj::Array<capnp::word> jobFlat;
  {
    capnp::MallocMessageBuilder m;
    buildJob(m.initRoot<JobDescr>());
    jobFlat = capnp::messageToFlatArray(m);
  }
  kj::Array<capnp::word> bulkFlat;
  {
    capnp::MallocMessageBuilder m;
    buildBulk(m.initRoot<BulkData>());
    bulkFlat = capnp::messageToFlatArray(m);
  }
  std::vector<kj::byte> jobPacked(jobFlat.asBytes().size() * 2 + 64);
  size_t jobPackedSize;
  {
    capnp::MallocMessageBuilder m;
    buildJob(m.initRoot<JobDescr>());
    kj::ArrayOutputStream out(kj::arrayPtr(jobPacked.data(), jobPacked.size()));
    capnp::writePackedMessage(out, m);
    jobPackedSize = out.getArray().size();
  }
  auto jobPackedBytes = kj::arrayPtr(jobPacked.data(), jobPackedSize);

  {
    capnp::FlatArrayMessageReader r(jobFlat);
    capnp::FlatArrayMessageReader rb(bulkFlat, bigReaderOptions());
    std::printf("# dockerfile bytes=%zu\n", kDockerfile.size());
    std::printf("# jobdescr flat bytes=%zu segments=%zu fnv1a=0x%016" PRIx64 " readsum=%" PRIu64 "\n",
                jobFlat.asBytes().size(), segmentCount(jobFlat),
                fnv1a(jobFlat.asBytes()), readJob(r.getRoot<JobDescr>()));
    std::printf("# jobdescr packed bytes=%zu fnv1a=0x%016" PRIx64 "\n", jobPackedSize, fnv1a(jobPackedBytes));
    std::printf("# bulk flat bytes=%zu segments=%zu readsum=%" PRIu64 "\n", bulkFlat.asBytes().size(),
                segmentCount(bulkFlat),
                readBulk(rb.getRoot<BulkData>()));
  }

  std::vector<kj::byte> packBuffer(jobPacked.size());

  std::vector<Case> cases = {
      {"jobdescr_encode", 1200000,
       [] {
         capnp::MallocMessageBuilder m;
         buildJob(m.initRoot<JobDescr>());
         auto flat = capnp::messageToFlatArray(m);
         return static_cast<uint64_t>(flat.size());
       }},
      {"jobdescr_decode", 2000000,
       [&] {
         capnp::FlatArrayMessageReader r(jobFlat);
         return readJob(r.getRoot<JobDescr>());
       }},
      {"bulk_encode", 250,
       [] {
         capnp::MallocMessageBuilder m;
         buildBulk(m.initRoot<BulkData>());
         auto flat = capnp::messageToFlatArray(m);
         return static_cast<uint64_t>(flat.size());
       }},
      {"bulk_decode", 1200,
       [&] {
         capnp::FlatArrayMessageReader r(bulkFlat, bigReaderOptions());
         return readBulk(r.getRoot<BulkData>());
       }},
      {"jobdescr_packed_encode", 400000,
       [&] {
         capnp::MallocMessageBuilder m;
         buildJob(m.initRoot<JobDescr>());
         kj::ArrayOutputStream out(kj::arrayPtr(packBuffer.data(), packBuffer.size()));
         capnp::writePackedMessage(out, m);
         return static_cast<uint64_t>(out.getArray().size());
       }},
      {"jobdescr_packed_decode", 700000,
       [&] {
         kj::ArrayInputStream in(jobPackedBytes);
         capnp::PackedMessageReader r(in);
         return readJob(r.getRoot<JobDescr>());
       }},
  };

  for (auto& c : cases) {
    if (!only.empty() && std::find(only.begin(), only.end(), c.name) == only.end()) continue;
    uint64_t iterations = static_cast<uint64_t>(static_cast<double>(c.baseIterations) * scale);
    if (iterations == 0) iterations = 1;
    double nsPerOp = runCase(c, iterations);
    std::printf("cpp %s %" PRIu64 " %.1f\n", c.name, iterations, nsPerOp);
    std::fflush(stdout);
  }
  return 0;
}
