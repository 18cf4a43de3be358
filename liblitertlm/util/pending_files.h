// Temporary files the library is writing ("<path>.tmp.<pid>", util/atomic_file.h), kept in a
// fixed table that a signal handler may read: RemovePendingFiles() is async-signal-safe (only
// atomics and unlink(2)), so an application that ends itself on SIGINT/SIGTERM can remove them
// (litertlm/converter.h RemovePendingConversionFiles). The library installs no signal handler.
//
// Leftovers of processes that died without cleaning up (SIGKILL, power loss) are swept by the
// next writer of the same path (SweepStaleTempFiles) and by the models-directory listing.
#ifndef LITERTLM_UTIL_PENDING_FILES_H_
#define LITERTLM_UTIL_PENDING_FILES_H_

#include <optional>
#include <string>
#include <sys/types.h>

namespace litertlm {

// Registers a temporary file; returns its slot (-1 when the table is full or the path too long:
// the file is then only removed by its writer or a later sweep).
int RegisterPendingFile(const std::string& path);
// Registers a directory created for a file being written: RemovePendingFiles removes it when it
// is empty by then (after the files). Register the deepest first.
int RegisterPendingDirectory(const std::string& path);
// Forgets slot `slot` (after the file was renamed into place or removed). -1 is ignored.
void UnregisterPendingFile(int slot);
// Unlinks every registered file, then removes the registered directories that are empty.
// Async-signal-safe.
void RemovePendingFiles();

// The pid in a temporary file name "<anything>.tmp.<pid>", nullopt for other names.
std::optional<pid_t> TempFileOwner(const std::string& file_name);
// True when no process `pid` exists (kill(pid, 0) fails with ESRCH).
bool ProcessIsGone(pid_t pid);
// Removes "<path>.tmp.<pid>" files next to `path` whose process is gone; returns how many.
int SweepStaleTempFiles(const std::string& path);

}  // namespace litertlm

#endif  // LITERTLM_UTIL_PENDING_FILES_H_
