#include "tokenizer/pre_tokenizer.h"

#include <algorithm>

#include "tokenizer/byte_level.h"

namespace litertlm::hf {
namespace {

using Range = std::pair<size_t, size_t>;
struct Piece {
  Range range;
  bool is_match;
};

Status FindMatches(std::string_view text, const PreTokenizerStep& step, std::vector<Piece>* out) {
  if (text.empty()) {
    out->push_back({{0, 0}, false});
    return Status::Ok();
  }
  std::vector<Range> matches;
  if (step.regex) {
    Status s = step.regex->FindAll(text, &matches);
    if (!s.ok()) return s;
  } else if (!step.literal.empty()) {
    size_t pos = 0;
    while ((pos = text.find(step.literal, pos)) != std::string_view::npos) {
      matches.emplace_back(pos, pos + step.literal.size());
      pos += step.literal.size();
    }
  }
  size_t prev = 0;
  for (const Range& m : matches) {
    if (prev != m.first) out->push_back({{prev, m.first}, false});
    out->push_back({m, true});
    prev = m.second;
  }
  if (prev != text.size()) out->push_back({{prev, text.size()}, false});
  return Status::Ok();
}

}  // namespace

Status SplitByPattern(std::string_view text, const PreTokenizerStep& step, std::vector<Range>* out) {
  std::vector<Piece> pieces;
  Status s = FindMatches(text, step, &pieces);
  if (!s.ok()) return s;
  if (step.invert) {
    for (Piece& p : pieces) p.is_match = !p.is_match;
  }
  std::vector<Range> acc;
  bool previous_match = false;
  switch (step.behavior) {
    case SplitBehavior::kRemoved:
      for (const Piece& p : pieces)
        if (!p.is_match) acc.push_back(p.range);
      break;
    case SplitBehavior::kIsolated:
      for (const Piece& p : pieces) acc.push_back(p.range);
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Piece& p : pieces) {
        if (p.is_match && !previous_match && !acc.empty()) {
          acc.back().second = p.range.second;
        } else {
          acc.push_back(p.range);
        }
        previous_match = p.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
        if (it->is_match && !previous_match && !acc.empty()) {
          acc.back().first = it->range.first;
        } else {
          acc.push_back(it->range);
        }
        previous_match = it->is_match;
      }
      std::reverse(acc.begin(), acc.end());
      break;
    case SplitBehavior::kContiguous:
      for (const Piece& p : pieces) {
        if (p.is_match == previous_match && !acc.empty()) {
          acc.back().second = p.range.second;
        } else {
          acc.push_back(p.range);
        }
        previous_match = p.is_match;
      }
      break;
  }
  out->insert(out->end(), acc.begin(), acc.end());
  return Status::Ok();
}

Status PreTokenizer::Run(std::string_view text, std::vector<std::string>* pieces) const {
  pieces->clear();
  if (text.empty()) return Status::Ok();
  pieces->emplace_back(text);
  std::vector<std::string> next;
  std::vector<Range> ranges;
  for (const PreTokenizerStep& step : steps_) {
    next.clear();
    for (std::string& piece : *pieces) {
      if (step.kind == PreTokenizerStep::Kind::kSplit) {
        ranges.clear();
        Status s = SplitByPattern(piece, step, &ranges);
        if (!s.ok()) return s;
        for (const Range& r : ranges) {
          if (r.second > r.first) next.emplace_back(piece, r.first, r.second - r.first);
        }
        continue;
      }
      // ByteLevel: optional prefix space, optional GPT-2 split, then the byte→char mapping.
      if (step.add_prefix_space && piece.front() != ' ') piece = std::string(" ") + piece;
      ranges.clear();
      if (step.byte_level_regex) {
        PreTokenizerStep split;
        split.regex = step.byte_level_regex;
        Status s = SplitByPattern(piece, split, &ranges);
        if (!s.ok()) return s;
      } else {
        ranges.emplace_back(0, piece.size());
      }
      for (const Range& r : ranges) {
        if (r.second == r.first) continue;
        std::string mapped;
        mapped.reserve((r.second - r.first) * 2);
        AppendByteLevel(std::string_view(piece).substr(r.first, r.second - r.first), &mapped);
        next.push_back(std::move(mapped));
      }
    }
    pieces->swap(next);
  }
  return Status::Ok();
}

}  // namespace litertlm::hf
