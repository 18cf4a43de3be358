// Where the Hugging Face access token comes from. The token is a secret: it is only ever put in
// an Authorization header; it never goes into a Status message, a log line or a file we write.
#ifndef LITERTLM_HUB_HUB_TOKEN_H_
#define LITERTLM_HUB_HUB_TOKEN_H_

#include <functional>
#include <optional>
#include <string>

namespace litertlm::hub {

struct HubToken {
  std::string value;   // the secret; never print it
  std::string source;  // printable description, e.g. "the HF_TOKEN environment variable"
};

// Reads an environment variable; returns nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup ProcessEnvironment();

// The first non-empty token, in this order:
//   1. env HF_TOKEN (then the legacy HUGGING_FACE_HUB_TOKEN)
//   2. file "HF_TOKEN" in `cwd`
//   3. file "HF_TOKEN" in the parent of `cwd`
//   4. the Hugging Face token file: HF_TOKEN_PATH, else $HF_HOME/token, else
//      $XDG_CACHE_HOME/huggingface/token, else $HOME/.cache/huggingface/token.
// Surrounding whitespace and CR/LF are stripped; an empty value counts as absent.
std::optional<HubToken> FindHubToken(const EnvLookup& env, const std::string& cwd);

// Replaces every occurrence of `token` in `text` with "<redacted>" (for messages that carry
// server-provided text, which could echo the header back).
std::string RedactToken(std::string text, const std::string& token);

}  // namespace litertlm::hub

#endif  // LITERTLM_HUB_HUB_TOKEN_H_
