#pragma once
// The Lua scripts of the shared limiter and the shared cooldowns, each atomic
// in Redis, so instances sharing a server see one set of counters.
//
// Per scope up to two keys: `<prefix><id>:w`, a hash holding the sliding 60 s
// window (fields r<second> and t<second>: requests and tokens counted in that
// second; r and t: their running sums; last: the newest second seen), and,
// only for a scope with max_parallel, `<prefix><id>:p`, a sorted set of the
// requests in flight (member: the request's id, score: when its hold lapses).
// Moving the window reads and deletes only the buckets that slid out, once
// each: O(1) amortised per call. A hash idle for `idle_ms` expires; a hold
// lapses after `lease_ms`, so an instance that crashed with calls in flight
// stops holding their slots. The expiries are renewed once per second of a
// key (up to a second early).
#include <string>

namespace routeiq::redis::scripts {

// One call per request: first the corrections this instance has waiting (the
// settles and releases of earlier requests), then the admit.
//
// KEYS: window and in-flight key of each scope of each correction, in order,
// then those of each scope to admit.
// ARGV: now_ms ("" = the server's clock), idle_ms, lease_ms, the number of
// corrections; per correction: the second of its estimate, the estimate, the
// real tokens, the request's id, its number of scopes, then per scope "1"
// when it holds an in-flight slot there (else "0"). Then, when there is an
// admit: estimated tokens, the request's id, then rpm, tpm, max_parallel of
// each scope (-1: none).
//
// A correction replaces the estimate by the real tokens where it still counts
// (else counts the real tokens now) and ends the hold.
// Corrections alone: {0, second}. Admitted: {0, second, then requests, tokens,
// in flight of each scope after counting}. Refused: {1, scope index
// (1-based), kind (0 requests, 1 tokens, 2 parallel), retry-after seconds,
// requests, tokens, in flight}.
const std::string& admit();

// KEYS: the cooldown set. ARGV: the deployment id, the cooldown in ms.
// The deployment cools down until Redis's now + the cooldown (a longer one
// already there is kept).
const std::string& cool_down();

// KEYS: the cooldown set. Returns {id, ms left, ...} of the deployments
// cooling down now, dropping those whose cooldown is over.
const std::string& cooldowns();

}  // namespace routeiq::redis::scripts
