#include "util/pending_files.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace litertlm {
namespace {

namespace fs = std::filesystem;

// A slot is free (0), being filled or read (1), or holds a path a signal handler may remove
// (2). Paths are copied into static storage so the handler never touches the heap.
constexpr int kSlots = 64;
constexpr size_t kMaxPath = 4096;
struct Slot {
  std::atomic<int> state{0};
  bool directory = false;
  char path[kMaxPath];
};
std::array<Slot, kSlots> g_slots;
static_assert(std::atomic<int>::is_always_lock_free, "signal handler needs lock-free atomics");

int Register(const std::string& path, bool directory) {
  if (path.size() >= kMaxPath) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (!g_slots[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].directory = directory;
    g_slots[i].state.store(2);
    return i;
  }
  return -1;
}

// Removes the registered entries of one kind, in slot order.
void RemoveAll(bool directories) {
  for (Slot& s : g_slots) {
    int expected = 2;
    // Claimed so a concurrent Register cannot reuse the slot while its path is read.
    if (!s.state.compare_exchange_strong(expected, 1)) continue;
    if (s.directory == directories) {
      if (directories) {
        ::rmdir(s.path);  // only when empty
      } else {
        ::unlink(s.path);
      }
    }
    expected = 1;  // still registered (unless its owner forgot it meanwhile)
    s.state.compare_exchange_strong(expected, 2);
  }
}

}  // namespace

int RegisterPendingFile(const std::string& path) { return Register(path, false); }
int RegisterPendingDirectory(const std::string& path) { return Register(path, true); }

void UnregisterPendingFile(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  g_slots[slot].state.store(0);
}

void RemovePendingFiles() {
  RemoveAll(/*directories=*/false);
  RemoveAll(/*directories=*/true);
}

std::optional<pid_t> TempFileOwner(const std::string& name) {
  const size_t at = name.rfind(".tmp.");
  if (at == std::string::npos || at == 0) return std::nullopt;
  const std::string digits = name.substr(at + 5);
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  long pid = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

bool ProcessIsGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

int SweepStaleTempFiles(const std::string& path) {
  const fs::path target(path);
  const std::string prefix = target.filename().string() + ".tmp.";
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::optional<pid_t> owner = TempFileOwner(name);
    if (!owner || *owner == ::getpid() || !ProcessIsGone(*owner)) continue;
    std::error_code rm;
    if (it->is_regular_file(rm) && fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

}  // namespace litertlm
