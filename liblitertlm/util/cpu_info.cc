#include "util/cpu_info.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#if defined(__linux__)
#include <sched.h>
#endif

namespace litertlm {
namespace {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string_view Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<double> ParsePositive(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  std::string str(s);
  char* end = nullptr;
  const double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size() || !(v > 0)) return std::nullopt;
  return v;
}

// One cgroup hierarchy from /proc/self/mountinfo: where it is mounted and which cgroup path
// its mount shows as its root.
struct CgroupMount {
  std::string root;         // e.g. "/" (or "/docker/abc" when a container sees a sub-tree)
  std::string mount_point;  // e.g. "/sys/fs/cgroup" or "/sys/fs/cgroup/cpu,cpuacct"
};

// Finds the mount of a cgroup2 hierarchy (v2 = true) or of the v1 hierarchy with the cpu
// controller. mountinfo: "ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTS [OPTIONAL...] - FSTYPE SRC SUPER".
std::optional<CgroupMount> FindCgroupMount(std::string_view mountinfo, bool v2) {
  for (std::string_view line : Split(mountinfo, '\n')) {
    const size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    const auto head = Split(line.substr(0, dash), ' ');
    const auto tail = Split(line.substr(dash + 3), ' ');
    if (head.size() < 5 || tail.size() < 3) continue;
    bool match = false;
    if (v2) {
      match = tail[0] == "cgroup2";
    } else if (tail[0] == "cgroup") {
      for (std::string_view opt : Split(Trim(tail[2]), ',')) match = match || opt == "cpu";
    }
    if (match) return CgroupMount{std::string(head[3]), std::string(head[4])};
  }
  return std::nullopt;
}

// The smallest limit read by `read_dir` in the cgroup's directory and each parent up to the
// mount point.
template <typename ReadDir>
std::optional<double> WalkUp(const std::string& fs_root, const CgroupMount& mount,
                             std::string path, const ReadDir& read_dir) {
  // The mount shows the hierarchy from `mount.root` down: strip that prefix from the path.
  if (mount.root != "/" && path.rfind(mount.root, 0) == 0) path = path.substr(mount.root.size());
  std::optional<double> best;
  for (;;) {
    std::string dir = fs_root + mount.mount_point + (path == "/" ? "" : path);
    if (auto v = read_dir(dir)) best = best ? std::min(*best, *v) : *v;
    if (path.empty() || path == "/") break;
    const size_t slash = path.find_last_of('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return best;
}

}  // namespace

std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int i = 0; i < CPU_SETSIZE; ++i) {
      if (CPU_ISSET(i, &set)) cpus.push_back(i);
    }
  }
#endif
  return cpus;
}

int CountPhysicalCores(std::string_view cpuinfo, const std::vector<int>& allowed) {
  std::set<std::pair<std::string_view, std::string_view>> cores;
  int processor = -1;
  std::string_view physical = "0", core;  // views into `cpuinfo`
  auto commit = [&] {
    const bool ok = allowed.empty() ||
                    std::find(allowed.begin(), allowed.end(), processor) != allowed.end();
    if (processor >= 0 && !core.empty() && ok) cores.emplace(physical, core);
    processor = -1;
    physical = "0";
    core = {};
  };
  for (std::string_view line : Split(cpuinfo, '\n')) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (Trim(line).empty()) commit();
      continue;
    }
    const std::string_view key = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (key == "processor") {
      commit();
      processor = std::atoi(std::string(value).c_str());
    } else if (key == "physical id") {
      physical = value;
    } else if (key == "core id") {
      core = value;
    }
  }
  commit();
  return static_cast<int>(cores.size());
}

std::optional<double> ParseCpuMax(std::string_view text) {
  const auto fields = Split(Trim(text), ' ');
  if (fields.size() != 2 || fields[0] == "max") return std::nullopt;
  auto quota = ParsePositive(fields[0]);
  auto period = ParsePositive(fields[1]);
  if (!quota || !period) return std::nullopt;
  return *quota / *period;
}

std::optional<double> ParseCfsQuota(std::string_view quota, std::string_view period) {
  auto q = ParsePositive(quota);  // -1 = no limit
  auto p = ParsePositive(period);
  if (!q || !p) return std::nullopt;
  return *q / *p;
}

std::optional<double> CgroupCpuLimit(const std::string& root) {
  const std::string cgroups = ReadSmallFile(root + "/proc/self/cgroup");
  const std::string mountinfo = ReadSmallFile(root + "/proc/self/mountinfo");
  std::optional<double> best;
  auto take = [&](std::optional<double> v) {
    if (v) best = best ? std::min(*best, *v) : *v;
  };
  // Lines "ID:CONTROLLERS:PATH"; cgroup v2's is "0::PATH".
  for (std::string_view line : Split(cgroups, '\n')) {
    const size_t c1 = line.find(':');
    const size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    const std::string path(Trim(line.substr(c2 + 1)));
    if (line.substr(0, c1) == "0" && controllers.empty()) {
      if (auto mount = FindCgroupMount(mountinfo, /*v2=*/true)) {
        take(WalkUp(root, *mount, path, [](const std::string& dir) {
          return ParseCpuMax(ReadSmallFile(dir + "/cpu.max"));
        }));
      }
      continue;
    }
    bool has_cpu = false;
    for (std::string_view c : Split(controllers, ',')) has_cpu = has_cpu || c == "cpu";
    if (!has_cpu) continue;
    if (auto mount = FindCgroupMount(mountinfo, /*v2=*/false)) {
      take(WalkUp(root, *mount, path, [](const std::string& dir) {
        return ParseCfsQuota(ReadSmallFile(dir + "/cpu.cfs_quota_us"),
                             ReadSmallFile(dir + "/cpu.cfs_period_us"));
      }));
    }
  }
  return best;
}

namespace {
int CapByQuota(int count) {
  if (auto limit = CgroupCpuLimit()) {
    count = std::min(count, static_cast<int>(std::ceil(*limit - 1e-9)));
  }
  return std::max(count, 1);
}

int LogicalCpus(const std::vector<int>& allowed) {
  if (!allowed.empty()) return static_cast<int>(allowed.size());
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}
}  // namespace

int AvailableCpuCount() { return CapByQuota(LogicalCpus(AllowedCpus())); }

int DefaultThreadCount() {
  const std::vector<int> allowed = AllowedCpus();
  int cores = CountPhysicalCores(ReadSmallFile("/proc/cpuinfo"), allowed);
  if (cores <= 0) cores = LogicalCpus(allowed);
  return CapByQuota(std::min(cores, LogicalCpus(allowed)));
}

}  // namespace litertlm
