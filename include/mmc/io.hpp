// mmc/io.hpp — file input/output: CSV and .npy readers/writers (from memory
// and from files, with errors naming the line/column or byte offset), the
// by-extension read_matrix / read_labels / write_matrix, and the small JSON
// writer of the mmc program's --json output (docs/design.md §5; formats and error
// messages in docs/file-formats.md).
#pragma once

#include "mmc/data/csv.hpp"
#include "mmc/data/json.hpp"
#include "mmc/data/matrix_file.hpp"
#include "mmc/data/npy.hpp"
