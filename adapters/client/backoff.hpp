// Exponential backoff with jitter: the delay before the n-th retry of a reconnect or of a send
// the hub answered `released`. Part of the public client API (ClientOptions carries two of
// them); it is the hub's one backoff type, docaxis::Backoff (common/backoff.hpp: the formula,
// clamping and rounding), so client and hub compute "later" the same way.
#pragma once

#include "common/backoff.hpp"

namespace docaxis::client {

// initial, max, multiplier (>= 1), jitter (fraction in [0, 1)); delay(n, random01) with
// random01 uniform in [0, 1) supplied by the caller. Never negative.
using Backoff = docaxis::Backoff;

}  // namespace docaxis::client
