# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Conformance schema for the Swift Cap'n Proto runtime and code generator. It exercises every
# part of the schema language that the generator must handle (generics excepted): all
# primitive, pointer and list types, defaults of every kind, enums, nesting, unions (named,
# unnamed, containing groups), groups (nested, containing unions), AnyPointer/AnyStruct/
# AnyList/Capability, interfaces with inheritance, constants, annotations, doc comments, and
# names that are keywords in Swift. The *.txt files next to it are text-format values of these
# types (`capnp encode schema/test/test.capnp TYPE < FILE`) used as fixtures.

@0xefd47c3b58b3330d;

annotation testNote(struct, field, enum, enumerant, interface, method, param, const) :Text;
# An annotation of our own. Code generators must skip annotations they do not know.

enum TestEnum {
  # An enum with more than a handful of values.

  foo @0;
  bar @1;
  baz @2;
  qux @3;
  quux @4;
  corge @5;
  grault @6;
  garply @7;
}

struct TestSmall {
  # A small struct with a data and a pointer section, used in lists and defaults.

  a @0 :Int32;
  b @1 :Text;
  c @2 :List(UInt16);
}

struct TestEmpty {
  # No fields at all: zero-sized in lists, and still a valid struct pointer.
}

struct TestAllTypes {
  # One field of every type. Lists of every element type follow the scalar fields.

  voidField @0 :Void;
  boolField @1 :Bool;
  int8Field @2 :Int8;
  int16Field @3 :Int16;
  int32Field @4 :Int32;
  int64Field @5 :Int64;
  uint8Field @6 :UInt8;
  uint16Field @7 :UInt16;
  uint32Field @8 :UInt32;
  uint64Field @9 :UInt64;
  float32Field @10 :Float32;
  float64Field @11 :Float64;
  textField @12 :Text;
  dataField @13 :Data;

  structField @14 :TestAllTypes;
  # The type refers to itself: arbitrarily deep nesting.

  enumField @15 :TestEnum;

  interfaceField @16 :TestInterface;
  # A capability; the text format cannot express one, so fixtures leave it null.

  anyPointerField @17 :AnyPointer;
  # Untyped pointer; left null by the text fixtures for the same reason.

  voidList @18 :List(Void);
  boolList @19 :List(Bool);
  int8List @20 :List(Int8);
  int16List @21 :List(Int16);
  int32List @22 :List(Int32);
  int64List @23 :List(Int64);
  uint8List @24 :List(UInt8);
  uint16List @25 :List(UInt16);
  uint32List @26 :List(UInt32);
  uint64List @27 :List(UInt64);
  float32List @28 :List(Float32);
  float64List @29 :List(Float64);
  textList @30 :List(Text);
  dataList @31 :List(Data);
  structList @32 :List(TestSmall);
  enumList @33 :List(TestEnum);
  interfaceList @34 :List(TestInterface);
  # Capabilities in a list (null in the fixtures).

  int32ListList @35 :List(List(Int32));
  # A list of lists; inner lists may differ in length.

  textListList @36 :List(List(Text));
  emptyStructList @37 :List(TestEmpty);
  # Elements of zero size.

  nestedStruct @38 :Nested;
  nestedEnum @39 :NestedEnum;
  nestedList @40 :List(Nested);

  anyStructField @41 :AnyStruct;
  anyListField @42 :AnyList;
  capabilityField @43 :Capability;
  # Constrained AnyPointers (null in the fixtures).

  struct Nested {
    # A struct declared inside another one.

    label @0 :Text;
    kind @1 :NestedEnum;
    inner @2 :Inner;

    struct Inner {
      # Two levels down.

      value @0 :UInt32;
    }
  }

  enum NestedEnum {
    first @0;
    second @1;
    third @2;
  }
}

struct TestDefaults {
  # Every field has an explicit default, so that a message with nothing set reads back these
  # values, and a field set to its default is stored as zero bits / a null pointer.

  voidField @0 :Void = void;
  boolField @1 :Bool = true;
  int8Field @2 :Int8 = -123;
  int16Field @3 :Int16 = -12345;
  int32Field @4 :Int32 = -12345678;
  int64Field @5 :Int64 = -123456789012345;
  uint8Field @6 :UInt8 = 234;
  uint16Field @7 :UInt16 = 45678;
  uint32Field @8 :UInt32 = 3456789012;
  uint64Field @9 :UInt64 = 12345678901234567890;
  float32Field @10 :Float32 = 1234.5;
  float64Field @11 :Float64 = -123e45;
  textField @12 :Text = "hello";
  dataField @13 :Data = 0x"ab cd";

  structField @14 :TestSmall = (a = 1, b = "x", c = [10, 20]);
  enumField @15 :TestEnum = corge;

  voidList @16 :List(Void) = [void, void, void];
  boolList @17 :List(Bool) = [true, false, false, true, true, false, true, false, true];
  # Nine bits: the list spills into a second byte.

  int8List @18 :List(Int8) = [111, -111];
  int16List @19 :List(Int16) = [11111, -22222];
  int32List @20 :List(Int32) = [1, 2, 3];
  int64List @21 :List(Int64) = [1111111111111111111, -1111111111111111111];
  uint8List @22 :List(UInt8) = [0, 255];
  uint16List @23 :List(UInt16) = [33333, 44444];
  uint32List @24 :List(UInt32) = [3333333333];
  uint64List @25 :List(UInt64) = [11111111111111111111];
  float32List @26 :List(Float32) = [5555.5, inf, -inf, nan];
  float64List @27 :List(Float64) = [7777.75, inf, -inf, nan];
  textList @28 :List(Text) = ["plugh", "xyzzy", "thud"];
  dataList @29 :List(Data) = [0x"00", 0x"ff fe", ""];
  structList @30 :List(TestSmall) = [(a = 1), (a = 2, b = "two"), (c = [3])];
  enumList @31 :List(TestEnum) = [foo, garply];
  int32ListList @32 :List(List(Int32)) = [[1, 2], [], [3]];

  nestedStruct @33 :TestAllTypes.Nested = (label = "deep", kind = third, inner = (value = 99));
  nestedEnum @34 :TestAllTypes.NestedEnum = second;

  interfaceField @35 :TestInterface;
  # Capabilities can only default to null.

  const answer :Int32 = 42;
  # A constant declared inside a struct.
}

struct TestUnion {
  # Unions with and without a name, and groups as union members.

  union {
    # The unnamed union: its members are fields of TestUnion itself.

    none @0 :Void;
    # The first member is the one a zeroed message holds.

    i32 @1 :Int32;
    text @2 :Text;
    small @3 :TestSmall;

    point :group {
      # A group as a union member: several fields selected together.

      x @4 :Float64;
      y @5 :Float64;
    }

    flag @6 :Bool;
    numbers @7 :List(Int32);
  }

  before @8 :Text;
  # A field outside both unions.

  shape :union {
    # A named union, reached as a group.

    circle @9 :Float64;
    # Radius.

    rect :group {
      width @10 :Float64;
      height @11 :Float64;
    }

    empty @12 :Void;
  }

  after @13 :UInt16;
}

struct TestGroups {
  # Groups, groups inside groups, and a union inside a group.

  id @0 :UInt64;

  location :group {
    lat @1 :Float64;
    lon @2 :Float64;
    label @3 :Text;
  }

  owner :group {
    name @4 :Text;

    contact :union {
      # A union nested in a group.

      none @5 :Void;
      email @6 :Text;
      phone @7 :Text;
    }

    address :group {
      # A group nested in a group.

      street @8 :Text;
      city @9 :Text;
    }
  }

  union {
    alpha :group {
      count @10 :Int32;
      tag @11 :Text;
    }
    beta :group {
      ratio @12 :Float32;
      on @13 :Bool;
    }
  }
}

struct TestKeywords {
  # Field, type and enumerant names that are keywords (or special names) in Swift. Generated
  # code has to escape them.

  class @0 :Int32;
  struct @1 :Text;
  protocol @2 :Bool;
  self @3 :Int32;
  init @4 :Int32;
  default @5 :Int32;
  in @6 :Int32;
  is @7 :Bool;
  return @8 :Text;
  where @9 :Int32;
  let @10 :Int32;
  var @11 :Int32;
  func @12 :Int32;
  enum @13 :Type;
  case @14 :Int32;
  switch @15 :Int32;
  if @16 :Int32;
  for @17 :List(Int32);
  import @18 :Text;
  true @19 :Bool;
  false @20 :Bool;
  nil @21 :Int32;
  super @22 :Int32;
  throws @23 :Int32;
  try @24 :Int32;
  async @25 :Int32;
  await @26 :Int32;
  operator @27 :Int32;
  extension @28 :Int32;
  typealias @29 :Int32;
  internal @30 :Int32;
  public @31 :Int32;
  static @32 :Int32;
  inout @33 :Int32;
  subscript @34 :Int32;
  description @35 :Text;
  hashValue @36 :Int32;
  type @37 :Int32;
  protocolField @38 :Protocol;
  selfField @39 :Self;
  any @40 :Any;

  enum Type {
    # A nested type named `Type` (in Swift, `X.Type` normally means the metatype).

    class @0;
    self @1;
    default @2;
    init @3;
    protocol @4;
    case @5;
  }

  struct Protocol {
    # Likewise for `X.Protocol`.

    value @0 :Int32;
  }

  struct Self {
    value @0 :Int32;
  }

  struct Any {
    value @0 :Int32;
  }

  union {
    deinit @41 :Void;
    repeat @42 :Int32;
    guard @43 :Text;
  }
}

interface TestInterface {
  # A plain interface: methods with inline and named parameter/result structs.

  foo @0 (i :UInt32, j :Bool) -> (x :Text);
  # Inline parameter and result lists become auto-generated structs.

  bar @1 () -> ();
  # No parameters, no results.

  getSmall @2 (n :Int32) -> TestSmall;
  # A named struct as the result type.

  echo @3 (cap :TestInterface, data :Data) -> (cap :TestInterface, data :Data);
  # Capabilities in parameters and results.

  noted @4 (x :Int32 $testNote("param")) -> () $testNote("method");
  # Annotated method and parameter.
}

interface TestExtended extends(TestInterface) {
  # Inherits every method of TestInterface and adds one.

  baz @0 (s :Text) -> (n :UInt64);
}

interface TestKeywordInterface {
  # Methods and parameters named with Swift keywords.

  class @0 (self :Int32, in :Text) -> (return :Int32, where :Bool);
  init @1 (default :TestKeywords) -> ();
}

struct TestAnnotated $testNote("struct") {
  # Annotations on every kind of declaration.

  field @0 :Int32 $testNote("field");
  kind @1 :Kind;

  enum Kind $testNote("enum") {
    one @0 $testNote("enumerant");
    two @1;
  }
}

const constVoid :Void = void;
const constBool :Bool = true;
const constInt8 :Int8 = -128;
const constInt16 :Int16 = -32768;
const constInt32 :Int32 = -2147483648;
const constInt64 :Int64 = -9223372036854775808;
const constUInt8 :UInt8 = 255;
const constUInt16 :UInt16 = 65535;
const constUInt32 :UInt32 = 4294967295;
const constUInt64 :UInt64 = 0xffffffffffffffff;
const constFloat32 :Float32 = -1.5;
const constFloat64 :Float64 = 6.02214076e23;
const constFloat64Inf :Float64 = inf;
const constText :Text = "tab\tquote\"backslash\\newline\n\x01 é";
const constData :Data = 0x"de ad be ef";
const constEnum :TestEnum = quux;
const constStruct :TestSmall = (a = 7, b = "seven", c = [7, 77]) $testNote("const");
const constInt32List :List(Int32) = [1, -2, 3];
const constTextList :List(Text) = ["x", "yy", ""];
const constStructList :List(TestSmall) = [(a = 1), (b = "b")];
const constEnumList :List(TestEnum) = [bar, baz];
const constListList :List(List(Int32)) = [[1], [2, 3], []];
const constRef :Int32 = .constInt32;
# A constant whose value is another constant.

const constNestedRef :Int32 = TestDefaults.answer;
