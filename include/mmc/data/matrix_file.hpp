// mmc/data/matrix_file.hpp — data matrices and label vectors in files on disk:
// read_csv / read_npy and their writers, and read_matrix / read_labels /
// write_matrix, which pick the format from the extension (.csv or .npy, any
// case), as the mmc program does for --x, --modality, --labels (docs/design.md §5).
//
// The formats themselves live in csv.hpp and npy.hpp as pure functions on
// memory buffers; this header only moves bytes between files and those
// functions. Malformed content is mmc::invalid_argument (with the line or
// byte offset, see docs/file-formats.md); a file that cannot be opened, read
// or written is mmc::io_error carrying the operating system's reason.
//
// Every writer replaces its file atomically (atomic_file.hpp): the bytes go to
// a temporary file in the same folder, every write and the close are checked,
// and only a complete file is renamed into place, so a full disk or a crash
// never leaves a truncated file under the final name. The writers taking an
// AtomicFile& let a caller complete several files before putting any in place.
#pragma once

#include <Eigen/Core>
#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/atomic_file.hpp"
#include "mmc/data/csv.hpp"
#include "mmc/data/npy.hpp"

namespace mmc::data {

/// File formats the readers know.
enum class FileFormat { csv, npy };

/// Options of read_matrix / read_labels (each applies where its format has it).
struct ReadOptions {
  CsvHeader csv_header = CsvHeader::automatic;
  bool allow_non_finite = false;
};

namespace detail {

using FilePtr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

/// The whole content of a file (regular file, pipe or device). A regular
/// file is read straight into a buffer of its size: growing the buffer chunk by
/// chunk instead copied an 80 MB .npy about twice over and faulted in twice
/// its memory (0.15 s per file of 10^7 doubles, against 0.05 s now). Whatever
/// follows the expected size (a file still growing, or one whose size the
/// system does not report) is read in chunks, so the content is complete
/// either way.
inline std::string read_file(const std::filesystem::path& path, std::string_view function) {
  errno = 0;
  FilePtr file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw_io(function, path, "open it for reading", errno);
  std::string content;
  std::error_code size_error;
  const bool regular = std::filesystem::is_regular_file(path, size_error);
  const std::uintmax_t expected = regular ? std::filesystem::file_size(path, size_error) : 0;
  if (regular && !size_error && expected > 0 && expected < content.max_size()) {
    content.resize(static_cast<std::size_t>(expected));
    content.resize(std::fread(content.data(), 1, content.size(), file.get()));
    if (content.size() < expected) {  // short read: an error or a file that shrank
      if (std::ferror(file.get())) throw_io(function, path, "read it", errno != 0 ? errno : EIO);
      return content;
    }
  }
  std::vector<char> chunk(1 << 16);
  for (;;) {
    const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), file.get());
    content.append(chunk.data(), got);
    if (got < chunk.size()) break;
  }
  if (std::ferror(file.get())) throw_io(function, path, "read it", errno != 0 ? errno : EIO);
  return content;
}

/// The writers hand their text or bytes to the file in pieces of about 1 MiB,
/// so that no second copy of a whole (possibly multi-GiB) file is ever built.
inline constexpr std::size_t kWriteChunk = std::size_t{1} << 20;

inline CsvSource csv_source(std::string_view function, const std::string& name) {
  return {function, "path", name};
}

}  // namespace detail

/// The format of a path from its extension (.csv or .npy, case-insensitive);
/// throws mmc::invalid_argument for anything else.
inline FileFormat file_format(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (ext == ".csv") return FileFormat::csv;
  if (ext == ".npy") return FileFormat::npy;
  mmc::detail::throw_invalid(
      "mmc::data::file_format", "path",
      "(" + detail::quote_for_message(path.string(), 200) + ") has extension " +
          detail::quote_for_message(ext) + ", but mmc reads and writes .csv and .npy files",
      "save the data as .csv (comma-separated numbers) or .npy (numpy.save)");
}

/// Reads a CSV file (dialect and errors: csv.hpp, docs/file-formats.md).
inline CsvTable read_csv_table(const std::filesystem::path& path, const CsvOptions& options = {}) {
  const std::string name = path.string();
  return detail::parse_csv_impl(detail::read_file(path, "mmc::data::read_csv"), options,
                                detail::csv_source("mmc::data::read_csv", name));
}

/// Reads a CSV file into an n x d matrix (header, if any, dropped).
inline RowMatrix<double> read_csv(const std::filesystem::path& path, const CsvOptions& options = {}) {
  return read_csv_table(path, options).values;
}

/// Reads a one-column CSV file of integer labels.
inline Labels read_csv_labels(const std::filesystem::path& path, const CsvOptions& options = {}) {
  const std::string name = path.string();
  const auto source = detail::csv_source("mmc::data::read_csv_labels", name);
  return detail::table_to_labels(
      detail::parse_csv_impl(detail::read_file(path, source.function), options, source), source);
}

/// Reads a .npy file into an n x d matrix ((n,) -> n x 1).
inline RowMatrix<double> read_npy(const std::filesystem::path& path, const NpyOptions& options = {}) {
  const std::string name = path.string();
  return detail::parse_npy_impl(detail::read_file(path, "mmc::data::read_npy"), options,
                                {"mmc::data::read_npy", "path", name});
}

/// Reads a .npy file of labels, shape (n,) or (n, 1).
inline Labels read_npy_labels(const std::filesystem::path& path) {
  const std::string name = path.string();
  return detail::parse_npy_labels_impl(detail::read_file(path, "mmc::data::read_npy_labels"),
                                       {"mmc::data::read_npy_labels", "path", name});
}

/// Reads a .csv or .npy file (by extension) into an n x d matrix.
inline RowMatrix<double> read_matrix(const std::filesystem::path& path, const ReadOptions& options = {}) {
  if (file_format(path) == FileFormat::npy) return read_npy(path, {options.allow_non_finite});
  return read_csv(path, {options.csv_header, options.allow_non_finite});
}

/// Reads integer labels from a .csv or .npy file (by extension).
inline Labels read_labels(const std::filesystem::path& path, const ReadOptions& options = {}) {
  if (file_format(path) == FileFormat::npy) return read_npy_labels(path);
  return read_csv_labels(path, {options.csv_header, options.allow_non_finite});
}

/// Writes a matrix as CSV (see format_csv) into an open AtomicFile, a row at
/// a time (nothing is put in place: the caller commits). For writers of several
/// files that must appear together (docs/design.md §5, `mmc generate`).
template <class Derived>
void write_csv(AtomicFile& file, const Eigen::DenseBase<Derived>& m,
               const std::vector<std::string>& header = {}) {
  std::string chunk;
  detail::append_csv_header(chunk, header, m.cols());
  for (Index r = 0; r < m.rows(); ++r) {
    detail::append_csv_row(chunk, m, r);
    if (chunk.size() >= detail::kWriteChunk) {
      file.write(chunk);
      chunk.clear();
    }
  }
  file.write(chunk);
}

/// Writes a matrix or vector as .npy (see format_npy) into an open AtomicFile.
template <class Derived>
void write_npy(AtomicFile& file, const Eigen::DenseBase<Derived>& m, NpyType type = NpyType::automatic) {
  type = detail::resolve_npy_type<typename Derived::Scalar>(type);
  std::string chunk = detail::npy_header_bytes<Derived>(m.rows(), m.cols(), type);
  for (Index r = 0; r < m.rows(); ++r) {
    detail::append_npy_row(chunk, m, r, type);
    if (chunk.size() >= detail::kWriteChunk) {
      file.write(chunk);
      chunk.clear();
    }
  }
  file.write(chunk);
}

/// Writes a matrix (or labels) into an open AtomicFile in the format of its
/// target's extension (.csv or .npy; see write_matrix below).
template <class Derived>
void write_matrix(AtomicFile& file, const Eigen::DenseBase<Derived>& m) {
  if (file_format(file.target()) == FileFormat::npy) {
    write_npy(file, m);
  } else {
    write_csv(file, m);
  }
}

/// Writes a matrix as CSV (see format_csv), replacing the file atomically: on
/// any failure (mmc::io_error naming the path and the reason, e.g. a full
/// disk) the file keeps its previous content (atomic_file.hpp).
template <class Derived>
void write_csv(const std::filesystem::path& path, const Eigen::DenseBase<Derived>& m,
               const std::vector<std::string>& header = {}) {
  AtomicFile file(path, "mmc::data::write_csv");
  write_csv(file, m, header);
  file.commit();
}

/// Writes a matrix or vector as .npy (see format_npy), replacing the file atomically.
template <class Derived>
void write_npy(const std::filesystem::path& path, const Eigen::DenseBase<Derived>& m,
               NpyType type = NpyType::automatic) {
  AtomicFile file(path, "mmc::data::write_npy");
  write_npy(file, m, type);
  file.commit();
}

/// Writes a matrix (or labels: an integer vector) as .csv or .npy by extension,
/// replacing the file atomically; .npy stores doubles as '<f8', floats as
/// '<f4' and integers as '<i8'. An unknown extension is mmc::invalid_argument
/// before anything is created.
template <class Derived>
void write_matrix(const std::filesystem::path& path, const Eigen::DenseBase<Derived>& m) {
  if (file_format(path) == FileFormat::npy) {
    write_npy(path, m);
  } else {
    write_csv(path, m);
  }
}

}  // namespace mmc::data
