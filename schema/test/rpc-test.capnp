# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Interoperability schema for the Swift Cap'n Proto RPC implementation. The C++ peer in
# Tests/Interop/rpc-peer.cpp (built by scripts/build-interop.sh on libcapnp's RpcSystem)
# serves and calls these interfaces, so the Swift client and server can be tested and
# benchmarked against the reference implementation. The bootstrap capability is a TestService.

@0xcc251600221dd473;

interface TestService {
  echo @0 (text :Text) -> (text :Text);
  # Returns `text` unchanged.

  add @1 (a :Int64, b :Int64) -> (sum :Int64);
  # Returns a + b (wrapping).

  fail @2 (message :Text) -> ();
  # Always throws a `failed` exception whose description contains `message`.

  callBack @3 (callback :Callback, value :Int64) -> (result :Int64);
  # Calls callback.call(value) and returns its result + 1.

  makeCounter @4 (start :Int64) -> (counter :Counter);
  # Returns a NEW Counter capability starting at `start`.

  liveCounters @5 () -> (count :UInt32);
  # Counters created by this vat and not yet destroyed (all refs released).

  hold @6 (callback :Callback) -> ();
  # Keeps a reference to callback (replacing any previously held one).

  releaseHeld @7 () -> ();
  # Drops the held callback.

  callHeld @8 (value :Int64) -> (result :Int64);
  # Calls the held callback with `value` and returns its result.

  slowEcho @9 (text :Text, millis :UInt32) -> (text :Text);
  # Replies with `text` after a delay of `millis` milliseconds (for cancellation and ordering
  # tests).

  crash @10 () -> ();
  # The process exits immediately (exit code 0) without replying: a disconnect test.

  getSelf @11 () -> (service :TestService);
  # Returns a capability to this same service (promise resolution / embargo tests).
}

interface Counter {
  increment @0 (by :Int64) -> (value :Int64);
  # Adds `by` and returns the new value.
}

interface Callback {
  call @0 (value :Int64) -> (result :Int64);
}
