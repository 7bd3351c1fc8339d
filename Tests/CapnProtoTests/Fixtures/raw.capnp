# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Test schema for the untyped runtime tests in Tests/CapnProtoTests. The tests hard-code the
# field offsets `capnp compile -ocapnp raw.capnp` prints for it.

@0xf8ce734e372155cb;

struct Inner {
  id @0 :UInt32;
  name @1 :Text;
}

struct Raw {
  b @0 :Bool;
  i8 @1 :Int8;
  i16 @2 :Int16;
  i32 @3 :Int32;
  i64 @4 :Int64;
  u8 @5 :UInt8;
  u16 @6 :UInt16;
  u32 @7 :UInt32;
  u64 @8 :UInt64;
  f32 @9 :Float32;
  f64 @10 :Float64;
  text @11 :Text;
  data @12 :Data;
  inner @13 :Inner;
  ints @14 :List(Int32);
  bools @15 :List(Bool);
  texts @16 :List(Text);
  inners @17 :List(Inner);
  choice :union {
    none @18 :Void;
    count @19 :UInt16;
    label @20 :Text;
  }
}

struct Empty {}

struct Holder {
  any @0 :AnyPointer;
  empty @1 :Empty;
}
