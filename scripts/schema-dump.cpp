// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.
//
// Reads a CodeGeneratorRequest (`capnp compile -o- FILE`) on stdin and prints a normalized,
// deterministic description of every node of the first requested file, so that two schema
// files can be compared node by node with `diff`. Normalization: the file name in display
// names becomes "<file>", and annotations declared in c++.capnp are dropped. Everything else
// in each Node (ids, layout, ordinals, code order, types, defaults, brands...) is kept: the
// text form of the node is printed, followed by a hash of its canonical encoding, which also
// covers pointer-valued defaults that the text form shows only as "<opaque pointer>".
//
// Usage: schema-dump [--ids]   (--ids prints just "displayName 0xid" lines)

#include <capnp/message.h>
#include <capnp/pretty-print.h>
#include <capnp/schema.capnp.h>
#include <capnp/serialize.h>
#include <kj/io.h>
#include <kj/string.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace {

namespace cs = capnp::schema;

uint64_t fnv1a(kj::ArrayPtr<const capnp::word> words) {
  auto bytes = words.asBytes();
  uint64_t h = 0xcbf29ce484222325ull;
  for (auto b : bytes) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

struct Entry {
  std::string name;
  uint64_t id;
  std::string text;
  uint64_t hash;
};

}  // namespace

int main(int argc, char** argv) {
  bool idsOnly = argc > 1 && std::strcmp(argv[1], "--ids") == 0;

  kj::FdInputStream in(0);
  kj::BufferedInputStreamWrapper buffered(in);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1ull << 30;
  capnp::InputStreamMessageReader reader(buffered, options);
  auto request = reader.getRoot<cs::CodeGeneratorRequest>();

  if (request.getRequestedFiles().size() == 0) {
    std::fprintf(stderr, "schema-dump: no requested file\n");
    return 1;
  }
  std::string filename = request.getRequestedFiles()[0].getFilename().cStr();

  // Annotations coming from c++.capnp (namespace, name, ...) are not part of the wire format.
  std::set<uint64_t> cxxIds;
  for (auto node : request.getNodes()) {
    std::string dn = node.getDisplayName().cStr();
    if (dn.find("c++.capnp") != std::string::npos) cxxIds.insert(node.getId());
  }

  std::vector<Entry> entries;
  for (auto node : request.getNodes()) {
    std::string dn = node.getDisplayName().cStr();
    bool isFile = dn == filename;
    bool inFile = isFile || (dn.size() > filename.size() && dn.compare(0, filename.size(), filename) == 0 &&
                             dn[filename.size()] == ':');
    if (!inFile) continue;

    capnp::MallocMessageBuilder builder;
    builder.setRoot(node);
    auto copy = builder.getRoot<cs::Node>();

    std::string normalized = "<file>" + dn.substr(filename.size());
    copy.setDisplayName(normalized);
    if (isFile) {
      copy.setDisplayNamePrefixLength(0);
    } else {
      copy.setDisplayNamePrefixLength(node.getDisplayNamePrefixLength() - filename.size() + 6);
    }

    auto annotations = node.getAnnotations();
    unsigned kept = 0;
    for (auto a : annotations) kept += cxxIds.count(a.getId()) ? 0 : 1;
    if (kept == 0) {
      // An empty list and no list mean the same; make them print the same.
      if (copy.hasAnnotations()) copy.disownAnnotations();
    } else if (kept != annotations.size()) {
      auto list = copy.initAnnotations(kept);
      unsigned i = 0;
      for (auto a : annotations) {
        if (!cxxIds.count(a.getId())) list.setWithCaveats(i++, a);
      }
    }

    auto canonical = capnp::canonicalize(copy.asReader());
    Entry e;
    e.name = normalized;
    e.id = node.getId();
    e.text = capnp::prettyPrint(copy.asReader()).flatten().cStr();
    e.hash = fnv1a(canonical);
    entries.push_back(std::move(e));
  }

  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });

  for (auto& e : entries) {
    if (idsOnly) {
      std::printf("%s 0x%016" PRIx64 "\n", e.name.c_str(), e.id);
    } else {
      std::printf("=== %s 0x%016" PRIx64 "\n%s\ncanonical-hash 0x%016" PRIx64 "\n\n", e.name.c_str(), e.id,
                  e.text.c_str(), e.hash);
    }
  }
  return 0;
}
