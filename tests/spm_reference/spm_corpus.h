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
  bool raw = false;          // from "text_hex": `text` is not valid UTF-8
  std::string decoded;       // HF decode, special tokens kept (default: text)
  std::string decoded_skip;  // libsentencepiece decode, CONTROL pieces dropped (default: decoded)
};

inline std::string ReadString(const rapidjson::Document& doc, const char* key,
                              const std::string& fallback) {
  if (!doc.HasMember(key) || !doc[key].IsString()) return fallback;
  return std::string(doc[key].GetString(), doc[key].GetStringLength());
}

// "text", or the bytes of "text_hex" (rows holding invalid UTF-8).
inline bool ReadText(const rapidjson::Document& doc, std::string* text, bool* raw) {
  if (doc.HasMember("text") && doc["text"].IsString()) {
    text->assign(doc["text"].GetString(), doc["text"].GetStringLength());
    return true;
  }
  if (!doc.HasMember("text_hex") || !doc["text_hex"].IsString()) return false;
  *raw = true;
  const std::string hex = doc["text_hex"].GetString();
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    text->push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return true;
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
    Entry e;
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("ids") || !doc["ids"].IsArray() ||
        !ReadText(doc, &e.text, &e.raw)) {
      *error = path + ": bad line " + std::to_string(line);
      return false;
    }
    for (const auto& v : doc["ids"].GetArray()) e.ids.push_back(v.GetInt());
    e.decoded = ReadString(doc, "decoded", e.text);
    e.decoded_skip = ReadString(doc, "decoded_skip", e.decoded);
    entries->push_back(std::move(e));
  }
  return true;
}

// $LITERTLM_GOLDEN_DIR/tokenizer_spm/<name>; without the variable, the tests/golden directory
// next to this header's source location.
inline std::string GoldenPath(const std::string& name) {
  if (const char* dir = std::getenv("LITERTLM_GOLDEN_DIR")) {
    return std::string(dir) + "/tokenizer_spm/" + name;
  }
  std::string here = __FILE__;  // .../tests/spm_reference/spm_corpus.h
  here.resize(here.rfind('/'));
  here.resize(here.rfind('/'));
  return here + "/golden/tokenizer_spm/" + name;
}

}  // namespace spm_corpus

#endif  // LITERTLM_TESTS_SPM_REFERENCE_SPM_CORPUS_H_
