// The HTTP front of `serve` (cpp-httplib): routing, the Bearer key, size limits and timeouts,
// and delivery of each job's text — as server-sent events, or as one JSON body.
#ifndef LITERTLM_CLI_SERVE_HTTP_SERVER_H_
#define LITERTLM_CLI_SERVE_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "litertlm/engine.h"
#include "litertlm/status.h"
#include "serve/openai_request.h"
#include "serve/scheduler.h"

namespace litertlm::cli::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;               // 0: any free port (see HttpServer::port)
  std::string api_key;           // empty: no key; never logged
  std::string model_id;          // the name /v1/models lists and requests must use
  int max_context = 0;           // tokens a session holds (prompt + answer)
  size_t max_body_bytes = 1 << 20;
  int io_timeout_seconds = 30;   // reading a request; a client not taking the response
  int request_timeout_seconds = 600;  // generation time of one request
  int http_threads = 16;         // connections served at once (streams hold one each)
  RequestLimits limits;
};

class HttpServer {
 public:
  HttpServer(std::shared_ptr<const Engine> engine, Scheduler* scheduler, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port; UNAVAILABLE naming the address when it cannot.
  Status Bind();
  int port() const { return port_; }
  // Serves until Stop() (from any thread, e.g. a signal watcher).
  void Listen();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::string host_;
  int port_ = 0;
};

}  // namespace litertlm::cli::serve

#endif  // LITERTLM_CLI_SERVE_HTTP_SERVER_H_
