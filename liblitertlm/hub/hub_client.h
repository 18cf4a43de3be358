// Hugging Face Hub client: lists a repository's files through the Hub API and downloads single
// files into place (resumable, size- and SHA-256-checked, renamed only when complete).
// Protocol as huggingface_hub speaks it: see docs/tokenizers-and-hub.md section 4.
// Thread-safety: one HubClient per thread.
#ifndef LITERTLM_HUB_HUB_CLIENT_H_
#define LITERTLM_HUB_HUB_CLIENT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hub/hub_errors.h"
#include "hub/hub_token.h"
#include "hub/http.h"
#include "litertlm/status.h"

namespace litertlm::hub {

class PartialFile;

struct HubConfig {
  std::string endpoint = "https://huggingface.co";  // no trailing '/'
  std::optional<HubToken> token;
  long metadata_timeout_s = 10;  // HF_HUB_ETAG_TIMEOUT: HEAD and API calls
  long download_stall_s = 10;    // HF_HUB_DOWNLOAD_TIMEOUT: no byte for this long → retry
  int max_attempts = 3;          // per file; later attempts resume with a Range request
};

// Endpoint from HF_ENDPOINT, token per FindHubToken(cwd), timeouts from HF_HUB_ETAG_TIMEOUT and
// HF_HUB_DOWNLOAD_TIMEOUT. INVALID_ARGUMENT when HF_ENDPOINT is not an http(s) URL.
StatusOr<HubConfig> HubConfigFromEnvironment(const EnvLookup& env, const std::string& cwd);

struct RepoFile {
  std::string name;                // validated rfilename
  std::optional<uint64_t> size;    // when the listing gave it
  std::string lfs_sha256;          // when the listing gave the LFS oid
};

struct RepoListing {
  std::string repo;
  std::string commit;  // 40-hex sha the revision resolved to ("" when the Hub did not say)
  std::vector<RepoFile> files;
};

struct FileProgress {
  std::string file;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;  // 0 when unknown
  double bytes_per_second = 0;
  bool finished = false;
};
using FileProgressFn = std::function<void(const FileProgress&)>;

class HubClient {
 public:
  explicit HubClient(HubConfig config) : config_(std::move(config)) {}

  const HubConfig& config() const { return config_; }

  // GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true. Every file name in the
  // answer is validated; one bad name fails the whole listing.
  StatusOr<RepoListing> ListFiles(const std::string& repo, const std::string& revision);

  // Downloads `file` of `repo` at `revision` (a commit sha from ListFiles is best) to
  // `dest_path`. Bytes go to "<dest_path>.incomplete" first; an existing .incomplete file is
  // resumed with "Range: bytes=<size>-". The result must match the size and the ETag digest
  // (X-Linked-Etag = SHA-256 for LFS files, ETag = git blob SHA-1 otherwise), then it is
  // renamed to dest_path. On a checksum/size mismatch or a full disk the partial file is
  // deleted; on an interrupted transfer it is kept for the next run.
  Status Download(const std::string& repo, const std::string& revision, const RepoFile& file,
                  const std::string& dest_path, const FileProgressFn& progress);

 private:
  struct FileMetadata {
    std::string etag;          // normalised
    std::optional<uint64_t> size;
    std::string download_url;  // where the bytes are (the resolve URL or the CDN Location)
    bool send_token = true;    // false when download_url is on another origin
  };
  // GET of a Hub API URL: follows same-origin redirects (renamed repositories) and retries
  // 429/5xx with back-off (Retry-After honoured, at most 10 s).
  StatusOr<HttpResponse> GetApi(const std::string& url);
  StatusOr<FileMetadata> Head(const HubRequestContext& ctx, const std::string& url);
  // GETs the missing bytes into `part`, resuming with Range after a broken transfer (up to
  // max_attempts). Keeps the partial file when the transfer cannot be completed.
  Status Transfer(const HubRequestContext& ctx, const FileMetadata& meta, PartialFile& part,
                  const std::function<void(uint64_t)>& on_bytes);
  std::vector<std::string> BaseHeaders(bool with_token) const;
  HubRequestContext Context(const std::string& repo, const std::string& file,
                            const std::string& revision) const;
  Status Redacted(const Status& status) const;

  HubConfig config_;
  HttpClient http_;
};

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_HUB_CLIENT_H_
