#include "tokenizer/hf_tokenizer_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "tokenizer/byte_level.h"
#include "util/status_macros.h"

namespace litertlm::hf {
namespace {

using rapidjson::Value;

// Names JSON locations in errors: "<origin>: field '<path>': <message>".
class Where {
 public:
  Where(const std::string& origin, std::string path) : origin_(origin), path_(std::move(path)) {}
  Where Field(std::string_view name) const {
    return Where(origin_, path_.empty() ? std::string(name) : path_ + "." + std::string(name));
  }
  Where Index(size_t i) const { return Where(origin_, path_ + "[" + std::to_string(i) + "]"); }
  Status Error(const std::string& message) const {
    return InvalidArgumentError(origin_ + ": field '" + path_ + "': " + message);
  }
  std::string Name() const { return origin_ + ": " + path_; }

 private:
  const std::string& origin_;
  std::string path_;
};

std::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

// Member `name` of `obj`, or nullptr when absent or null.
const Value* Find(const Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

StatusOr<const Value*> RequireObject(const Value& obj, const char* name, const Where& w) {
  const Value* v = Find(obj, name);
  if (v == nullptr) return w.Field(name).Error("is missing");
  if (!v->IsObject()) return w.Field(name).Error("must be an object");
  return v;
}

StatusOr<const Value*> RequireArray(const Value& obj, const char* name, const Where& w) {
  const Value* v = Find(obj, name);
  if (v == nullptr) return w.Field(name).Error("is missing");
  if (!v->IsArray()) return w.Field(name).Error("must be an array");
  return v;
}

StatusOr<std::string_view> RequireString(const Value& obj, const char* name, const Where& w) {
  const Value* v = Find(obj, name);
  if (v == nullptr) return w.Field(name).Error("is missing");
  if (!v->IsString()) return w.Field(name).Error("must be a string");
  return View(*v);
}

StatusOr<std::optional<std::string>> OptionalString(const Value& obj, const char* name,
                                                    const Where& w) {
  const Value* v = Find(obj, name);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->IsString()) return w.Field(name).Error("must be a string or null");
  return std::optional<std::string>(std::string(View(*v)));
}

StatusOr<bool> OptionalBool(const Value& obj, const char* name, bool fallback, const Where& w) {
  const Value* v = Find(obj, name);
  if (v == nullptr) return fallback;
  if (!v->IsBool()) return w.Field(name).Error("must be true or false");
  return v->GetBool();
}

StatusOr<TokenId> TokenIdOf(const Value& v, const Where& w) {
  if (!v.IsInt64() || v.GetInt64() < 0 || v.GetInt64() > kMaxTokenId)
    return w.Error("must be a token id (an integer in [0, " + std::to_string(kMaxTokenId) + "])");
  return static_cast<TokenId>(v.GetInt64());
}

StatusOr<size_t> OptionalSize(const Value& obj, const char* name, const Where& w) {
  const Value* v = Find(obj, name);
  if (v == nullptr) return size_t{0};
  if (!v->IsUint64() || v->GetUint64() > (1u << 30)) return w.Field(name).Error("must be a count");
  return static_cast<size_t>(v->GetUint64());
}

// A {"String": s} or {"Regex": r} pattern.
Status ParsePattern(const Value& obj, const Where& w, std::string* literal,
                    std::shared_ptr<const Pcre2Regex>* regex) {
  ASSIGN_OR_RETURN(const Value* pattern, RequireObject(obj, "pattern", w));
  Where pw = w.Field("pattern");
  if (const Value* s = Find(*pattern, "String")) {
    if (!s->IsString()) return pw.Field("String").Error("must be a string");
    *literal = std::string(View(*s));
    return Status::Ok();
  }
  if (const Value* r = Find(*pattern, "Regex")) {
    if (!r->IsString()) return pw.Field("Regex").Error("must be a string");
    ASSIGN_OR_RETURN(*regex, Pcre2Regex::Compile(View(*r), pw.Field("Regex").Name()));
    return Status::Ok();
  }
  return pw.Error("must hold \"String\" or \"Regex\"");
}

StatusOr<std::string_view> TypeOf(const Value& obj, const Where& w) {
  if (!obj.IsObject()) return w.Error("must be an object");
  return RequireString(obj, "type", w);
}

// ---- normalizer ----

Status ParseNormalizer(const Value& obj, const Where& w, std::vector<NormalizerStep>* steps) {
  ASSIGN_OR_RETURN(std::string_view type, TypeOf(obj, w));
  NormalizerStep step;
  using K = NormalizerStep::Kind;
  if (type == "Sequence") {
    ASSIGN_OR_RETURN(const Value* list, RequireArray(obj, "normalizers", w));
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i)
      RETURN_IF_ERROR(ParseNormalizer((*list)[i], w.Field("normalizers").Index(i), steps));
    return Status::Ok();
  }
  if (type == "NFC") {
    step.kind = K::kNfc;
  } else if (type == "NFD") {
    step.kind = K::kNfd;
  } else if (type == "NFKC") {
    step.kind = K::kNfkc;
  } else if (type == "NFKD") {
    step.kind = K::kNfkd;
  } else if (type == "Replace") {
    step.kind = K::kReplace;
    RETURN_IF_ERROR(ParsePattern(obj, w, &step.pattern, &step.regex));
    ASSIGN_OR_RETURN(std::string_view content, RequireString(obj, "content", w));
    step.content = std::string(content);
  } else if (type == "Prepend") {
    step.kind = K::kPrepend;
    ASSIGN_OR_RETURN(std::string_view prepend, RequireString(obj, "prepend", w));
    step.content = std::string(prepend);
  } else {
    return w.Field("type").Error("unsupported normalizer type '" + std::string(type) + "'");
  }
  steps->push_back(std::move(step));
  return Status::Ok();
}

// ---- pre_tokenizer ----

StatusOr<SplitBehavior> ParseBehavior(const Value& obj, const Where& w) {
  ASSIGN_OR_RETURN(std::string_view b, RequireString(obj, "behavior", w));
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  return w.Field("behavior").Error("unknown split behavior '" + std::string(b) + "'");
}

Status ParsePreTokenizer(const Value& obj, const Where& w, std::vector<PreTokenizerStep>* steps) {
  ASSIGN_OR_RETURN(std::string_view type, TypeOf(obj, w));
  PreTokenizerStep step;
  if (type == "Sequence") {
    ASSIGN_OR_RETURN(const Value* list, RequireArray(obj, "pretokenizers", w));
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i)
      RETURN_IF_ERROR(ParsePreTokenizer((*list)[i], w.Field("pretokenizers").Index(i), steps));
    return Status::Ok();
  }
  if (type == "Split") {
    step.kind = PreTokenizerStep::Kind::kSplit;
    RETURN_IF_ERROR(ParsePattern(obj, w, &step.literal, &step.regex));
    ASSIGN_OR_RETURN(step.behavior, ParseBehavior(obj, w));
    ASSIGN_OR_RETURN(step.invert, OptionalBool(obj, "invert", false, w));
  } else if (type == "ByteLevel") {
    step.kind = PreTokenizerStep::Kind::kByteLevel;
    ASSIGN_OR_RETURN(step.add_prefix_space, OptionalBool(obj, "add_prefix_space", true, w));
    ASSIGN_OR_RETURN(bool use_regex, OptionalBool(obj, "use_regex", true, w));
    if (use_regex) {
      ASSIGN_OR_RETURN(step.byte_level_regex,
                       Pcre2Regex::Compile(kGpt2SplitPattern, w.Field("use_regex").Name()));
    }
  } else {
    return w.Field("type").Error("unsupported pre_tokenizer type '" + std::string(type) + "'");
  }
  steps->push_back(std::move(step));
  return Status::Ok();
}

// ---- model ----

Status ParseVocab(const Value& model, const Where& w, BpeVocab* vocab) {
  ASSIGN_OR_RETURN(const Value* v, RequireObject(model, "vocab", w));
  size_t bytes = 0;
  for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) bytes += it->name.GetStringLength();
  vocab->Reserve(v->MemberCount(), bytes);
  Where vw = w.Field("vocab");
  for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) {
    std::string_view token = View(it->name);
    const Value& v_id = it->value;
    if (!v_id.IsInt64() || v_id.GetInt64() < 0 || v_id.GetInt64() > kMaxTokenId) {
      return TokenIdOf(v_id, vw.Field(token)).status();
    }
    vocab->Add(token, static_cast<TokenId>(v_id.GetInt64()));
  }
  return Status::Ok();
}

Status ParseMerges(const Value& model, const Where& w,
                   std::vector<std::pair<std::string_view, std::string_view>>* merges) {
  const Value* list = Find(model, "merges");
  if (list == nullptr) return Status::Ok();
  if (!list->IsArray()) return w.Field("merges").Error("must be an array");
  merges->reserve(list->Size());
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const Value& m = (*list)[i];
    if (m.IsString()) {
      std::string_view s = View(m);
      size_t space = s.find(' ');
      if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos)
        return w.Field("merges").Index(i).Error("must be two tokens separated by one space");
      merges->emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (m.IsArray() && m.Size() == 2 && m[0].IsString() && m[1].IsString()) {
      merges->emplace_back(View(m[0]), View(m[1]));
    } else {
      return w.Field("merges").Index(i).Error("must be \"a b\" or [\"a\", \"b\"]");
    }
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<BpeModel>> ParseModel(const Value& root, const Where& w0) {
  ASSIGN_OR_RETURN(const Value* model, RequireObject(root, "model", w0));
  Where w = w0.Field("model");
  ASSIGN_OR_RETURN(std::string_view type, RequireString(*model, "type", w));
  if (type != "BPE") return w.Field("type").Error("unsupported model type '" + std::string(type) + "'");
  if (const Value* d = Find(*model, "dropout"); d != nullptr && !(d->IsNumber() && d->GetDouble() == 0.0))
    return w.Field("dropout").Error("BPE dropout is not supported (must be null)");
  BpeOptions options;
  ASSIGN_OR_RETURN(options.unk_token, OptionalString(*model, "unk_token", w));
  ASSIGN_OR_RETURN(options.continuing_subword_prefix,
                   OptionalString(*model, "continuing_subword_prefix", w));
  ASSIGN_OR_RETURN(options.end_of_word_suffix, OptionalString(*model, "end_of_word_suffix", w));
  ASSIGN_OR_RETURN(options.fuse_unk, OptionalBool(*model, "fuse_unk", false, w));
  ASSIGN_OR_RETURN(options.byte_fallback, OptionalBool(*model, "byte_fallback", false, w));
  ASSIGN_OR_RETURN(options.ignore_merges, OptionalBool(*model, "ignore_merges", false, w));
  BpeVocab vocab;
  RETURN_IF_ERROR(ParseVocab(*model, w, &vocab));
  vocab.Finish();
  std::vector<std::pair<std::string_view, std::string_view>> merges;
  RETURN_IF_ERROR(ParseMerges(*model, w, &merges));
  return BpeModel::Create(std::move(options), std::move(vocab), merges, w.Name());
}

// ---- added_tokens ----

Status ParseAddedTokens(const Value& root, const Where& w0, std::vector<AddedToken>* out) {
  const Value* list = Find(root, "added_tokens");
  if (list == nullptr) return Status::Ok();
  Where w = w0.Field("added_tokens");
  if (!list->IsArray()) return w.Error("must be an array");
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const Value& t = (*list)[i];
    Where tw = w.Index(i);
    if (!t.IsObject()) return tw.Error("must be an object");
    AddedToken token;
    const Value* id = Find(t, "id");
    if (id == nullptr) return tw.Field("id").Error("is missing");
    ASSIGN_OR_RETURN(token.id, TokenIdOf(*id, tw.Field("id")));
    ASSIGN_OR_RETURN(std::string_view content, RequireString(t, "content", tw));
    if (content.empty()) return tw.Field("content").Error("must not be empty");
    token.content = std::string(content);
    ASSIGN_OR_RETURN(token.special, OptionalBool(t, "special", false, tw));
    ASSIGN_OR_RETURN(token.single_word, OptionalBool(t, "single_word", false, tw));
    ASSIGN_OR_RETURN(token.lstrip, OptionalBool(t, "lstrip", false, tw));
    ASSIGN_OR_RETURN(token.rstrip, OptionalBool(t, "rstrip", false, tw));
    ASSIGN_OR_RETURN(token.normalized, OptionalBool(t, "normalized", !token.special, tw));
    out->push_back(std::move(token));
  }
  return Status::Ok();
}

// ---- post_processor ----

StatusOr<std::vector<TokenId>> SpecialTokenIds(const Value& obj, std::string_view name,
                                               const Where& w) {
  ASSIGN_OR_RETURN(const Value* specials, RequireObject(obj, "special_tokens", w));
  Where sw = w.Field("special_tokens");
  const Value* entry = nullptr;
  for (auto it = specials->MemberBegin(); it != specials->MemberEnd(); ++it)
    if (View(it->name) == name) entry = &it->value;
  if (entry == nullptr || !entry->IsObject())
    return sw.Error("has no entry for '" + std::string(name) + "'");
  ASSIGN_OR_RETURN(const Value* ids, RequireArray(*entry, "ids", sw.Field(name)));
  std::vector<TokenId> out;
  for (rapidjson::SizeType i = 0; i < ids->Size(); ++i) {
    ASSIGN_OR_RETURN(TokenId id, TokenIdOf((*ids)[i], sw.Field(name).Field("ids").Index(i)));
    out.push_back(id);
  }
  return out;
}

Status ParseTemplate(const Value& obj, const Where& w, PostProcessor* pp) {
  ASSIGN_OR_RETURN(const Value* single, RequireArray(obj, "single", w));
  PostProcessor local;
  bool seen_sequence = false;
  for (rapidjson::SizeType i = 0; i < single->Size(); ++i) {
    const Value& piece = (*single)[i];
    Where pw = w.Field("single").Index(i);
    if (!piece.IsObject()) return pw.Error("must be an object");
    if (const Value* sp = Find(piece, "SpecialToken")) {
      if (!sp->IsObject()) return pw.Field("SpecialToken").Error("must be an object");
      ASSIGN_OR_RETURN(std::string_view id, RequireString(*sp, "id", pw.Field("SpecialToken")));
      ASSIGN_OR_RETURN(std::vector<TokenId> ids, SpecialTokenIds(obj, id, w));
      auto& dst = seen_sequence ? local.suffix : local.prefix;
      dst.insert(dst.end(), ids.begin(), ids.end());
    } else if (const Value* seq = Find(piece, "Sequence")) {
      if (!seq->IsObject()) return pw.Field("Sequence").Error("must be an object");
      ASSIGN_OR_RETURN(std::string_view id, RequireString(*seq, "id", pw.Field("Sequence")));
      if (id != "A" || seen_sequence) return pw.Error("single template must use sequence A once");
      seen_sequence = true;
    } else {
      return pw.Error("must be a SpecialToken or a Sequence");
    }
  }
  if (!seen_sequence) return w.Field("single").Error("does not contain sequence A");
  pp->prefix.insert(pp->prefix.begin(), local.prefix.begin(), local.prefix.end());
  pp->suffix.insert(pp->suffix.end(), local.suffix.begin(), local.suffix.end());
  return Status::Ok();
}

// A ["token", id] pair of BertProcessing / RobertaProcessing.
StatusOr<TokenId> ParseTokenPair(const Value& obj, const char* name, const Where& w) {
  ASSIGN_OR_RETURN(const Value* pair, RequireArray(obj, name, w));
  if (pair->Size() != 2 || !(*pair)[0].IsString())
    return w.Field(name).Error("must be [\"token\", id]");
  return TokenIdOf((*pair)[1], w.Field(name).Index(1));
}

Status ParsePostProcessor(const Value& obj, const Where& w, PostProcessor* pp) {
  ASSIGN_OR_RETURN(std::string_view type, TypeOf(obj, w));
  if (type == "Sequence") {
    ASSIGN_OR_RETURN(const Value* list, RequireArray(obj, "processors", w));
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i)
      RETURN_IF_ERROR(ParsePostProcessor((*list)[i], w.Field("processors").Index(i), pp));
    return Status::Ok();
  }
  if (type == "ByteLevel") return Status::Ok();  // offsets only
  if (type == "TemplateProcessing") return ParseTemplate(obj, w, pp);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    ASSIGN_OR_RETURN(TokenId cls, ParseTokenPair(obj, "cls", w));
    ASSIGN_OR_RETURN(TokenId sep, ParseTokenPair(obj, "sep", w));
    pp->prefix.insert(pp->prefix.begin(), cls);
    pp->suffix.push_back(sep);
    return Status::Ok();
  }
  return w.Field("type").Error("unsupported post_processor type '" + std::string(type) + "'");
}

// ---- decoder ----

Status ParseDecoder(const Value& obj, const Where& w, std::vector<DecoderStep>* steps) {
  ASSIGN_OR_RETURN(std::string_view type, TypeOf(obj, w));
  DecoderStep step;
  using K = DecoderStep::Kind;
  if (type == "Sequence") {
    ASSIGN_OR_RETURN(const Value* list, RequireArray(obj, "decoders", w));
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i)
      RETURN_IF_ERROR(ParseDecoder((*list)[i], w.Field("decoders").Index(i), steps));
    return Status::Ok();
  }
  if (type == "ByteLevel") {
    step.kind = K::kByteLevel;
  } else if (type == "ByteFallback") {
    step.kind = K::kByteFallback;
  } else if (type == "Fuse") {
    step.kind = K::kFuse;
  } else if (type == "Replace") {
    step.kind = K::kReplace;
    RETURN_IF_ERROR(ParsePattern(obj, w, &step.pattern, &step.regex));
    ASSIGN_OR_RETURN(std::string_view content, RequireString(obj, "content", w));
    step.content = std::string(content);
  } else if (type == "Strip") {
    step.kind = K::kStrip;
    ASSIGN_OR_RETURN(std::string_view content, RequireString(obj, "content", w));
    size_t pos = 0;
    if (content.empty() || (NextCodePoint(content, &pos), pos != content.size()))
      return w.Field("content").Error("must be one character");
    step.content = std::string(content);
    ASSIGN_OR_RETURN(step.start, OptionalSize(obj, "start", w));
    ASSIGN_OR_RETURN(step.stop, OptionalSize(obj, "stop", w));
  } else {
    return w.Field("type").Error("unsupported decoder type '" + std::string(type) + "'");
  }
  steps->push_back(std::move(step));
  return Status::Ok();
}

}  // namespace

StatusOr<HfTokenizerParts> ParseHfTokenizerJson(std::string_view bytes, const std::string& origin) {
  std::string buffer(bytes);  // in-situ parsing writes into its input
  rapidjson::Document doc;
  doc.ParseInsitu<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
      buffer.data());
  if (doc.HasParseError()) {
    return InvalidArgumentError(origin + ": not valid JSON (offset " +
                                std::to_string(doc.GetErrorOffset()) + "): " +
                                rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return InvalidArgumentError(origin + ": the top level must be an object");
  Where root(origin, "");
  HfTokenizerParts parts;
  std::vector<NormalizerStep> norm;
  if (const Value* n = Find(doc, "normalizer"))
    RETURN_IF_ERROR(ParseNormalizer(*n, root.Field("normalizer"), &norm));
  parts.normalizer = std::make_unique<Normalizer>(std::move(norm));
  std::vector<PreTokenizerStep> pre;
  if (const Value* p = Find(doc, "pre_tokenizer"))
    RETURN_IF_ERROR(ParsePreTokenizer(*p, root.Field("pre_tokenizer"), &pre));
  parts.pre_tokenizer = std::make_unique<PreTokenizer>(std::move(pre));
  ASSIGN_OR_RETURN(parts.model, ParseModel(doc, root));
  RETURN_IF_ERROR(ParseAddedTokens(doc, root, &parts.added_tokens));
  if (const Value* p = Find(doc, "post_processor"))
    RETURN_IF_ERROR(ParsePostProcessor(*p, root.Field("post_processor"), &parts.post_processor));
  std::vector<DecoderStep> dec;
  const Value* d = Find(doc, "decoder");
  if (d != nullptr) RETURN_IF_ERROR(ParseDecoder(*d, root.Field("decoder"), &dec));
  parts.decoder = std::make_unique<Decoder>(d != nullptr, std::move(dec));
  return parts;
}

}  // namespace litertlm::hf
