// neardup: near-duplicate text detection.
//
// The pipeline, one header per stage, in order:
//   version.hpp             NEARDUP_VERSION_MAJOR / MINOR / PATCH, neardup::Version()
//   text/normalize.hpp      UTF-8 -> normalized text (NFKC, case fold, quotes, entities)
//   text/tokenize.hpp       normalized text -> words (one per char for CJK / Thai)
//   text/normalized_tokens.hpp  raw text -> the words of its normalized text, plain ASCII
//                           read in place (what word shingles of raw text use)
//   shingle/shingle.hpp     words or code points -> 64-bit XXH3 shingle hashes
//   shingle/similarity.hpp  exact Jaccard / containment of shingle sets
//   signature/minhash.hpp   shingles -> MinHash (classic k-perm or one-permutation)
//   signature/bbit.hpp      b-bit compressed MinHash
//   signature/simhash.hpp   shingles -> 64/128-bit SimHash
//   signature/signer.hpp    all of the above with reused buffers; batch signing
//   signature/datasketch.hpp datasketch-compatible MinHash, LeanMinHash bytes, LSH (b, r)
//   index/lsh_params.hpp    LSH bands x rows for a Jaccard threshold (S-curve)
//   index/minhash_lsh.hpp   streaming MinHash LSH index: insert / query / remove
//   index/lsh_batch.hpp     sort-based LSH candidate pairs for a whole corpus
//   index/simhash_index.hpp SimHash permuted tables: all pairs / queries within d bits
//   cluster/clusters.hpp    verification, chain-protected clusters, which copy to keep
//   passage/split.hpp       paragraphs, sentences, quotes as byte spans
//   passage/repeats.hpp     passages repeated within and across documents
//   dedup/options.hpp       everything a dedup run is asked to do, validated
//   dedup/source.hpp        files, texts in memory or signature files -> documents
//   dedup/sign_batches.hpp  documents read and signed in batches on N threads
//   dedup/stages.hpp        sign -> candidates -> verify -> cluster, over plain data
//   dedup/dedup.hpp         Deduplicate(): the stages in one call; outputs
//   store/crawler_index.hpp durable, concurrent "seen before?" index (snapshot + log)
//   io/format.hpp           object types, header codec, atomic writes of every file
//   io/signature_file.hpp   the versioned signature file
//   io/index_file.hpp       save / load an LSH index (versioned, checksummed)
//   io/simhash_index_file.hpp  save / load a SimHash index
//   io/input.hpp            JSONL (.gz, .zst), stdin, directories of .txt -> documents
#ifndef NEARDUP_NEARDUP_HPP_
#define NEARDUP_NEARDUP_HPP_

#include "neardup/version.hpp"
#include "neardup/text/normalize.hpp"
#include "neardup/text/tokenize.hpp"
#include "neardup/text/normalized_tokens.hpp"
#include "neardup/shingle/shingle.hpp"
#include "neardup/shingle/similarity.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/signature/bbit.hpp"
#include "neardup/signature/simhash.hpp"
#include "neardup/signature/signer.hpp"
#include "neardup/signature/datasketch.hpp"
#include "neardup/index/lsh_params.hpp"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/index/lsh_batch.hpp"
#include "neardup/index/simhash_index.hpp"
#include "neardup/cluster/union_find.hpp"
#include "neardup/cluster/clusters.hpp"
#include "neardup/passage/split.hpp"
#include "neardup/passage/repeats.hpp"
#include "neardup/dedup/options.hpp"
#include "neardup/dedup/source.hpp"
#include "neardup/dedup/sign_batches.hpp"
#include "neardup/dedup/stages.hpp"
#include "neardup/dedup/dedup.hpp"
#include "neardup/store/crawler_index.hpp"
#include "neardup/io/format.hpp"
#include "neardup/io/signature_file.hpp"
#include "neardup/io/index_file.hpp"
#include "neardup/io/simhash_index_file.hpp"
#include "neardup/io/input.hpp"

#endif  // NEARDUP_NEARDUP_HPP_
