# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# The schema of compiled schemas: what `capnp compile` hands a code generator plugin on stdin
# (a CodeGeneratorRequest). Wire-identical to capnproto's c++/src/capnp/schema.capnp (as of its
# master branch, a compatible superset of what capnp 0.9.2 writes): same file id, names,
# nesting, declaration order, ordinals, types and defaults, hence the same type ids. Only the
# comments are ours, and the C++ namespace annotation is left out (it does not affect ids).
# scripts/compare-schemas.sh checks this against the upstream file.

@0xa93fc509624c72d9;

using Id = UInt64;
# Every node has a 64-bit id, unique across all schemas.

struct Node {
  # One declaration: a file, struct, group, enum, interface, constant or annotation.

  id @0 :Id;

  displayName @1 :Text;
  # Human-readable name, e.g. "dir/file.capnp:Outer.Inner". Not for code generation.

  displayNamePrefixLength @2 :UInt32;
  # Length of the displayName prefix naming the enclosing scope; the rest is the node's own name.

  scopeId @3 :Id;
  # The enclosing node; 0 for files and for the implicit param/result structs of methods.

  parameters @32 :List(Parameter);
  # The node's own generic parameters, if any.

  isGeneric @33 :Bool;
  # True if this node or any enclosing one has generic parameters.

  struct Parameter {
    # A generic parameter.

    name @0 :Text;
  }

  nestedNodes @4 :List(NestedNode);
  # Declarations nested in this one, in declaration order (groups and method param structs
  # are not listed here).

  struct NestedNode {
    name @0 :Text;
    # Unqualified name.

    id @1 :Id;
  }

  annotations @5 :List(Annotation);
  # Annotations applied to the declaration itself.

  union {
    file @6 :Void;

    struct :group {
      dataWordCount @7 :UInt16;
      # Size of the data section, in 64-bit words.

      pointerCount @8 :UInt16;
      # Number of pointers in the pointer section.

      preferredListEncoding @9 :ElementSize;
      # Element encoding to use in lists of this struct; inlineComposite unless the struct is
      # small enough to fit a primitive element.

      isGroup @10 :Bool;
      # A group shares the layout of its parent struct; it is not a standalone type.

      discriminantCount @11 :UInt16;
      # Members of the unnamed union in this struct (0 when there is none).

      discriminantOffset @12 :UInt32;
      # Where the union tag lives, in 16-bit units from the start of the data section.

      fields @13 :List(Field);
      # Fields in code order. Union members are among them, marked with a discriminantValue.
    }

    enum :group {
      enumerants @14 :List(Enumerant);
      # Enumerants in code order; the index is the numeric value.
    }

    interface :group {
      methods @15 :List(Method);
      # Methods in code order; the index is the method ordinal.

      superclasses @31 :List(Superclass);
      # Interfaces this one extends.
    }

    const :group {
      type @16 :Type;
      value @17 :Value;
    }

    annotation :group {
      type @18 :Type;
      # Type of the annotation's value.

      targetsFile @19 :Bool;
      targetsConst @20 :Bool;
      targetsEnum @21 :Bool;
      targetsEnumerant @22 :Bool;
      targetsStruct @23 :Bool;
      targetsField @24 :Bool;
      targetsUnion @25 :Bool;
      targetsGroup @26 :Bool;
      targetsInterface @27 :Bool;
      targetsMethod @28 :Bool;
      targetsParam @29 :Bool;
      targetsAnnotation @30 :Bool;
      # Which kinds of declaration the annotation may be applied to.
    }
  }

  startByte @34 :UInt32;
  endByte @35 :UInt32;
  # Byte range of the declaration in its source file, when known.

  struct SourceInfo {
    # Source-level facts about a node that code generators may use but that do not affect the
    # binary format, kept apart from Node so that schemas embedded in binaries stay small.

    id @0 :Id;
    # The node described.

    docComment @1 :Text;
    # The declaration's doc comment, if any.

    members @2 :List(Member);
    # One entry per field, enumerant or method, in the same order as in the node.

    struct Member {
      docComment @0 :Text;

      startByte @1 :UInt32;
      endByte @2 :UInt32;
      # Byte range of the member declaration.
    }

    startByte @3 :UInt32;
    endByte @4 :UInt32;
    # Byte range of the node declaration.
  }
}

struct Field {
  # A member of a struct or group.

  name @0 :Text;

  codeOrder @1 :UInt16;
  # Position of the field in the source, counting from zero within its struct.

  annotations @2 :List(Annotation);

  const noDiscriminant :UInt16 = 0xffff;
  # discriminantValue for fields outside the unnamed union.

  discriminantValue @3 :UInt16 = Field.noDiscriminant;
  # The union tag value that selects this field, when it belongs to the unnamed union.

  union {
    slot :group {
      # An ordinary field stored in the struct's data or pointer section.

      offset @4 :UInt32;
      # Offset in units of the field's own size (bits for Bool, pointers for pointer types).

      type @5 :Type;
      defaultValue @6 :Value;

      hadExplicitDefault @10 :Bool;
      # Whether the source gave a default (defaultValue may still be the type's zero).
    }

    group :group {
      # A group: its members live in the node named here.

      typeId @7 :Id;
    }
  }

  ordinal :union {
    implicit @8 :Void;
    # Groups and unions have no ordinal of their own.

    explicit @9 :UInt16;
    # The @N number written in the source.
  }
}

struct Enumerant {
  # One value of an enum.

  name @0 :Text;

  codeOrder @1 :UInt16;
  # Position in the source.

  annotations @2 :List(Annotation);
}

struct Superclass {
  id @0 :Id;
  brand @1 :Brand;
}

struct Method {
  # One method of an interface.

  name @0 :Text;

  codeOrder @1 :UInt16;

  implicitParameters @7 :List(Node.Parameter);
  # Generic parameters of the method itself.

  paramStructType @2 :Id;
  # Struct holding the parameters; an auto-generated one when the parameter list is written
  # inline (such structs have scopeId 0).

  paramBrand @5 :Brand;
  # Generic bindings for paramStructType.

  resultStructType @3 :Id;
  # Struct holding the results, same rules as paramStructType.

  resultBrand @6 :Brand;

  annotations @4 :List(Annotation);
}

struct Type {
  # The type of a field, constant, list element or annotation value.

  union {
    void @0 :Void;
    bool @1 :Void;
    int8 @2 :Void;
    int16 @3 :Void;
    int32 @4 :Void;
    int64 @5 :Void;
    uint8 @6 :Void;
    uint16 @7 :Void;
    uint32 @8 :Void;
    uint64 @9 :Void;
    float32 @10 :Void;
    float64 @11 :Void;
    text @12 :Void;
    data @13 :Void;

    list :group {
      elementType @14 :Type;
    }

    enum :group {
      typeId @15 :Id;
      brand @21 :Brand;
    }
    struct :group {
      typeId @16 :Id;
      brand @22 :Brand;
    }
    interface :group {
      typeId @17 :Id;
      brand @23 :Brand;
    }

    anyPointer :union {
      unconstrained :union {
        # A pointer of unknown type, possibly limited to one kind.

        anyKind @18 :Void;
        struct @25 :Void;
        list @26 :Void;
        capability @27 :Void;
      }

      parameter :group {
        # A generic parameter of an enclosing declaration.

        scopeId @19 :Id;
        # The generic node declaring the parameter (the current scope or an ancestor).

        parameterIndex @20 :UInt16;
        # Index into that node's parameter list.
      }

      implicitMethodParameter :group {
        # A generic parameter of the method being declared.

        parameterIndex @24 :UInt16;
      }
    }
  }
}

struct Brand {
  # Bindings of generic parameters, per scope; scopes not listed are unbound (AnyPointer).

  scopes @0 :List(Scope);

  struct Scope {
    scopeId @0 :Id;
    # The generic node whose parameters this binds.

    union {
      bind @1 :List(Binding);
      # One binding per parameter, in order.

      inherit @2 :Void;
      # Keep whatever bindings this scope has where the brand is used.
    }
  }

  struct Binding {
    union {
      unbound @0 :Void;
      type @1 :Type;
    }
  }
}

struct Value {
  # A constant value: a default, a const's value, or an annotation argument. The union member
  # chosen matches the Type it goes with.

  union {
    void @0 :Void;
    bool @1 :Bool;
    int8 @2 :Int8;
    int16 @3 :Int16;
    int32 @4 :Int32;
    int64 @5 :Int64;
    uint8 @6 :UInt8;
    uint16 @7 :UInt16;
    uint32 @8 :UInt32;
    uint64 @9 :UInt64;
    float32 @10 :Float32;
    float64 @11 :Float64;
    text @12 :Text;
    data @13 :Data;

    list @14 :AnyList;

    enum @15 :UInt16;
    struct @16 :AnyStruct;

    interface @17 :Void;
    # Only null is expressible.

    anyPointer @18 :AnyPointer;
  }
}

struct Annotation {
  # An annotation applied to a declaration.

  id @0 :Id;
  # The annotation's own node.

  brand @2 :Brand;
  # Generic bindings of the annotation node.

  value @1 :Value;
}

enum ElementSize {
  # How list elements are encoded; the numbers are those of list pointers.

  empty @0;
  bit @1;
  byte @2;
  twoBytes @3;
  fourBytes @4;
  eightBytes @5;
  pointer @6;
  inlineComposite @7;
}

struct CapnpVersion {
  major @0 :UInt16;
  minor @1 :UInt8;
  micro @2 :UInt8;
}

struct CodeGeneratorRequest {
  # What a plugin reads from stdin.

  capnpVersion @2 :CapnpVersion;
  # Version of the compiler; absent (zeros) before 0.6.

  nodes @0 :List(Node);
  # The requested files' nodes plus every node they depend on.

  sourceInfo @3 :List(Node.SourceInfo);
  # Extra source information, for the requested files' nodes only.

  requestedFiles @1 :List(RequestedFile);
  # Files to generate code for.

  struct RequestedFile {
    id @0 :Id;
    # The file's node.

    filename @1 :Text;
    # Path as given on the command line; outputs go at the same relative path.

    imports @2 :List(Import);
    # Files this one imports.

    struct Import {
      id @0 :Id;
      # The imported file's node.

      name @1 :Text;
      # The import as written, e.g. "/capnp/c++.capnp".
    }
    fileSourceInfo @3 :FileSourceInfo;

    struct FileSourceInfo {
      # Where identifiers appear in the file, for editor tooling.

      identifiers @0 :List(Identifier);

      struct Identifier {
        startByte @0 :UInt32;
        endByte @1 :UInt32;

        union {
          typeId @2 :UInt64;
          # The identifier names a type.

          member :group {
            # The identifier names a member of a type.

            parentTypeId @3 :UInt64;
            ordinal @4 :UInt16;
          }
        }
      }
    }
  }
}
