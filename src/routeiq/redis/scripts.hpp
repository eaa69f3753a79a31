#pragma once
// The Lua scripts of the shared limiter: one call per admit, per settle and
// per release, each atomic in Redis, so instances sharing a server see one
// set of counters.
//
// Per scope two keys: `<prefix><id>:w`, a hash holding the sliding 60 s
// window (fields r<second> and t<second>: requests and tokens counted in that
// second; r and t: their running sums; last: the newest second seen), and
// `<prefix><id>:p`, a sorted set of the requests in flight (member: the
// request's id, score: when its hold lapses). Moving the window reads and
// deletes only the buckets that slid out, once each: O(1) amortised per call.
// A hash idle for `idle_ms` expires; a hold lapses after `lease_ms`, so an
// instance that crashed with calls in flight stops holding their slots. The
// expiries are renewed once per second of a key (up to a second early).
#include <string>

namespace routeiq::redis::scripts {

// KEYS: window and in-flight key of each scope, in scope order.
// ARGV: now_ms ("" = the server's clock), estimated tokens, the request's id,
// lease_ms, idle_ms, then rpm, tpm, max_parallel of each scope (-1: none).
// Admitted: {0, second, then requests, tokens, in flight of each scope after
// counting}. Refused: {1, scope index (1-based), kind (0 requests, 1 tokens,
// 2 parallel), retry-after seconds, requests, tokens, in flight}.
const std::string& admit();

// KEYS as admit. ARGV: now_ms, the second of the estimate, the estimate, the
// real tokens, the request's id, idle_ms. Corrects the estimate where it
// still counts (else counts the real tokens now) and ends the hold.
const std::string& settle();

// KEYS: in-flight key of each scope. ARGV: the request's id. Ends the hold.
const std::string& release();

}  // namespace routeiq::redis::scripts
