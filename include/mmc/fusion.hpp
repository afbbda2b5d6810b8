// mmc/fusion.hpp — late-fusion models, UME, UMT, the UME-vs-UMT advisor,
// modality laziness, the robustness evaluation and the paired-features
// generator (docs/design.md §3.6-3.7). See docs/fusion.md.
#pragma once

#include "mmc/fusion/advisor.hpp"
#include "mmc/fusion/combined_advisor.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/laziness.hpp"
#include "mmc/fusion/linear_probe.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/paired_features.hpp"
#include "mmc/fusion/robustness.hpp"
#include "mmc/fusion/runner.hpp"
#include "mmc/fusion/standardizer.hpp"
#include "mmc/fusion/strategies.hpp"
#include "mmc/fusion/ume.hpp"
#include "mmc/fusion/umt.hpp"
#include "mmc/fusion/unimodal.hpp"
