// How many CPUs this process may really use, for the default thread count.
//
// /proc/cpuinfo and std::thread::hardware_concurrency() count the machine's CPUs; a process may
// be confined to fewer by its affinity mask (`taskset -c 0`, cpusets, container runtimes) or by
// a CPU quota of its cgroup (`docker run --cpus 1.5`: cgroup v2 `cpu.max`, v1
// `cpu.cfs_quota_us` / `cpu.cfs_period_us`). Threads beyond that only wait for each other.
//
//   DefaultThreadCount()  physical cores among the allowed CPUs, capped by the quota (rounded up)
//   AvailableCpuCount()   allowed logical CPUs, capped by the quota (rounded up)
//
// The parsers take file contents / a filesystem root so that tests can feed fake files.
#ifndef LITERTLM_UTIL_CPU_INFO_H_
#define LITERTLM_UTIL_CPU_INFO_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litertlm {

// Logical CPU numbers in this process's affinity mask (sched_getaffinity); empty if unknown.
std::vector<int> AllowedCpus();

// Distinct (physical id, core id) pairs among the `processor` entries of a /proc/cpuinfo text
// whose number is in `allowed` (all of them when `allowed` is empty). 0 when the text names no
// core ids (then callers count logical CPUs).
int CountPhysicalCores(std::string_view cpuinfo, const std::vector<int>& allowed);

// cgroup v2 `cpu.max` ("200000 100000" → 2.0; "max 100000" → nullopt).
std::optional<double> ParseCpuMax(std::string_view text);
// cgroup v1 quota and period files' contents ("-1" → nullopt).
std::optional<double> ParseCfsQuota(std::string_view quota, std::string_view period);

// The CPU limit of this process's cgroup in CPUs (the smallest along its path up to the
// hierarchy's root, v2 or v1), read under `root` ("" = the real filesystem: `root` +
// /proc/self/cgroup, `root` + /proc/self/mountinfo, `root` + mount point + cgroup path).
// nullopt when there is no quota or the files cannot be read.
std::optional<double> CgroupCpuLimit(const std::string& root = "");

// min(allowed logical CPUs, ceil(cgroup limit)), at least 1.
int AvailableCpuCount();
// min(physical cores among the allowed CPUs, ceil(cgroup limit)), at least 1: what
// num_threads = 0 means.
int DefaultThreadCount();

}  // namespace litertlm

#endif  // LITERTLM_UTIL_CPU_INFO_H_
