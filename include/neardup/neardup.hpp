// neardup: near-duplicate text detection.
//
// The pipeline, one header per stage, in order:
//   text/normalize.hpp      UTF-8 -> normalized text (NFKC, case fold, quotes, entities)
//   text/tokenize.hpp       normalized text -> words (one per char for CJK / Thai)
//   shingle/shingle.hpp     words or code points -> 64-bit XXH3 shingle hashes
//   shingle/similarity.hpp  exact Jaccard / containment of shingle sets
//   signature/minhash.hpp   shingles -> MinHash (classic k-perm or one-permutation)
//   signature/bbit.hpp      b-bit compressed MinHash
//   signature/simhash.hpp   shingles -> 64/128-bit SimHash
//   signature/signer.hpp    all of the above with reused buffers; batch signing
#ifndef NEARDUP_NEARDUP_HPP_
#define NEARDUP_NEARDUP_HPP_

#include "neardup/text/normalize.hpp"
#include "neardup/text/tokenize.hpp"
#include "neardup/shingle/shingle.hpp"
#include "neardup/shingle/similarity.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/signature/bbit.hpp"
#include "neardup/signature/simhash.hpp"
#include "neardup/signature/signer.hpp"

#endif  // NEARDUP_NEARDUP_HPP_
