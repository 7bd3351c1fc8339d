# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# The Cap'n Proto RPC protocol (CapTP): the messages two vats exchange over a connection.
# Wire-identical to capnproto's c++/src/capnp/rpc.capnp as released in 1.x (tag v1.4.0), a
# compatible superset of the 0.9.2 file (it adds four Bool hints with defaults): same file id,
# names, nesting, declaration order, ordinals, types and defaults, hence the same type ids.
# Only the comments are ours, and the C++ namespace annotation is left out (it does not affect
# ids). scripts/compare-schemas.sh checks this against the upstream file.
#
# Summary for implementers. Each side keeps four tables, keyed by 32-bit ids:
#   questions  calls (and bootstraps) we sent and still await or may pipeline on; ids are ours.
#   answers    the peer's questions, keyed by the peer's question id.
#   exports    capabilities we gave the peer; ids are ours.
#   imports    capabilities the peer gave us, keyed by the peer's export id.
# Level 0 is Bootstrap/Call/Return/Finish; level 1 adds capabilities in messages, promise
# pipelining, Resolve/Release/Disembargo. Levels 2-4 (persistence, three-party handoff, Join)
# are described here for completeness.

@0xb312981b2552a250;

using QuestionId = UInt32;
# Names a question: chosen by the asker, who should reuse the smallest free one.

using AnswerId = QuestionId;
# A question id as seen from the answering side.

using ExportId = UInt32;
# Names an exported capability: chosen by the exporter, smallest free one first.

using ImportId = ExportId;
# An export id as seen from the importing side.

# ========================================================================================
# Messages

struct Message {
  # Everything sent on a connection is one of these.

  union {
    unimplemented @0 :Message;
    # Echo of a message the receiver did not understand (an unknown union member, say). The
    # sender must then clean up as if the echoed message had failed.

    abort @1 :Exception;
    # The sender is closing the connection because of this error.

    bootstrap @8 :Bootstrap;
    call @2 :Call;
    return @3 :Return;
    finish @4 :Finish;
    # Level 0.

    resolve @5 :Resolve;
    release @6 :Release;
    disembargo @13 :Disembargo;
    # Level 1.

    obsoleteSave @7 :AnyPointer;
    obsoleteDelete @9 :AnyPointer;
    # Retired; never sent.

    provide @10 :Provide;
    accept @11 :Accept;
    # Level 3.

    join @12 :Join;
    # Level 4.
  }
}

# ----------------------------------------------------------------------------------------
# Level 0

struct Bootstrap {
  # Asks for the peer's main (bootstrap) capability. Answered like a call whose result content
  # is that capability.

  questionId @0 :QuestionId;

  deprecatedObjectId @1 :AnyPointer;
  # Retired way of asking for one of several named objects; leave null.
}

struct Call {
  # A method call on a capability the sender holds (or will hold, via a promised answer).

  questionId @0 :QuestionId;
  # The sender's new question for this call.

  target @1 :MessageTarget;
  # The object called.

  interfaceId @2 :UInt64;
  # Type id of the interface declaring the method.

  methodId @3 :UInt16;
  # Index of the method within that interface.

  allowThirdPartyTailCall @8 :Bool = false;
  # Level 3: the callee may answer with acceptFromThirdParty.

  noPromisePipelining @9 :Bool = false;
  # Hint: the caller will not pipeline on the results.

  onlyPromisePipeline @10 :Bool = false;
  # Hint: the caller only pipelines on the results and may never want the Return.

  params @4 :Payload;
  # The parameter struct and the capabilities it refers to.

  sendResultsTo :union {
    # Where the Return goes.

    caller @5 :Void;
    # Back to the sender, as usual.

    yourself @6 :Void;
    # Keep the results locally (a tail call): the receiver answers this question with them
    # and the Return carries resultsSentElsewhere.

    thirdParty @7 :RecipientId;
    # Level 3: to another vat.
  }
}

struct Return {
  # The answer to a Call or Bootstrap.

  answerId @0 :AnswerId;
  # The question being answered.

  releaseParamCaps @1 :Bool = true;
  # The receiver should release the capabilities it exported in the call's params (unless
  # the call was a Bootstrap, which has none).

  noFinishNeeded @8 :Bool = false;
  # The answer is already forgotten; the caller need not send Finish (it may anyway).

  union {
    results @2 :Payload;
    # Success.

    exception @3 :Exception;
    # Failure.

    canceled @4 :Void;
    # The caller sent Finish before the call completed.

    resultsSentElsewhere @5 :Void;
    # The call had sendResultsTo.yourself (or thirdParty): the results went elsewhere.

    takeFromOtherQuestion @6 :QuestionId;
    # The results are those of a question the sender of this Return asked the receiver, with
    # sendResultsTo.yourself (a tail call back into the caller's vat).

    acceptFromThirdParty @7 :ThirdPartyCapId;
    # Level 3: fetch the results from a third vat.
  }
}

struct Finish {
  # The caller is done with a question: the answerer may free its answer entry, and cancels
  # the call if it is still running.

  questionId @0 :QuestionId;

  releaseResultCaps @1 :Bool = true;
  # The answerer should release the capabilities in the results, which the caller will never
  # import.

  requireEarlyCancellationWorkaround @2 :Bool = true;
  # If this Finish arrives before the call is delivered, deliver it first and cancel after
  # (what peers older than 1.0 did). Newer senders set false.
}

# ----------------------------------------------------------------------------------------
# Level 1

struct Resolve {
  # A promise the sender exported has settled.

  promiseId @0 :ExportId;
  # The export (sent as senderPromise) that resolved.

  union {
    cap @1 :CapDescriptor;
    # It became this capability.

    exception @2 :Exception;
    # It broke.
  }
}

struct Release {
  # The sender drops references to one of its imports.

  id @0 :ImportId;

  referenceCount @1 :UInt32;
  # How many references to drop: the number of times the receiver sent this export.
}

struct Disembargo {
  # Keeps calls in order when a promise resolves to a capability hosted elsewhere: calls made
  # on the promise before resolution must arrive before calls made on the resolved capability.

  target @0 :MessageTarget;
  # The promise (or answer) that resolved.

  using EmbargoId = UInt32;
  # Chosen by the party that starts the embargo.

  context :union {
    senderLoopback @1 :EmbargoId;
    # Sent after a promise the receiver exported resolved to something the receiver does not
    # host (one of the sender's own objects, say). The receiver reflects it back as
    # receiverLoopback once every call it received earlier on the target has been passed on.

    receiverLoopback @2 :EmbargoId;
    # The reflection: the sender's earlier calls have been delivered; lift the embargo.

    accept @3 :Void;
    provide @4 :QuestionId;
    # Level 3.
  }
}

# ----------------------------------------------------------------------------------------
# Level 3: three-party handoff

struct Provide {
  # Offers a capability to a third vat, which will collect it with Accept.

  questionId @0 :QuestionId;
  # Held open for as long as the offer stands.

  target @1 :MessageTarget;
  # The capability offered.

  recipient @2 :RecipientId;
  # The vat allowed to collect it.
}

struct Accept {
  # Collects a capability offered with Provide.

  questionId @0 :QuestionId;
  # Answered with the capability.

  provision @1 :ProvisionId;
  # Which offer.

  embargo @2 :Bool;
  # Hold the answer until a Disembargo with context.provide arrives.
}

# ----------------------------------------------------------------------------------------
# Level 4: joins

struct Join {
  # Part of checking that several capabilities designate the same object.

  questionId @0 :QuestionId;

  target @1 :MessageTarget;

  keyPart @2 :JoinKeyPart;
}

# ========================================================================================
# Shared parts

struct MessageTarget {
  # What a call (or similar) is addressed to.

  union {
    importedCap @0 :ImportId;
    # A capability the receiver exported to the sender.

    promisedAnswer @1 :PromisedAnswer;
    # A capability inside the (possibly not yet known) results of a question.
  }
}

struct Payload {
  # A message body with the capabilities it points to.

  content @0 :AnyPointer;
  # The params or results struct; its capability pointers index into capTable.

  capTable @1 :List(CapDescriptor);
}

struct CapDescriptor {
  # How a capability is named when passed in a message.

  union {
    none @0 :Void;
    # A null capability.

    senderHosted @1 :ExportId;
    # Exported by the sender (new id, or one already exported: add a reference).

    senderPromise @2 :ExportId;
    # Like senderHosted, but a promise; a Resolve will follow.

    receiverHosted @3 :ImportId;
    # One of the receiver's own exports.

    receiverAnswer @4 :PromisedAnswer;
    # A capability in the results of a question the receiver is answering.

    thirdPartyHosted @5 :ThirdPartyCapDescriptor;
    # Level 3: hosted by another vat.
  }

  attachedFd @6 :UInt8 = 0xff;
  # Index of a file descriptor sent alongside the message that stands for this capability;
  # 0xff means none.
}

struct PromisedAnswer {
  # A capability found in the results of a question.

  questionId @0 :QuestionId;

  transform @1 :List(Op);
  # Path from the results struct to the capability.

  struct Op {
    union {
      noop @0 :Void;
      # Does nothing.

      getPointerField @1 :UInt16;
      # Follow the pointer field with this index.
    }
  }
}

struct ThirdPartyCapDescriptor {
  # Level 3: a capability in a third vat.

  id @0 :ThirdPartyCapId;
  # How to contact that vat and what to Accept.

  vineId @1 :ExportId;
  # A capability the sender exports that forwards to the real one; hold it until the Accept
  # has completed, and use it if the handoff fails.
}

struct Exception {
  # An error, as carried by abort, Return.exception and Resolve.exception.

  reason @0 :Text;
  # Human-readable description.

  type @3 :Type;

  enum Type {
    failed @0;
    # Something went wrong (the usual case).

    overloaded @1;
    # A resource was exhausted; retrying later may work.

    disconnected @2;
    # The connection or object went away; reconnecting and retrying may work.

    unimplemented @3;
    # The method is not implemented by the callee.
  }

  obsoleteIsCallersFault @1 :Bool;
  obsoleteDurability @2 :UInt16;
  # Retired.

  trace @4 :Text;
  # Stack trace or similar from the remote side, for debugging.
}

# ========================================================================================
# Placeholders defined by the vat network (the transport). Each network uses its own types;
# the RPC layer only moves them around.

using SturdyRef = AnyPointer;
# Level 2: a persistent reference to a capability.

using ProvisionId = AnyPointer;
# Level 3: names a Provide, as sent in Accept.

using RecipientId = AnyPointer;
# Level 3: names the intended collector, as sent in Provide.

using ThirdPartyCapId = AnyPointer;
# Level 3: how to reach a third vat and what to collect there.

using JoinKeyPart = AnyPointer;
# Level 4: one part of a join key.

using JoinResult = AnyPointer;
# Level 4: the answer to a Join.
