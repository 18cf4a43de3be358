#include "serve/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <variant>

#include "serve/job_builder.h"
#include "serve/openai_response.h"

namespace litertlm::cli::serve {
namespace {

using Clock = std::chrono::steady_clock;
// "application/json" alone would let cpp-httplib gzip the body, which would also hold back the
// whitespace that keeps a long non-streamed request checking its connection.
constexpr const char* kJson = "application/json; charset=utf-8";
// A non-streamed request that is not done within this time is answered with a chunked body
// that writes a space (valid leading JSON whitespace) every kHeartbeat, so that a client that
// hangs up cancels its generation.
constexpr auto kQuickAnswer = std::chrono::seconds(2);
constexpr auto kHeartbeat = std::chrono::seconds(2);

// Compares in time that depends only on the lengths, not on where the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

void SendError(httplib::Response& res, const ApiError& error) {
  res.status = error.status;
  res.set_content(ErrorBody(error), kJson);
}

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

// How one accepted request is answered.
struct Delivery {
  Endpoint endpoint = Endpoint::kChat;
  ResponseHeader header;
  bool stream = false;
  bool include_usage = false;
};

Usage UsageOf(const GenerateResult& r) { return {r.stats.prompt_tokens, r.stats.generated_tokens}; }

ApiError InternalError(const Status& status) {
  return {500, status.message(), "server_error", {}, {}};
}

std::string FinalBody(const Job& job, const Delivery& d, int* status) {
  const auto& result = job.result();
  if (!result.ok()) {
    const ApiError e = InternalError(result.status());
    *status = e.status;
    return ErrorBody(e);
  }
  *status = 200;
  return CompletionBody(d.endpoint, d.header, result->text,
                        OpenAiFinishReason(result->finish_reason, job.timed_out()), UsageOf(*result));
}

bool StreamJob(Job& job, const Delivery& d, httplib::DataSink& sink) {
  auto send = [&](const std::string& event) {
    if (sink.write(event.data(), event.size())) return true;
    job.Cancel();  // the client went away, or did not read within the write timeout
    return false;
  };
  if (d.endpoint == Endpoint::kChat &&
      !send(SseEvent(ChunkBody(d.endpoint, d.header, "", true, std::nullopt))))
    return false;
  std::string text;
  for (bool done = false; !done;) {
    text.clear();
    done = job.Wait(&text, std::chrono::milliseconds(1000));
    if (!text.empty() && !send(SseEvent(ChunkBody(d.endpoint, d.header, text, false, std::nullopt))))
      return false;
  }
  const auto& result = job.result();
  if (!result.ok()) {
    if (!send(SseEvent(ErrorBody(InternalError(result.status()))))) return false;
  } else {
    const std::string_view reason = OpenAiFinishReason(result->finish_reason, job.timed_out());
    if (!send(SseEvent(ChunkBody(d.endpoint, d.header, "", false, reason)))) return false;
    if (d.include_usage && !send(SseEvent(UsageChunkBody(d.endpoint, d.header, UsageOf(*result)))))
      return false;
  }
  if (!send(SseDone())) return false;
  sink.done();
  return true;
}

// Waits for a long non-streamed job, writing a space every kHeartbeat, then its body.
bool HeartbeatJob(Job& job, const Delivery& d, httplib::DataSink& sink) {
  std::string ignored;
  auto last = Clock::now();
  while (!job.Wait(&ignored, std::chrono::milliseconds(500))) {
    ignored.clear();
    if (Clock::now() - last < kHeartbeat) continue;
    last = Clock::now();
    if (!sink.write(" ", 1)) {
      job.Cancel();
      return false;
    }
  }
  int status = 0;
  const std::string body = FinalBody(job, d, &status);
  if (!sink.write(body.data(), body.size())) return false;
  sink.done();
  return true;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(std::shared_ptr<const Engine> engine, Scheduler* scheduler, ServerOptions options)
      : engine_(std::move(engine)), scheduler_(scheduler), options_(std::move(options)) {
    const size_t threads = static_cast<size_t>(std::max(2, options_.http_threads));
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_read_timeout(options_.io_timeout_seconds, 0);
    server_.set_write_timeout(options_.io_timeout_seconds, 0);
    server_.set_keep_alive_timeout(5);
    // Debian's cpp-httplib 0.11 listens with a backlog of 5: the sixth client connecting at the
    // same moment waits for a SYN retransmission (1 s). Remember the socket to raise it.
    server_.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listen_socket_ = sock;
    });
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (Authorized(req)) return httplib::Server::HandlerResponse::Unhandled;
      ApiError e{401, "missing or wrong API key (send 'Authorization: Bearer <key>')",
                 "invalid_request_error", {}, "invalid_api_key"};
      SendError(res, e);
      return httplib::Server::HandlerResponse::Handled;
    });
    server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;  // ours already
      ApiError e{res.status, "", "invalid_request_error", {}, {}};
      if (res.status == 404) e.message = "no route for " + req.method + " " + req.path;
      if (res.status == 413) e.message = "the request body is too large";
      if (e.message.empty()) e.message = "the request was refused (HTTP " + std::to_string(res.status) + ")";
      res.set_content(ErrorBody(e), kJson);
    });
    server_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          SendError(res, {500, "internal error", "server_error", {}, {}});
        });
    server_.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      // Method, path and status only: never headers (the API key) or bodies.
      std::fprintf(stderr, "serve: %s %s %s -> %d\n", req.remote_addr.c_str(), req.method.c_str(),
                   req.path.c_str(), res.status);
    });
    Routes();
  }

  httplib::Server server_;
  socket_t listen_socket_ = INVALID_SOCKET;

 private:
  bool Authorized(const httplib::Request& req) const {
    if (options_.api_key.empty() || req.path == "/health") return true;
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() < kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) return false;
    return ConstantTimeEquals(std::string_view(header).substr(kBearer.size()), options_.api_key);
  }

  void Routes() {
    server_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      const Scheduler::Load load = scheduler_->load();
      res.set_content("{\"status\":\"ok\",\"running\":" + std::to_string(load.running) +
                          ",\"queued\":" + std::to_string(load.queued) +
                          ",\"sessions\":" + std::to_string(load.sessions) +
                          ",\"decode_steps\":" + std::to_string(load.decode_steps) +
                          ",\"decoded_tokens\":" + std::to_string(load.decoded_tokens) + "}",
                      kJson);
    });
    server_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(ModelsBody(options_.model_id, started_), kJson);
    });
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      ChatRequest request;
      if (auto e = ParseChatRequest(req.body, options_.limits, &request)) return SendError(res, *e);
      if (auto e = CheckModel(request.model)) return SendError(res, *e);
      Accept(BuildChatJob(*engine_, options_.max_context, request), Endpoint::kChat, request, res);
    });
    server_.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
      CompletionRequest request;
      if (auto e = ParseCompletionRequest(req.body, options_.limits, &request)) return SendError(res, *e);
      if (auto e = CheckModel(request.model)) return SendError(res, *e);
      Accept(BuildCompletionJob(*engine_, options_.max_context, request), Endpoint::kCompletion,
             request, res);
    });
  }

  std::optional<ApiError> CheckModel(const std::string& model) const {
    if (model == options_.model_id) return std::nullopt;
    return ApiError{404, "the model '" + model + "' does not exist; this server serves '" + options_.model_id + "'",
                    "invalid_request_error", "model", "model_not_found"};
  }

  void Accept(std::variant<JobSpec, ApiError> built, Endpoint endpoint,
              const SamplingRequest& request, httplib::Response& res) {
    if (auto* e = std::get_if<ApiError>(&built)) return SendError(res, *e);
    JobSpec spec = std::move(std::get<JobSpec>(built));
    spec.deadline = Clock::now() + std::chrono::seconds(options_.request_timeout_seconds);
    auto job = std::make_shared<Job>(std::move(spec));
    if (!scheduler_->Submit(job)) {
      res.set_header("Retry-After", "1");
      return SendError(res, {503, "the server is busy (request queue full); retry later",
                             "server_error", {}, "server_busy"});
    }
    Delivery d;
    d.endpoint = endpoint;
    d.header = {NewId(endpoint), UnixNow(), options_.model_id};
    d.stream = request.stream;
    d.include_usage = request.include_usage;
    auto on_release = [job](bool success) {
      if (!success) job->Cancel();
    };
    if (d.stream) {
      res.set_header("Cache-Control", "no-cache");
      res.set_chunked_content_provider(
          "text/event-stream",
          [job, d](size_t, httplib::DataSink& sink) { return StreamJob(*job, d, sink); }, on_release);
      return;
    }
    std::string ignored;
    const auto quick = Clock::now() + kQuickAnswer;
    bool done = false;
    while (!done && Clock::now() < quick) {
      done = job->Wait(&ignored, std::chrono::milliseconds(200));
      ignored.clear();
    }
    if (done) {
      res.set_content(FinalBody(*job, d, &res.status), kJson);
      return;
    }
    res.set_chunked_content_provider(
        kJson, [job, d](size_t, httplib::DataSink& sink) { return HeartbeatJob(*job, d, sink); },
        on_release);
  }

  std::string NewId(Endpoint endpoint) {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%s-%016llx", endpoint == Endpoint::kChat ? "chatcmpl" : "cmpl",
                  static_cast<unsigned long long>(random()));
    return buf;
  }

  const std::shared_ptr<const Engine> engine_;
  Scheduler* const scheduler_;
  const ServerOptions options_;
  const int64_t started_ = UnixNow();
};

HttpServer::HttpServer(std::shared_ptr<const Engine> engine, Scheduler* scheduler,
                       ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(engine), scheduler, options)),
      host_(options.host),
      port_(options.port) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() {
  httplib::Server& server = impl_->server_;
  bool bound = false;
  if (port_ == 0) {
    port_ = server.bind_to_any_port(host_);
    bound = port_ > 0;
  } else {
    bound = server.bind_to_port(host_, port_);
  }
  if (bound) {
    if (impl_->listen_socket_ != INVALID_SOCKET) ::listen(impl_->listen_socket_, SOMAXCONN);
    return Status::Ok();
  }
  return UnavailableError("cannot listen on " + host_ + ":" + std::to_string(port_) +
                          " (address in use, not an address of this machine, or not permitted)");
}

void HttpServer::Listen() { impl_->server_.listen_after_bind(); }

void HttpServer::Stop() { impl_->server_.stop(); }

}  // namespace litertlm::cli::serve
