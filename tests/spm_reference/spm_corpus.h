// Header-only reader of the committed SentencePiece corpus (gzip JSONL, one
// {"text": str, "ids": [int, ...]} per line), shared by the liblitertlm unit test and the
// libsentencepiece reference test (which must not link liblitertlm: zlib + RapidJSON only).
#ifndef LITERTLM_TESTS_SPM_REFERENCE_SPM_CORPUS_H_
#define LITERTLM_TESTS_SPM_REFERENCE_SPM_CORPUS_H_

#include <zlib.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "rapidjson/document.h"

namespace spm_corpus {

struct Entry {
  std::string text;
  std::vector<int> ids;
  std::string decoded;       // HF decode, special tokens kept (default: text)
  std::string decoded_skip;  // libsentencepiece decode, CONTROL pieces dropped (default: decoded)
};

inline std::string ReadString(const rapidjson::Document& doc, const char* key,
                              const std::string& fallback) {
  if (!doc.HasMember(key) || !doc[key].IsString()) return fallback;
  return std::string(doc[key].GetString(), doc[key].GetStringLength());
}

// Reads `path`; on failure returns false and says why in `error`.
inline bool ReadCorpus(const std::string& path, std::vector<Entry>* entries, std::string* error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot open " + path;
    return false;
  }
  std::string data;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) data.append(buf, static_cast<size_t>(n));
  const bool read_ok = n == 0;
  gzclose(f);
  if (!read_ok) {
    *error = "gzip read error in " + path;
    return false;
  }
  size_t pos = 0;
  int line = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    ++line;
    rapidjson::Document doc;
    doc.Parse(data.data() + pos, end - pos);
    pos = end + 1;
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("text") ||
        !doc["text"].IsString() || !doc.HasMember("ids") || !doc["ids"].IsArray()) {
      *error = path + ": bad line " + std::to_string(line);
      return false;
    }
    Entry e;
    e.text.assign(doc["text"].GetString(), doc["text"].GetStringLength());
    for (const auto& v : doc["ids"].GetArray()) e.ids.push_back(v.GetInt());
    e.decoded = ReadString(doc, "decoded", e.text);
    e.decoded_skip = ReadString(doc, "decoded_skip", e.decoded);
    entries->push_back(std::move(e));
  }
  return true;
}

// LITERTLM_GOLDEN_DIR/tokenizer_spm/<name>, or "" when the variable is unset.
inline std::string GoldenPath(const std::string& name) {
  const char* dir = std::getenv("LITERTLM_GOLDEN_DIR");
  return dir == nullptr ? std::string() : std::string(dir) + "/tokenizer_spm/" + name;
}

}  // namespace spm_corpus

#endif  // LITERTLM_TESTS_SPM_REFERENCE_SPM_CORPUS_H_
