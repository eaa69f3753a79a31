#!/usr/bin/env node
// Converts the BPE ranks shipped in the npm package js-tiktoken into the standard
// tiktoken rank files: one line per token, "base64(token bytes) rank", in rank order
// (the format OpenAI's tiktoken reads with load_tiktoken_bpe).
//
//   npm pack js-tiktoken@1.0.21
//   node tools/tokenizer-ranks.mjs js-tiktoken-1.0.21.tgz data/tokenizers
//
// js-tiktoken stores each encoding as dist/ranks/<name>.js, `export default {...}` with
// pat_str, special_tokens and bpe_ranks. bpe_ranks is compact: lines of
// "<label> <first rank> <token> <token> ...", each token base64, ranks consecutive from
// the first. The tarball's sha256 is checked so a different release cannot slip in.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

const kTarballSha256 = "3b1f24b185565ca9a8d8f51466dfc4f99d67f1f05bc009258710ddb7a8d810fa";
const kEncodings = ["cl100k_base", "o200k_base"];

// The files of a ustar archive, by name (regular files only).
function untar(bytes) {
  const files = new Map();
  for (let at = 0; at + 512 <= bytes.length; ) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from, len) => header.subarray(from, from + len).toString("latin1").replace(/\0.*$/s, "");
    const prefix = field(345, 155);
    const name = (prefix ? prefix + "/" : "") + field(0, 100);
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    if (type === "0" || type === "") files.set(name, bytes.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function convert(source, name) {
  const text = source.toString("utf8").trim();
  const prefix = "export default ";
  if (!text.startsWith(prefix)) throw new Error(`${name}: unexpected module shape`);
  const encoding = JSON.parse(text.slice(prefix.length).replace(/;$/, ""));
  const lines = [];
  let expected = 0;
  for (const row of encoding.bpe_ranks.split("\n").filter(Boolean)) {
    const [, first, ...tokens] = row.split(" ");
    let rank = Number.parseInt(first, 10);
    if (rank < expected) throw new Error(`${name}: ranks out of order at ${rank}`);
    for (const token of tokens) {
      if (Buffer.from(token, "base64").toString("base64") !== token)
        throw new Error(`${name}: bad base64 at rank ${rank}`);
      lines.push(`${token} ${rank++}`);
    }
    expected = rank;
  }
  return { lines, pattern: encoding.pat_str, special: encoding.special_tokens };
}

const [tarball, outDir] = process.argv.slice(2);
if (!tarball || !outDir) {
  console.error("usage: tokenizer-ranks.mjs <js-tiktoken-1.0.21.tgz> <output directory>");
  process.exit(2);
}
const packed = readFileSync(tarball);
const digest = createHash("sha256").update(packed).digest("hex");
if (digest !== kTarballSha256) {
  console.error(`sha256 ${digest} is not js-tiktoken 1.0.21's ${kTarballSha256}`);
  process.exit(1);
}
const files = untar(gunzipSync(packed));
for (const name of kEncodings) {
  const source = files.get(`package/dist/ranks/${name}.js`);
  if (!source) throw new Error(`${name} is not in the tarball`);
  const { lines, pattern, special } = convert(source, name);
  const out = join(outDir, `${name}.tiktoken`);
  writeFileSync(out, lines.join("\n") + "\n");
  const sha = createHash("sha256").update(readFileSync(out)).digest("hex");
  console.log(`${out}: ${lines.length} tokens, sha256 ${sha}`);
  console.log(`  pat_str ${pattern}`);
  console.log(`  special ${JSON.stringify(special)}`);
}
