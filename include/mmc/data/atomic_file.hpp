// mmc/data/atomic_file.hpp — writing a file so that it is either completely
// written or not changed at all (docs/design.md §5: a command reports success
// only for files that are really on disk; §2: failures are exceptions that name
// the path and the reason).
//
// AtomicFile writes to a temporary file in the destination's folder (so the
// final rename stays on one file system), checks every write, flush, fsync and
// close, and only then renames the temporary file over the destination. If
// anything fails, or the AtomicFile is destroyed before commit(), the
// temporary file is removed and the destination keeps its old content (or stays
// absent). Errors are mmc::io_error naming the destination and the operating
// system's reason, e.g. "No space left on device".
//
// Writing happens in two steps, so that a caller writing several files (mmc
// generate, mmc demo) can first complete all of them and only then put them in
// place:
//     mmc::data::AtomicFile file("out/x.csv");
//     file.write(bytes);          // or file.stream() << ...
//     file.close();               // flush + fsync + close, checked: content complete
//     file.commit();              // rename into place (close()s first if needed)
// For one file, write_file_atomically(path, bytes) or
// write_file_atomically(path, [&](std::ostream& out) { out << ...; }) do all three.
//
// Details:
// - the temporary file is ".<name>.mmc-tmp-<16 hex digits>" next to the
//   destination, created exclusively (never overwriting anything); a process
//   killed mid-write can leave one behind, which is safe to delete;
// - an existing destination keeps its permission bits (not its owner);
// - a destination that is a symbolic link is resolved: the file it points to is
//   replaced, the link stays;
// - a destination that exists but is not a regular file (/dev/stdout, /dev/null,
//   a FIFO, a terminal) cannot be replaced by renaming: it is written in place,
//   with the same checks (so writing to /dev/full fails with ENOSPC);
// - a destination that is a directory is an error (EISDIR) before anything is written.
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define MMC_ATOMIC_FILE_POSIX 1
#else
#define MMC_ATOMIC_FILE_POSIX 0
#endif

#include "mmc/core/errors.hpp"
#include "mmc/data/text.hpp"

namespace mmc::data {

namespace detail {

/// The fix suggested for an OS error number.
inline std::string_view io_fix(int error) noexcept {
  switch (error) {
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
      return "free some disk space or write to another folder";
    case EFBIG: return "the file exceeds the file size limit; write less data or raise the limit";
    case EROFS: return "write to a writable file system";
    case EACCES:
    case EPERM: return "check the permissions of the file and its folder";
    default: return "check the path and its permissions";
  }
}

/// Throws mmc::io_error "<function>: argument 'path' ("<path>"): cannot <action>: <reason>; <fix>".
[[noreturn]] inline void throw_io(std::string_view function, const std::filesystem::path& path,
                                  std::string_view action, int error) {
  throw io_error(mmc::detail::format_error(
      function, "path",
      "(" + quote_for_message(path.string(), 200) + "): cannot " + std::string(action) + ": " +
          std::strerror(error),
      io_fix(error)));
}

/// 64 bits for a temporary file name: unique within the process (a counter) and
/// very likely across processes (time, address, process id).
inline std::uint64_t temporary_name_bits(const void* address) noexcept {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x = static_cast<std::uint64_t>(
      std::chrono::high_resolution_clock::now().time_since_epoch().count());
  x ^= counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ULL;
  x ^= static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(address)) << 17;
#if MMC_ATOMIC_FILE_POSIX
  x ^= static_cast<std::uint64_t>(::getpid()) << 40;
#endif
  // splitmix64 finaliser: spread every input bit over the name.
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// The state of an AtomicFile, on the heap so that the stream's buffer keeps a
/// stable address when the AtomicFile is moved.
struct AtomicFileState : std::streambuf {
  std::string function;
  std::filesystem::path target;       ///< what the caller asked for
  std::filesystem::path destination;  ///< target with a symbolic link resolved
  std::filesystem::path temporary;    ///< empty when writing in place
  std::FILE* file = nullptr;
  int error = 0;  ///< first errno of a failed write
  enum class Phase { writing, closed, committed, discarded } phase = Phase::writing;
  std::ostream stream{this};

  AtomicFileState() = default;
  AtomicFileState(const AtomicFileState&) = delete;
  AtomicFileState& operator=(const AtomicFileState&) = delete;
  ~AtomicFileState() override { abandon(); }

  bool in_place() const noexcept { return temporary.empty(); }

  /// Writes n bytes; false (and `error` set) on failure.
  bool put(const char* data, std::size_t n) noexcept {
    if (error != 0 || file == nullptr) {
      if (error == 0) error = EBADF;
      return false;
    }
    if (n == 0) return true;
    errno = 0;
    if (std::fwrite(data, 1, n, file) != n) {
      error = errno != 0 ? errno : EIO;
      return false;
    }
    return true;
  }

  /// Closes (ignoring errors) and removes the temporary file, unless committed.
  void abandon() noexcept {
    if (file != nullptr) {
      std::fclose(file);
      file = nullptr;
    }
    if (phase == Phase::committed) return;
    if (!temporary.empty()) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
    }
    phase = Phase::discarded;
  }

 protected:
  std::streamsize xsputn(const char* data, std::streamsize n) override {
    return put(data, static_cast<std::size_t>(n)) ? n : 0;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char byte = traits_type::to_char_type(c);
    return put(&byte, 1) ? c : traits_type::eof();
  }
};

}  // namespace detail

/// A file written completely or not at all (see the header comment).
/// Movable, not copyable. Destroying it before commit() discards what was written.
class AtomicFile {
 public:
  /// Creates the temporary file next to `target`. `function` names the caller
  /// in error messages (e.g. "mmc::data::write_csv"). Throws mmc::io_error if
  /// `target` is a directory or its folder does not accept a new file.
  explicit AtomicFile(std::filesystem::path target, std::string_view function = "mmc::data::AtomicFile")
      : state_(std::make_unique<detail::AtomicFileState>()) {
    namespace fs = std::filesystem;
    auto& s = *state_;
    s.function = function;
    s.target = std::move(target);
    s.destination = s.target;
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(s.target, ec))) {
      const fs::path resolved = fs::weakly_canonical(s.target, ec);
      if (!ec) s.destination = resolved;
    }
    const fs::file_status status = fs::status(s.destination, ec);
    if (fs::is_directory(status)) detail::throw_io(s.function, s.target, "write it", EISDIR);
    if (fs::exists(status) && !fs::is_regular_file(status)) {
      // A device, FIFO or socket: renaming over it would replace it, so write into it.
      errno = 0;
      s.file = std::fopen(s.destination.c_str(), "wb");
      if (s.file == nullptr) detail::throw_io(s.function, s.target, "open it for writing", errno != 0 ? errno : EIO);
      return;
    }
    std::string stem = s.destination.filename().string();
    if (stem.size() > 100) stem.resize(100);  // keep the temporary name below NAME_MAX
    static constexpr char hex[] = "0123456789abcdef";
    for (int attempt = 0;; ++attempt) {
      std::uint64_t bits = detail::temporary_name_bits(this);
      std::string name = "." + stem + ".mmc-tmp-";
      for (int k = 0; k < 16; ++k, bits >>= 4) name.push_back(hex[bits & 0xF]);
      s.temporary = s.destination.parent_path() / name;
      errno = 0;
      s.file = std::fopen(s.temporary.c_str(), "wbx");  // exclusive: never reuse an existing file
      if (s.file != nullptr) break;
      const int error = errno != 0 ? errno : EIO;
      if (error != EEXIST || attempt >= 16) {
        s.temporary.clear();
        detail::throw_io(s.function, s.target, "create a temporary file in its folder", error);
      }
    }
    if (fs::exists(status)) {
      fs::permissions(s.temporary, status.permissions(), fs::perm_options::replace, ec);  // best effort
    }
  }

  AtomicFile(AtomicFile&&) noexcept = default;
  AtomicFile& operator=(AtomicFile&&) noexcept = default;
  ~AtomicFile() = default;  // the state's destructor removes an uncommitted temporary file

  /// The path the file will have once committed (as given to the constructor).
  const std::filesystem::path& target() const noexcept { return state_->target; }
  /// The temporary file being written (empty when writing a device in place).
  const std::filesystem::path& temporary_path() const noexcept { return state_->temporary; }

  /// A stream writing into the file. Failures set its badbit; they are
  /// reported (as mmc::io_error) by the next write(), check() or close().
  std::ostream& stream() noexcept { return state_->stream; }

  /// Appends bytes; throws mmc::io_error naming the path if writing fails.
  void write(std::string_view bytes) {
    require_open("write");
    if (!state_->put(bytes.data(), bytes.size())) fail("write it", state_->error);
  }

  /// Throws mmc::io_error if a write through stream() has failed.
  void check() {
    require_open("write");
    if (state_->error != 0) fail("write it", state_->error);
    if (!state_->stream) fail("write it", EIO);
  }

  /// Flushes, syncs and closes the file, checking each step: afterwards the
  /// content is complete on disk, under the temporary name. Throws
  /// mmc::io_error (and removes the temporary file) on failure.
  void close() {
    auto& s = *state_;
    if (s.phase == Phase::closed || s.phase == Phase::committed) return;
    check();
    std::FILE* file = std::exchange(s.file, nullptr);
    int error = 0;
    errno = 0;
    if (std::fflush(file) != 0) error = errno != 0 ? errno : EIO;
#if MMC_ATOMIC_FILE_POSIX
    // A regular file: make the data durable before the rename makes it visible.
    // File systems that cannot sync (EINVAL, ENOTSUP) are not an error.
    if (error == 0 && !s.in_place() && ::fsync(::fileno(file)) != 0 && errno != EINVAL &&
        errno != ENOTSUP) {
      error = errno;
    }
#endif
    errno = 0;
    if (std::fclose(file) != 0 && error == 0) error = errno != 0 ? errno : EIO;
    if (error != 0) fail("write it", error);
    s.phase = Phase::closed;
  }

  /// Closes the file if needed, then renames it over the target. Throws
  /// mmc::io_error (and removes the temporary file) on failure.
  void commit() {
    auto& s = *state_;
    if (s.phase == Phase::committed) return;
    close();
    if (!s.in_place()) {
      std::error_code ec;
      std::filesystem::rename(s.temporary, s.destination, ec);
      if (ec) fail("move the completed temporary file " + quote_for(s.temporary) + " over it", ec.value());
    }
    s.phase = Phase::committed;
  }

  /// Abandons the file now: closes it and removes the temporary file (a
  /// committed file stays). Further writes or commits are errors.
  void discard() noexcept { state_->abandon(); }

 private:
  static std::string quote_for(const std::filesystem::path& path) {
    return detail::quote_for_message(path.string(), 200);
  }
  using Phase = detail::AtomicFileState::Phase;

  void require_open(std::string_view what) {
    if (state_->phase != Phase::writing) {
      mmc::detail::throw_invalid("mmc::data::AtomicFile::" + std::string(what), "this",
                                 state_->phase == Phase::discarded ? "was discarded (or a write failed)"
                                                                   : "is already closed",
                                 "write everything before close() and commit()");
    }
  }
  [[noreturn]] void fail(const std::string& action, int error) {
    state_->abandon();
    detail::throw_io(state_->function, state_->target, action, error);
  }

  std::unique_ptr<detail::AtomicFileState> state_;
};

/// Replaces the file at `path` with `bytes`, atomically (see the header comment).
inline void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                                  std::string_view function = "mmc::data::write_file_atomically") {
  AtomicFile file(path, function);
  file.write(bytes);
  file.commit();
}

/// Replaces the file at `path` with what `write(std::ostream&)` writes,
/// atomically. If `write` throws, the file is left unchanged and the exception
/// propagates; a failed write through the stream is an mmc::io_error.
template <class Writer>
  requires std::invocable<Writer&, std::ostream&>
void write_file_atomically(const std::filesystem::path& path, Writer&& write,
                           std::string_view function = "mmc::data::write_file_atomically") {
  AtomicFile file(path, function);
  write(file.stream());
  file.commit();
}

}  // namespace mmc::data
