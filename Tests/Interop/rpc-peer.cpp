// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.
//
// rpc-peer: the reference C++ Cap'n Proto RPC peer (libcapnp's RpcSystem over a two-party TCP
// connection) that the Swift RPC implementation is tested and benchmarked against. It speaks
// schema/test/rpc-test.capnp; the bootstrap capability is a TestService.
//
//   rpc-peer [--trace] serve [--port N]          serve a TestService on 127.0.0.1:N (0 = any);
//                                                 first stdout line is `PORT <n>`
//   rpc-peer [--trace] client <host:port> <scen>  run one client scenario against a server;
//                                                 prints `OK <scen>` or `FAIL <scen>: <reason>`
//   rpc-peer [--trace] bench <host:port> <secs>   benchmark a server; prints
//                                                 `cpp-client <metric> <value>` lines
//
// --trace logs every RPC message sent (->) and received (<-) on stderr, one line each.
// --tls (serve) serves over capnp-rpc's TLS with a fresh key and prints `DIGEST <base64url>` after
// the port; --tls=<digest> (client, bench) dials over TLS, pinning the server's key digest
// (pinned-tls.h).
//
// Build with scripts/build-interop.sh.

#include "rpc-test.capnp.h"
#include "pinned-tls.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/rpc-twoparty.h>
#include <capnp/rpc.capnp.h>
#include <capnp/rpc.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <kj/async-io.h>
#include <kj/debug.h>
#include <kj/main.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace {

using capnp::rpc::Message;

bool traceEnabled = false;
bool tlsEnabled = false;
std::string tlsDigest;  // the server's key digest a TLS client pins

pinned_tls::Identity& tlsIdentity() {
  static pinned_tls::Identity identity;
  return identity;
}

SSL_CTX* tlsContext(bool server) {
  static SSL_CTX* serverContext = pinned_tls::makeContext(tlsIdentity(), true);
  static SSL_CTX* clientContext = pinned_tls::makeContext(tlsIdentity(), false);
  return server ? serverContext : clientContext;
}

// ---------------------------------------------------------------------------------------------
// Tracing: a stream wrapper that reassembles the framed messages flowing each way and logs a
// one-line summary of each decoded rpc::Message.

struct TraceState {
  // Questions we sent (->) and questions the peer sent (<-), so Returns can name the method
  // and decode the results.
  struct Pending {
    uint64_t interfaceId;
    uint16_t methodId;
    bool bootstrap;
  };
  std::map<uint32_t, Pending> ourQuestions;
  std::map<uint32_t, Pending> theirQuestions;
  uint connectionId;
};

kj::Maybe<capnp::InterfaceSchema> knownInterface(uint64_t id) {
  if (id == capnp::typeId<TestService>()) return capnp::Schema::from<TestService>();
  if (id == capnp::typeId<Counter>()) return capnp::Schema::from<Counter>();
  if (id == capnp::typeId<Callback>()) return capnp::Schema::from<Callback>();
  return nullptr;
}

kj::String methodName(uint64_t interfaceId, uint16_t methodId) {
  KJ_IF_MAYBE(iface, knownInterface(interfaceId)) {
    auto methods = iface->getMethods();
    auto ifaceName = iface->getShortDisplayName();
    if (methodId < methods.size()) {
      return kj::str(ifaceName, ".", methods[methodId].getProto().getName());
    }
    return kj::str(ifaceName, ".@", methodId);
  }
  return kj::str(kj::hex(interfaceId), ".@", methodId);
}

kj::String describePromisedAnswer(capnp::rpc::PromisedAnswer::Reader pa) {
  kj::Vector<kj::String> ops;
  for (auto op: pa.getTransform()) {
    switch (op.which()) {
      case capnp::rpc::PromisedAnswer::Op::NOOP: ops.add(kj::str("noop")); break;
      case capnp::rpc::PromisedAnswer::Op::GET_POINTER_FIELD:
        ops.add(kj::str("ptr", op.getGetPointerField()));
        break;
      default: ops.add(kj::str("?")); break;
    }
  }
  return kj::str("promisedAnswer(q", pa.getQuestionId(), " [", kj::strArray(ops, ","), "])");
}

kj::String describeTarget(capnp::rpc::MessageTarget::Reader t) {
  switch (t.which()) {
    case capnp::rpc::MessageTarget::IMPORTED_CAP:
      return kj::str("importedCap(", t.getImportedCap(), ")");
    case capnp::rpc::MessageTarget::PROMISED_ANSWER:
      return describePromisedAnswer(t.getPromisedAnswer());
  }
  return kj::str("target?");
}

kj::String describeCap(capnp::rpc::CapDescriptor::Reader d) {
  switch (d.which()) {
    case capnp::rpc::CapDescriptor::NONE: return kj::str("none");
    case capnp::rpc::CapDescriptor::SENDER_HOSTED:
      return kj::str("senderHosted(", d.getSenderHosted(), ")");
    case capnp::rpc::CapDescriptor::SENDER_PROMISE:
      return kj::str("senderPromise(", d.getSenderPromise(), ")");
    case capnp::rpc::CapDescriptor::RECEIVER_HOSTED:
      return kj::str("receiverHosted(", d.getReceiverHosted(), ")");
    case capnp::rpc::CapDescriptor::RECEIVER_ANSWER:
      return kj::str("receiverAnswer(", describePromisedAnswer(d.getReceiverAnswer()), ")");
    case capnp::rpc::CapDescriptor::THIRD_PARTY_HOSTED: return kj::str("thirdPartyHosted");
  }
  return kj::str("cap?");
}

kj::String describePayload(capnp::rpc::Payload::Reader p, kj::Maybe<capnp::StructSchema> type) {
  kj::Vector<kj::String> caps;
  for (auto d: p.getCapTable()) caps.add(describeCap(d));
  kj::String content;
  KJ_IF_MAYBE(t, type) {
    // Capability fields print as <external capability>; the descriptors follow in caps=[...].
    auto placeholders = kj::heapArrayBuilder<kj::Maybe<kj::Own<capnp::ClientHook>>>(
        p.getCapTable().size());
    for (size_t i = 0; i < p.getCapTable().size(); i++) {
      placeholders.add(capnp::newBrokenCap("trace placeholder"));
    }
    capnp::ReaderCapabilityTable table(placeholders.finish());
    content = kj::str(table.imbue(p).getContent().getAs<capnp::DynamicStruct>(*t));
  } else if (p.getContent().isNull()) {
    content = kj::str("null");
  } else if (p.getContent().isCapability()) {
    content = kj::str("<capability>");
  } else {
    content = kj::str("<struct>");
  }
  return kj::str(content, " caps=[", kj::strArray(caps, ","), "]");
}

kj::StringPtr exceptionTypeName(capnp::rpc::Exception::Type t) {
  switch (t) {
    case capnp::rpc::Exception::Type::FAILED: return "failed";
    case capnp::rpc::Exception::Type::OVERLOADED: return "overloaded";
    case capnp::rpc::Exception::Type::DISCONNECTED: return "disconnected";
    case capnp::rpc::Exception::Type::UNIMPLEMENTED: return "unimplemented";
  }
  return "?";
}

kj::String describeException(capnp::rpc::Exception::Reader e) {
  return kj::str("exception(", exceptionTypeName(e.getType()), ", \"", e.getReason(), "\"",
                 e.hasTrace() ? kj::str(", trace=\"", e.getTrace(), "\"") : kj::str(""), ")");
}

kj::String describeMessage(Message::Reader m, TraceState& state, bool outgoing) {
  auto& sentQuestions = outgoing ? state.ourQuestions : state.theirQuestions;
  auto& answeredQuestions = outgoing ? state.theirQuestions : state.ourQuestions;
  switch (m.which()) {
    case Message::UNIMPLEMENTED: {
      auto inner = m.getUnimplemented();
      return kj::str("Unimplemented(", describeMessage(inner, state, !outgoing), ")");
    }
    case Message::ABORT:
      return kj::str("Abort ", describeException(m.getAbort()));
    case Message::BOOTSTRAP: {
      auto b = m.getBootstrap();
      sentQuestions[b.getQuestionId()] = {0, 0, true};
      return kj::str("Bootstrap q", b.getQuestionId());
    }
    case Message::CALL: {
      auto c = m.getCall();
      sentQuestions[c.getQuestionId()] = {c.getInterfaceId(), c.getMethodId(), false};
      kj::Maybe<capnp::StructSchema> paramType;
      KJ_IF_MAYBE(iface, knownInterface(c.getInterfaceId())) {
        if (c.getMethodId() < iface->getMethods().size()) {
          paramType = iface->getMethods()[c.getMethodId()].getParamType();
        }
      }
      kj::StringPtr sendTo = "";
      switch (c.getSendResultsTo().which()) {
        case capnp::rpc::Call::SendResultsTo::CALLER: break;
        case capnp::rpc::Call::SendResultsTo::YOURSELF: sendTo = " sendResultsTo=yourself"; break;
        case capnp::rpc::Call::SendResultsTo::THIRD_PARTY: sendTo = " sendResultsTo=thirdParty"; break;
      }
      return kj::str("Call q", c.getQuestionId(), " ", describeTarget(c.getTarget()), " ",
                     methodName(c.getInterfaceId(), c.getMethodId()), " ",
                     describePayload(c.getParams(), paramType), sendTo,
                     c.getAllowThirdPartyTailCall() ? " allowThirdPartyTailCall" : "");
    }
    case Message::RETURN: {
      auto r = m.getReturn();
      kj::Maybe<capnp::StructSchema> resultType;
      kj::String name = kj::str("?");
      auto it = answeredQuestions.find(r.getAnswerId());
      if (it != answeredQuestions.end()) {
        if (it->second.bootstrap) {
          name = kj::str("bootstrap");
        } else {
          name = methodName(it->second.interfaceId, it->second.methodId);
          KJ_IF_MAYBE(iface, knownInterface(it->second.interfaceId)) {
            if (it->second.methodId < iface->getMethods().size()) {
              resultType = iface->getMethods()[it->second.methodId].getResultType();
            }
          }
        }
        answeredQuestions.erase(it);
      }
      kj::String body;
      switch (r.which()) {
        case capnp::rpc::Return::RESULTS:
          body = kj::str("results ", describePayload(r.getResults(), resultType));
          break;
        case capnp::rpc::Return::EXCEPTION: body = describeException(r.getException()); break;
        case capnp::rpc::Return::CANCELED: body = kj::str("canceled"); break;
        case capnp::rpc::Return::RESULTS_SENT_ELSEWHERE: body = kj::str("resultsSentElsewhere"); break;
        case capnp::rpc::Return::TAKE_FROM_OTHER_QUESTION:
          body = kj::str("takeFromOtherQuestion(q", r.getTakeFromOtherQuestion(), ")");
          break;
        case capnp::rpc::Return::ACCEPT_FROM_THIRD_PARTY: body = kj::str("acceptFromThirdParty"); break;
      }
      return kj::str("Return a", r.getAnswerId(), " (", name, ") ", body,
                     r.getReleaseParamCaps() ? "" : " releaseParamCaps=false");
    }
    case Message::FINISH: {
      auto f = m.getFinish();
      return kj::str("Finish q", f.getQuestionId(),
                     f.getReleaseResultCaps() ? "" : " releaseResultCaps=false");
    }
    case Message::RESOLVE: {
      auto r = m.getResolve();
      switch (r.which()) {
        case capnp::rpc::Resolve::CAP:
          return kj::str("Resolve promise", r.getPromiseId(), " -> ", describeCap(r.getCap()));
        case capnp::rpc::Resolve::EXCEPTION:
          return kj::str("Resolve promise", r.getPromiseId(), " -> ",
                         describeException(r.getException()));
      }
      return kj::str("Resolve ?");
    }
    case Message::RELEASE: {
      auto r = m.getRelease();
      return kj::str("Release import", r.getId(), " refs=", r.getReferenceCount());
    }
    case Message::DISEMBARGO: {
      auto d = m.getDisembargo();
      auto ctx = d.getContext();
      kj::String c;
      switch (ctx.which()) {
        case capnp::rpc::Disembargo::Context::SENDER_LOOPBACK:
          c = kj::str("senderLoopback(", ctx.getSenderLoopback(), ")");
          break;
        case capnp::rpc::Disembargo::Context::RECEIVER_LOOPBACK:
          c = kj::str("receiverLoopback(", ctx.getReceiverLoopback(), ")");
          break;
        case capnp::rpc::Disembargo::Context::ACCEPT: c = kj::str("accept"); break;
        case capnp::rpc::Disembargo::Context::PROVIDE: c = kj::str("provide"); break;
      }
      return kj::str("Disembargo ", describeTarget(d.getTarget()), " ", c);
    }
    case Message::PROVIDE: return kj::str("Provide");
    case Message::ACCEPT: return kj::str("Accept");
    case Message::JOIN: return kj::str("Join");
    default: return kj::str("Message(which=", (uint)m.which(), ")");
  }
}

class MessageTracer {
public:
  MessageTracer(TraceState& state, bool outgoing): state(state), outgoing(outgoing) {}

  void feed(const void* data, size_t size) {
    auto p = reinterpret_cast<const kj::byte*>(data);
    buffer.insert(buffer.end(), p, p + size);
    drain();
  }

private:
  TraceState& state;
  bool outgoing;
  std::vector<kj::byte> buffer;

  uint32_t u32(size_t offset) const {
    return uint32_t(buffer[offset]) | (uint32_t(buffer[offset + 1]) << 8) |
           (uint32_t(buffer[offset + 2]) << 16) | (uint32_t(buffer[offset + 3]) << 24);
  }

  void drain() {
    for (;;) {
      if (buffer.size() < 4) return;
      size_t segmentCount = size_t(u32(0)) + 1;
      if (segmentCount > 512) {
        fprintf(stderr, "[trace c%u] %s unframeable input (segment count %zu)\n",
                state.connectionId, outgoing ? "->" : "<-", segmentCount);
        buffer.clear();
        return;
      }
      size_t header = (4 + 4 * segmentCount + 7) & ~size_t(7);
      if (buffer.size() < header) return;
      size_t total = header;
      for (size_t i = 0; i < segmentCount; i++) total += size_t(u32(4 + 4 * i)) * 8;
      if (buffer.size() < total) return;

      auto words = kj::heapArray<capnp::word>(total / 8);
      memcpy(words.begin(), buffer.data(), total);
      buffer.erase(buffer.begin(), buffer.begin() + total);

      kj::String line;
      KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
        capnp::ReaderOptions options;
        options.traversalLimitInWords = 1ull << 40;
        capnp::FlatArrayMessageReader reader(words, options);
        line = describeMessage(reader.getRoot<Message>(), state, outgoing);
      })) {
        line = kj::str("<undecodable message: ", e->getDescription(), ">");
      }
      fprintf(stderr, "[trace c%u] %s %s\n", state.connectionId, outgoing ? "->" : "<-",
              line.cStr());
      fflush(stderr);
    }
  }
};

uint nextConnectionId = 0;

class TracingStream final: public kj::AsyncIoStream {
public:
  explicit TracingStream(kj::Own<kj::AsyncIoStream> inner)
      : inner(kj::mv(inner)), in(state, false), out(state, true) {
    state.connectionId = nextConnectionId++;
  }

  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override {
    return inner->tryRead(buffer, minBytes, maxBytes).then([this, buffer](size_t n) {
      in.feed(buffer, n);
      return n;
    });
  }
  kj::Promise<void> write(const void* buffer, size_t size) override {
    out.feed(buffer, size);
    return inner->write(buffer, size);
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    for (auto piece: pieces) out.feed(piece.begin(), piece.size());
    return inner->write(pieces);
  }
  kj::Promise<void> whenWriteDisconnected() override { return inner->whenWriteDisconnected(); }
  void shutdownWrite() override { inner->shutdownWrite(); }
  void abortRead() override { inner->abortRead(); }
  void getsockopt(int level, int option, void* value, uint* length) override {
    inner->getsockopt(level, option, value, length);
  }
  void setsockopt(int level, int option, const void* value, uint length) override {
    inner->setsockopt(level, option, value, length);
  }
  void getsockname(struct sockaddr* addr, uint* length) override {
    inner->getsockname(addr, length);
  }
  void getpeername(struct sockaddr* addr, uint* length) override {
    inner->getpeername(addr, length);
  }

private:
  kj::Own<kj::AsyncIoStream> inner;
  TraceState state;
  MessageTracer in;
  MessageTracer out;
};

kj::Own<kj::AsyncIoStream> prepareConnection(kj::Own<kj::AsyncIoStream> stream) {
  int one = 1;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
    stream->setsockopt(IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  })) {
    // Not a TCP socket; nothing to tune.
  }
  if (traceEnabled) return kj::heap<TracingStream>(kj::mv(stream));
  return stream;
}

// With --tls, the stream after a TLS handshake (as server or client); else the stream itself.
// Tracing, if on, sees the messages inside TLS.
kj::Promise<kj::Own<kj::AsyncIoStream>> secureConnection(kj::Own<kj::AsyncIoStream> stream, bool server) {
  if (!tlsEnabled) return prepareConnection(kj::mv(stream));
  int one = 1;
  stream->setsockopt(IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  auto tls = kj::heap<pinned_tls::Stream>(kj::mv(stream), tlsContext(server), server);
  auto handshake = tls->handshake(server ? std::string() : tlsDigest);
  return handshake.then([tls = kj::mv(tls)]() mutable -> kj::Own<kj::AsyncIoStream> {
    kj::Own<kj::AsyncIoStream> secured = kj::mv(tls);
    if (traceEnabled) return kj::heap<TracingStream>(kj::mv(secured));
    return secured;
  });
}

// ---------------------------------------------------------------------------------------------
// Server side.

uint32_t liveCounters = 0;

class CounterImpl final: public Counter::Server {
public:
  explicit CounterImpl(int64_t start): value(start) { ++liveCounters; }
  ~CounterImpl() noexcept(false) { --liveCounters; }

  kj::Promise<void> increment(IncrementContext context) override {
    value = int64_t(uint64_t(value) + uint64_t(context.getParams().getBy()));
    context.getResults().setValue(value);
    return kj::READY_NOW;
  }

private:
  int64_t value;
};

class TestServiceImpl final: public TestService::Server {
public:
  explicit TestServiceImpl(kj::Timer& timer): timer(timer) {}

  kj::Promise<void> echo(EchoContext context) override {
    context.getResults().setText(context.getParams().getText());
    return kj::READY_NOW;
  }

  kj::Promise<void> add(AddContext context) override {
    auto params = context.getParams();
    context.getResults().setSum(int64_t(uint64_t(params.getA()) + uint64_t(params.getB())));
    return kj::READY_NOW;
  }

  kj::Promise<void> fail(FailContext context) override {
    // The description is exactly the requested message.
    return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                         kj::str(context.getParams().getMessage()));
  }

  kj::Promise<void> callBack(CallBackContext context) override {
    auto params = context.getParams();
    auto request = params.getCallback().callRequest();
    request.setValue(params.getValue());
    return request.send().then([context](capnp::Response<Callback::CallResults>&& response) mutable {
      context.getResults().setResult(int64_t(uint64_t(response.getResult()) + 1));
    });
  }

  kj::Promise<void> makeCounter(MakeCounterContext context) override {
    context.getResults().setCounter(kj::heap<CounterImpl>(context.getParams().getStart()));
    return kj::READY_NOW;
  }

  kj::Promise<void> liveCounters(LiveCountersContext context) override {
    context.getResults().setCount(::liveCounters);
    return kj::READY_NOW;
  }

  kj::Promise<void> hold(HoldContext context) override {
    held = context.getParams().getCallback();
    return kj::READY_NOW;
  }

  kj::Promise<void> releaseHeld(ReleaseHeldContext context) override {
    held = nullptr;
    return kj::READY_NOW;
  }

  kj::Promise<void> callHeld(CallHeldContext context) override {
    KJ_IF_MAYBE(callback, held) {
      auto request = callback->callRequest();
      request.setValue(context.getParams().getValue());
      return request.send().then([context](capnp::Response<Callback::CallResults>&& response) mutable {
        context.getResults().setResult(response.getResult());
      });
    }
    return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                         kj::str("no callback is held"));
  }

  kj::Promise<void> slowEcho(SlowEchoContext context) override {
    auto params = context.getParams();
    auto text = kj::heapString(params.getText());
    return timer.afterDelay(params.getMillis() * kj::MILLISECONDS)
        .then([context, text = kj::mv(text)]() mutable {
      context.getResults().setText(text);
    });
  }

  kj::Promise<void> crash(CrashContext context) override {
    fflush(stdout);
    fflush(stderr);
    _exit(0);
  }

  kj::Promise<void> getSelf(GetSelfContext context) override {
    context.getResults().setService(thisCap());
    return kj::READY_NOW;
  }

private:
  kj::Timer& timer;
  kj::Maybe<Callback::Client> held;
};

class ErrorLogger final: public kj::TaskSet::ErrorHandler {
public:
  void taskFailed(kj::Exception&& exception) override {
    if (traceEnabled) {
      fprintf(stderr, "[trace] connection ended: %s\n", exception.getDescription().cStr());
    }
  }
};

int runServe(uint port) {
  auto io = kj::setupAsyncIo();
  TestService::Client service = kj::heap<TestServiceImpl>(io.provider->getTimer());
  capnp::TwoPartyServer server(service);

  auto address = io.provider->getNetwork().parseAddress("127.0.0.1", port).wait(io.waitScope);
  auto listener = address->listen();
  printf("PORT %u\n", listener->getPort());
  if (tlsEnabled) printf("DIGEST %s\n", tlsIdentity().digest().c_str());
  fflush(stdout);

  ErrorLogger errorLogger;
  kj::TaskSet connections(errorLogger);
  kj::Function<kj::Promise<void>()> acceptLoop;
  acceptLoop = [&]() -> kj::Promise<void> {
    return listener->accept().then([&](kj::Own<kj::AsyncIoStream>&& stream) {
      if (traceEnabled) fprintf(stderr, "[trace] accepted connection c%u\n", nextConnectionId);
      connections.add(secureConnection(kj::mv(stream), true)
          .then([&server](kj::Own<kj::AsyncIoStream>&& connection) {
            auto& ref = *connection;
            return server.accept(ref).attach(kj::mv(connection));
          })
          .then([]() {
            if (traceEnabled) fprintf(stderr, "[trace] connection closed\n");
          }));
      return acceptLoop();
    });
  };
  acceptLoop().wait(io.waitScope);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Client side.

int liveCallbacks = 0;

class CallbackImpl final: public Callback::Server {
public:
  CallbackImpl() { ++liveCallbacks; }
  ~CallbackImpl() noexcept(false) { --liveCallbacks; }

  kj::Promise<void> call(CallContext context) override {
    context.getResults().setResult(int64_t(uint64_t(context.getParams().getValue()) * 2));
    return kj::READY_NOW;
  }
};

struct ScenarioFailure {
  std::string reason;
};

template <typename... Params>
void check(bool condition, Params&&... params) {
  if (!condition) throw ScenarioFailure{kj::str(kj::fwd<Params>(params)...).cStr()};
}

struct Client {
  kj::AsyncIoContext& io;
  TestService::Client service;

  void sleep(uint millis) { io.provider->getTimer().afterDelay(millis * kj::MILLISECONDS).wait(io.waitScope); }

  uint32_t liveCounters() {
    return service.liveCountersRequest().send().wait(io.waitScope).getCount();
  }

  // Polls `condition` every 10 ms for up to 5 s.
  template <typename Func>
  bool pollFor(Func&& condition) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      if (condition()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      sleep(10);
    }
  }
};

kj::Exception expectException(Client& c, kj::Promise<void> promise) {
  kj::Maybe<kj::Exception> caught;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() { promise.wait(c.io.waitScope); })) {
    caught = kj::mv(*e);
  }
  KJ_IF_MAYBE(e, caught) { return kj::mv(*e); }
  throw ScenarioFailure{"call succeeded, an exception was expected"};
}

kj::StringPtr typeName(kj::Exception::Type type) {
  switch (type) {
    case kj::Exception::Type::FAILED: return "FAILED";
    case kj::Exception::Type::OVERLOADED: return "OVERLOADED";
    case kj::Exception::Type::DISCONNECTED: return "DISCONNECTED";
    case kj::Exception::Type::UNIMPLEMENTED: return "UNIMPLEMENTED";
  }
  return "?";
}

void scenarioEcho(Client& c) {
  for (kj::StringPtr text: {kj::StringPtr("hello"), kj::StringPtr(""), kj::StringPtr("héllo wörld ✓")}) {
    auto request = c.service.echoRequest();
    request.setText(text);
    auto response = request.send().wait(c.io.waitScope);
    check(response.getText() == text, "echo(\"", text, "\") returned \"", response.getText(), "\"");
  }
  // A larger payload spanning many words.
  std::string big(100000, 'x');
  for (size_t i = 0; i < big.size(); i++) big[i] = 'a' + i % 26;
  auto request = c.service.echoRequest();
  request.setText(big.c_str());
  auto response = request.send().wait(c.io.waitScope);
  check(response.getText() == big.c_str(), "echo of a 100000-byte text came back different");
}

void scenarioAdd(Client& c) {
  struct Case { int64_t a, b, sum; };
  for (auto t: {Case{2, 3, 5}, Case{-7, 4, -3}, Case{int64_t(1) << 40, 1, (int64_t(1) << 40) + 1},
                Case{INT64_MAX, 1, INT64_MIN}}) {
    auto request = c.service.addRequest();
    request.setA(t.a);
    request.setB(t.b);
    auto sum = request.send().wait(c.io.waitScope).getSum();
    check(sum == t.sum, "add(", t.a, ", ", t.b, ") returned ", sum, ", expected ", t.sum);
  }
}

void scenarioFail(Client& c) {
  auto request = c.service.failRequest();
  request.setMessage("deliberate failure 42");
  auto e = expectException(c, request.send().ignoreResult());
  check(e.getType() == kj::Exception::Type::FAILED,
        "exception type ", typeName(e.getType()), ", expected FAILED (", e.getDescription(), ")");
  check(strstr(e.getDescription().cStr(), "deliberate failure 42") != nullptr,
        "exception description \"", e.getDescription(), "\" lacks the message");
  // The connection must still work afterwards.
  auto echo = c.service.echoRequest();
  echo.setText("after fail");
  check(echo.send().wait(c.io.waitScope).getText() == "after fail", "echo after fail broke");
}

void scenarioCallback(Client& c) {
  auto request = c.service.callBackRequest();
  request.setCallback(kj::heap<CallbackImpl>());
  request.setValue(20);
  auto result = request.send().wait(c.io.waitScope).getResult();
  check(result == 41, "callBack(value = 20) returned ", result, ", expected 41");
}

void scenarioCounter(Client& c) {
  auto make = c.service.makeCounterRequest();
  make.setStart(5);
  auto counter = make.send().wait(c.io.waitScope).getCounter();
  auto inc = counter.incrementRequest();
  inc.setBy(2);
  auto v = inc.send().wait(c.io.waitScope).getValue();
  check(v == 7, "increment(2) returned ", v, ", expected 7");
  inc = counter.incrementRequest();
  inc.setBy(3);
  v = inc.send().wait(c.io.waitScope).getValue();
  check(v == 10, "increment(3) returned ", v, ", expected 10");
}

void scenarioPipeline(Client& c) {
  auto make = c.service.makeCounterRequest();
  make.setStart(100);
  auto made = make.send();
  auto inc = made.getCounter().incrementRequest();
  inc.setBy(1);
  auto v = inc.send().wait(c.io.waitScope).getValue();
  check(v == 101, "pipelined makeCounter(100).counter.increment(1) returned ", v, ", expected 101");
  made.wait(c.io.waitScope);
}

void scenarioRelease(Client& c) {
  uint32_t n = 0;
  check(c.pollFor([&]() { return (n = c.liveCounters()) == 0; }),
        "liveCounters stayed at ", n, " before the test (counters leaked by earlier calls?)");
  {
    auto make = c.service.makeCounterRequest();
    make.setStart(1);
    auto counter = make.send().wait(c.io.waitScope).getCounter();
    n = c.liveCounters();
    check(n == 1, "liveCounters is ", n, " with one counter alive, expected 1");
    auto inc = counter.incrementRequest();
    inc.setBy(1);
    inc.send().wait(c.io.waitScope);
  }  // Drops the last reference: the client sends Release.
  check(c.pollFor([&]() { return (n = c.liveCounters()) == 0; }),
        "liveCounters still ", n, " 5 s after releasing the only counter");
}

void scenarioHold(Client& c) {
  int before = liveCallbacks;
  {
    auto hold = c.service.holdRequest();
    hold.setCallback(kj::heap<CallbackImpl>());
    hold.send().wait(c.io.waitScope);
  }
  check(liveCallbacks == before + 1, "callback object not alive after hold");
  auto call = c.service.callHeldRequest();
  call.setValue(3);
  auto r = call.send().wait(c.io.waitScope).getResult();
  check(r == 6, "callHeld(3) returned ", r, ", expected 6");
  c.service.releaseHeldRequest().send().wait(c.io.waitScope);
  check(c.pollFor([&]() { return liveCallbacks == before; }),
        "the C++ Callback object was not released within 5 s of releaseHeld");
}

void scenarioSelf(Client& c) {
  auto self = c.service.getSelfRequest().send();
  auto cap = self.getService();
  auto echo = cap.echoRequest();
  echo.setText("x");
  auto text = echo.send().wait(c.io.waitScope).getText();
  check(text == "x", "getSelf().service.echo(\"x\") returned \"", text, "\"");
  // The promise has resolved by now (its Return arrived before the echo's); a call made on the
  // same capability after resolution exercises the embargo path in the C++ client.
  self.wait(c.io.waitScope);
  echo = cap.echoRequest();
  echo.setText("y");
  text = echo.send().wait(c.io.waitScope).getText();
  check(text == "y", "echo(\"y\") on the resolved self capability returned \"", text, "\"");
}

// Extras (not part of `all`).

void scenarioEmbargo(Client& c) {
  // Calls on a pipelined counter before and after its promise resolves must be delivered in
  // order: increments return 1, 2, 3, ... The calls after resolution go through an embargo
  // (Disembargo senderLoopback -> receiverLoopback) in the C++ client.
  auto make = c.service.makeCounterRequest();
  make.setStart(0);
  auto made = make.send();
  auto counter = made.getCounter();
  kj::Vector<kj::Promise<int64_t>> results;
  auto send = [&]() {
    auto inc = counter.incrementRequest();
    inc.setBy(1);
    results.add(inc.send().then([](capnp::Response<Counter::IncrementResults>&& r) { return r.getValue(); }));
  };
  for (int i = 0; i < 10; i++) send();
  made.wait(c.io.waitScope);
  for (int i = 0; i < 10; i++) send();
  auto values = kj::joinPromises(results.releaseAsArray()).wait(c.io.waitScope);
  for (size_t i = 0; i < values.size(); i++) {
    check(values[i] == int64_t(i + 1), "increment #", i + 1, " returned ", values[i],
          " (calls delivered out of order)");
  }
}

void scenarioSlow(Client& c) {
  // A slow call must not hold up a later fast one.
  auto slow = c.service.slowEchoRequest();
  slow.setText("slow");
  slow.setMillis(300);
  bool slowDone = false;
  auto slowPromise = slow.send().then([&](capnp::Response<TestService::SlowEchoResults>&& r) {
    slowDone = true;
    return kj::heapString(r.getText());
  });
  auto fast = c.service.echoRequest();
  fast.setText("fast");
  auto start = std::chrono::steady_clock::now();
  auto text = fast.send().wait(c.io.waitScope).getText();
  check(text == "fast", "echo returned \"", text, "\"");
  check(!slowDone, "slowEcho(300 ms) completed before a later echo");
  auto slowText = slowPromise.wait(c.io.waitScope);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start).count();
  check(slowText == "slow", "slowEcho returned \"", slowText, "\"");
  check(elapsed >= 250, "slowEcho(300 ms) replied after only ", elapsed, " ms");
}

void scenarioCancel(Client& c) {
  // Dropping a pending call sends Finish; the connection stays usable.
  {
    auto slow = c.service.slowEchoRequest();
    slow.setText("never");
    slow.setMillis(500);
    auto promise = slow.send();
    c.sleep(50);
  }
  auto fast = c.service.echoRequest();
  fast.setText("still alive");
  auto text = fast.send().wait(c.io.waitScope).getText();
  check(text == "still alive", "echo after cancel returned \"", text, "\"");
  c.sleep(600);  // Let the server's timer fire for the canceled call (if it was not canceled).
  fast = c.service.echoRequest();
  fast.setText("still alive 2");
  text = fast.send().wait(c.io.waitScope).getText();
  check(text == "still alive 2", "echo after canceled call's deadline returned \"", text, "\"");
}

void scenarioUnimplemented(Client& c) {
  // A method ordinal the interface does not have, and an interface the object does not
  // implement: both must fail with an UNIMPLEMENTED exception, leaving the connection usable.
  auto request = c.service.typelessRequest(capnp::typeId<TestService>(), 99, nullptr);
  request.initAsAnyStruct(0, 0);
  auto e = expectException(c, request.send().ignoreResult());
  check(e.getType() == kj::Exception::Type::UNIMPLEMENTED,
        "unknown method: exception type ", typeName(e.getType()), " (", e.getDescription(), ")");
  fprintf(stderr, "rpc-peer: note: unknown method -> %s: %s\n", typeName(e.getType()).cStr(), e.getDescription().cStr());
  auto request2 = c.service.typelessRequest(capnp::typeId<Counter>(), 0, nullptr);
  request2.initAsAnyStruct(1, 0);
  auto e2 = expectException(c, request2.send().ignoreResult());
  check(e2.getType() == kj::Exception::Type::UNIMPLEMENTED,
        "unknown interface: exception type ", typeName(e2.getType()), " (", e2.getDescription(), ")");
  fprintf(stderr, "rpc-peer: note: unknown interface -> %s: %s\n", typeName(e2.getType()).cStr(), e2.getDescription().cStr());
  auto echo = c.service.echoRequest();
  echo.setText("ok");
  check(echo.send().wait(c.io.waitScope).getText() == "ok", "echo after unimplemented broke");
}

void scenarioResolve(Client& c) {
  // The callback passed is a promise (exported as senderPromise) that resolves 50 ms later to
  // a local Callback: the server's call to it waits in this vat until then, and this vat sends
  // Resolve(senderHosted). callBack(20) must still return 41.
  auto paf = kj::newPromiseAndFulfiller<Callback::Client>();
  auto request = c.service.callBackRequest();
  request.setCallback(Callback::Client(kj::mv(paf.promise)));
  request.setValue(20);
  auto pending = request.send();
  c.sleep(50);
  paf.fulfiller->fulfill(kj::heap<CallbackImpl>());
  auto result = pending.wait(c.io.waitScope).getResult();
  check(result == 41, "callBack(<promise>, 20) returned ", result, ", expected 41");
}

void scenarioLoopback(Client& c) {
  // The held callback is a promise that resolves to the server's own TestService: this vat
  // sends Resolve(receiverHosted) and forwards the call the server already made on the promise
  // back to it; the server must embargo (Disembargo senderLoopback, which this vat reflects as
  // receiverLoopback) before calling its own object directly. The calls fail with
  // UNIMPLEMENTED since TestService is not a Callback; what matters is the message flow and that
  // the connection survives.
  auto paf = kj::newPromiseAndFulfiller<Callback::Client>();
  auto hold = c.service.holdRequest();
  hold.setCallback(Callback::Client(kj::mv(paf.promise)));
  hold.send().wait(c.io.waitScope);
  auto call = c.service.callHeldRequest();
  call.setValue(1);
  auto first = call.send();
  c.sleep(50);
  paf.fulfiller->fulfill(c.service.castAs<Callback>());
  auto e = expectException(c, first.ignoreResult());
  check(e.getType() == kj::Exception::Type::UNIMPLEMENTED,
        "callHeld on the reflected promise: exception type ", typeName(e.getType()),
        ", expected UNIMPLEMENTED (", e.getDescription(), ")");
  call = c.service.callHeldRequest();
  call.setValue(2);
  auto e2 = expectException(c, call.send().ignoreResult());
  check(e2.getType() == kj::Exception::Type::UNIMPLEMENTED,
        "second callHeld: exception type ", typeName(e2.getType()),
        ", expected UNIMPLEMENTED (", e2.getDescription(), ")");
  c.service.releaseHeldRequest().send().wait(c.io.waitScope);
  auto echo = c.service.echoRequest();
  echo.setText("ok");
  check(echo.send().wait(c.io.waitScope).getText() == "ok", "echo after loopback broke");
}

void scenarioCrash(Client& c) {
  auto e = expectException(c, c.service.crashRequest().send().ignoreResult());
  check(e.getType() == kj::Exception::Type::DISCONNECTED,
        "crash: exception type ", typeName(e.getType()), ", expected DISCONNECTED (",
        e.getDescription(), ")");
  fprintf(stderr, "rpc-peer: note: crash -> %s: %s\n", typeName(e.getType()).cStr(), e.getDescription().cStr());
}

struct Scenario {
  const char* name;
  void (*run)(Client&);
};

const Scenario allScenarios[] = {
  {"echo", scenarioEcho},       {"add", scenarioAdd},         {"fail", scenarioFail},
  {"callback", scenarioCallback}, {"counter", scenarioCounter}, {"pipeline", scenarioPipeline},
  {"release", scenarioRelease}, {"hold", scenarioHold},       {"self", scenarioSelf},
};

const Scenario extraScenarios[] = {
  {"embargo", scenarioEmbargo}, {"slow", scenarioSlow}, {"cancel", scenarioCancel},
  {"unimplemented", scenarioUnimplemented}, {"resolve", scenarioResolve},
  {"loopback", scenarioLoopback}, {"crash", scenarioCrash},
};

kj::Maybe<const Scenario&> findScenario(kj::StringPtr name) {
  for (auto& s: allScenarios) if (name == s.name) return s;
  for (auto& s: extraScenarios) if (name == s.name) return s;
  return nullptr;
}

struct Connection {
  kj::Own<kj::AsyncIoStream> stream;
  kj::Own<capnp::TwoPartyClient> rpc;
};

Connection connect(kj::AsyncIoContext& io, kj::StringPtr address) {
  auto addr = io.provider->getNetwork().parseAddress(address).wait(io.waitScope);
  auto stream = secureConnection(addr->connect().wait(io.waitScope), false).wait(io.waitScope);
  auto rpc = kj::heap<capnp::TwoPartyClient>(*stream);
  return Connection{kj::mv(stream), kj::mv(rpc)};
}

int runClient(kj::StringPtr address, kj::StringPtr scenarioName) {
  if (scenarioName != "all" && scenarioName != "extras" && findScenario(scenarioName) == nullptr) {
    printf("FAIL %s: unknown scenario\n", scenarioName.cStr());
    return 2;
  }
  auto io = kj::setupAsyncIo();
  std::string failure;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
    auto connection = connect(io, address);
    Client client{io, connection.rpc->bootstrap().castAs<TestService>()};
    auto runOne = [&](const Scenario& s) {
      try {
        s.run(client);
      } catch (ScenarioFailure& f) {
        throw ScenarioFailure{std::string(s.name) + ": " + f.reason};
      } catch (kj::Exception& e) {
        throw ScenarioFailure{std::string(s.name) + ": exception: " +
                              typeName(e.getType()).cStr() + ": " + e.getDescription().cStr()};
      }
    };
    try {
      if (scenarioName == "all") {
        for (auto& s: allScenarios) runOne(s);
      } else if (scenarioName == "extras") {
        for (auto& s: extraScenarios) if (strcmp(s.name, "crash") != 0) runOne(s);
      } else {
        runOne(KJ_ASSERT_NONNULL(findScenario(scenarioName)));
      }
    } catch (ScenarioFailure& f) {
      failure = f.reason;
    }
  })) {
    failure = kj::str("exception: ", typeName(e->getType()), ": ", e->getDescription()).cStr();
  }
  if (failure.empty()) {
    printf("OK %s\n", scenarioName.cStr());
    fflush(stdout);
    return 0;
  }
  printf("FAIL %s: %s\n", scenarioName.cStr(), failure.c_str());
  fflush(stdout);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Benchmark.

int runBench(kj::StringPtr address, double seconds) {
  auto io = kj::setupAsyncIo();
  auto connection = connect(io, address);
  TestService::Client service = connection.rpc->bootstrap().castAs<TestService>();
  auto& ws = io.waitScope;
  using Clock = std::chrono::steady_clock;
  auto secondsSince = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };

  // (a) Sequential add round trips.
  auto addOnce = [&](int64_t i) {
    auto request = service.addRequest();
    request.setA(i);
    request.setB(1);
    auto sum = request.send().wait(ws).getSum();
    KJ_REQUIRE(sum == i + 1, "bad add result", sum);
  };
  for (int i = 0; i < 1000; i++) addOnce(i);  // Warm-up.
  uint64_t adds = 0;
  auto start = Clock::now();
  double elapsed;
  while ((elapsed = secondsSince(start)) < seconds) {
    for (int i = 0; i < 100; i++) addOnce(adds++);
  }
  printf("cpp-client add-roundtrips-per-sec %.0f\n", adds / elapsed);
  printf("cpp-client add-latency-us %.2f\n", elapsed / adds * 1e6);
  fflush(stdout);

  // (b) 100-deep pipelined chains: makeCounter(0), then 100 increments on the pipelined counter
  // without waiting, then wait for all 101 replies.
  const int depth = 100;
  auto chainOnce = [&]() {
    auto make = service.makeCounterRequest();
    make.setStart(0);
    auto made = make.send();
    auto counter = made.getCounter();
    auto increments = kj::heapArrayBuilder<kj::Promise<int64_t>>(depth);
    for (int i = 0; i < depth; i++) {
      auto inc = counter.incrementRequest();
      inc.setBy(1);
      increments.add(inc.send().then(
          [](capnp::Response<Counter::IncrementResults>&& r) { return r.getValue(); }));
    }
    auto values = kj::joinPromises(increments.finish()).wait(ws);
    made.wait(ws);
    KJ_REQUIRE(values[depth - 1] == depth, "bad final counter value", values[depth - 1]);
  };
  for (int i = 0; i < 20; i++) chainOnce();  // Warm-up.
  uint64_t chains = 0;
  start = Clock::now();
  while ((elapsed = secondsSince(start)) < seconds) {
    chainOnce();
    chains++;
  }
  printf("cpp-client pipeline-chains-per-sec %.1f\n", chains / elapsed);
  printf("cpp-client pipeline-calls-per-sec %.0f\n", chains * (depth + 1) / elapsed);
  fflush(stdout);
  return 0;
}

// ---------------------------------------------------------------------------------------------

int usage() {
  fprintf(stderr,
          "usage: rpc-peer [--trace] [--tls] serve [--port N]\n"
          "       rpc-peer [--trace] [--tls=DIGEST] client <host:port> <scenario>\n"
          "       rpc-peer [--trace] [--tls=DIGEST] bench <host:port> <seconds>\n"
          "scenarios: all (= echo add fail callback counter pipeline release hold self),\n"
          "           extras (= embargo slow cancel unimplemented resolve loopback), crash,\n"
          "           or any single one\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--trace") == 0) {
      traceEnabled = true;
    } else if (strcmp(argv[i], "--tls") == 0) {
      tlsEnabled = true;
    } else if (strncmp(argv[i], "--tls=", 6) == 0) {
      tlsEnabled = true;
      tlsDigest = argv[i] + 6;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (args.empty()) return usage();

  int status = 2;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
    if (args[0] == "serve") {
      uint port = 0;
      if (args.size() == 3 && args[1] == "--port") {
        port = uint(atoi(args[2].c_str()));
      } else if (args.size() != 1) {
        status = usage();
        return;
      }
      status = runServe(port);
    } else if (args[0] == "client" && args.size() == 3) {
      status = runClient(args[1].c_str(), args[2].c_str());
    } else if (args[0] == "bench" && args.size() == 3) {
      status = runBench(args[1].c_str(), atof(args[2].c_str()));
    } else {
      status = usage();
    }
  })) {
    fprintf(stderr, "rpc-peer: %s\n", e->getDescription().cStr());
    return 1;
  }
  return status;
}
