// mmc/core/labels.hpp — class labels renumbered to 0..C-1.
//
// Why: users' labels are whatever integers their data uses ({0, 7, 10^6},
// {3, 5}); every classifier and every count over classes needs dense codes.
// One function does it everywhere (metric, fusion, CLI): code c is the c-th
// smallest distinct label, so the order of classes is kept.
#pragma once

#include <map>
#include <vector>

#include "mmc/core/types.hpp"

namespace mmc {

/// Dense class codes of `labels`: the c-th smallest distinct label becomes c.
struct RecodedLabels {
  Labels codes;                   ///< one code in [0, classes) per sample
  std::vector<int> original;      ///< original[c] = the label that became code c
  Index classes() const noexcept { return static_cast<Index>(original.size()); }
};

/// Renumbers `labels` (any int values) to 0..C-1 in increasing label order.
inline RecodedLabels recode_labels(const Labels& labels) {
  std::map<int, int> code;
  for (Index i = 0; i < labels.size(); ++i) code.emplace(labels(i), 0);
  RecodedLabels out;
  out.original.reserve(code.size());
  for (auto& [label, value] : code) {
    value = static_cast<int>(out.original.size());
    out.original.push_back(label);
  }
  out.codes.resize(labels.size());
  for (Index i = 0; i < labels.size(); ++i) out.codes(i) = code.at(labels(i));
  return out;
}

}  // namespace mmc
