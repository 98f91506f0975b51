"""datasketch's MinHash, LeanMinHash and MinHashLSH with the same numbers, faster.

A drop-in for ``from datasketch import MinHash, LeanMinHash, MinHashLSH`` with the
default in-memory storage: the same constructor arguments, attributes and methods, and
bit-identical values to datasketch >= 1.1.3 with its default hash (SHA-1): hash values
(a uint64 numpy array), permutations, jaccard, count, LeanMinHash bytes, MinHashLSH's
(b, r), band keys and the ``keys`` / ``hashtables`` mappings. The hashing, the
permutation kernel, the LeanMinHash bytes, the LSH parameter search and the band keys
run in C++ (neardup/signature/datasketch.hpp), without the GIL.

Differences: Redis and Cassandra storage are refused (ValueError); ``gpu_mode="always"``
raises RuntimeError as datasketch does without a GPU, ``"detect"`` runs on the CPU; a
custom ``hashfunc`` works but runs in Python (values >= 2**32 take datasketch's numpy
path); LeanMinHash.serialize raises ValueError where datasketch's struct raises
struct.error, and deserialize of a short buffer raises IndexError.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Generator, Hashable, Iterable
from typing import Any, Callable, Optional, Union

import numpy as np

from ._core import datasketch as _ds

__all__ = ["LeanMinHash", "MinHash", "MinHashLSH", "sha1_hash32"]

_mersenne_prime = np.uint64((1 << 61) - 1)
_max_hash = np.uint64((1 << 32) - 1)
_hash_range = 1 << 32


def sha1_hash32(data: bytes) -> int:
    """datasketch.hashfunc.sha1_hash32: the first 4 bytes of SHA-1, little-endian."""
    return _ds.sha1_hash32(bytes(data))


def _is_default_hash(hashfunc: Callable) -> bool:
    if hashfunc is sha1_hash32:
        return True
    # datasketch's own sha1_hash32 computes the same values.
    return getattr(hashfunc, "__module__", None) == "datasketch.hashfunc" and getattr(
        hashfunc, "__name__", None
    ) == "sha1_hash32"


# Permutations by (seed, num_perm): the C++ object and the read-only (2, k) array.
_PERMUTATIONS: dict[tuple[int, int], tuple[Any, np.ndarray]] = {}


def _permutations(seed: int, num_perm: int) -> tuple[Any, np.ndarray]:
    key = (seed, num_perm)
    found = _PERMUTATIONS.get(key)
    if found is None:
        perms = _ds.Permutations(seed, num_perm)
        array = perms.array()
        array.flags.writeable = False
        found = (perms, array)
        if len(_PERMUTATIONS) < 64:
            _PERMUTATIONS[key] = found
    return found


class MinHash:
    """datasketch.MinHash: the same arguments, attributes and values.

    Attributes: ``seed``, ``num_perm``, ``hashfunc``, ``hashvalues`` (numpy uint64,
    num_perm values), ``permutations`` ((2, num_perm) uint64: a and b).
    """

    def __init__(
        self,
        num_perm: int = 128,
        seed: int = 1,
        gpu_mode: str = "disable",
        hashfunc: Callable = sha1_hash32,
        hashobj: Optional[object] = None,
        hashvalues: Optional[Iterable] = None,
        permutations: Optional[Any] = None,
    ) -> None:
        if hashvalues is not None:
            num_perm = len(hashvalues)
        if num_perm > _hash_range:
            raise ValueError("Cannot have more than %d number of permutation functions" % _hash_range)
        self.seed = seed
        self.num_perm = num_perm
        if not callable(hashfunc):
            raise ValueError("The hashfunc must be a callable.")
        self.hashfunc = hashfunc
        if hashobj is not None:
            warnings.warn("hashobj is deprecated, use hashfunc instead.", DeprecationWarning, stacklevel=2)
        if hashvalues is not None:
            self.hashvalues = self._parse_hashvalues(hashvalues)
        else:
            self.hashvalues = self._init_hashvalues(num_perm)
        if permutations is not None:
            self.permutations = permutations
        else:
            self.permutations = self._init_permutations(num_perm)
        if len(self) != len(self.permutations[0]):
            raise ValueError("Numbers of hash values and permutations mismatch")
        self._gpu_mode = gpu_mode

    def _init_hashvalues(self, num_perm: int) -> np.ndarray:
        return np.full(num_perm, _max_hash, dtype=np.uint64)

    def _init_permutations(self, num_perm: int) -> np.ndarray:
        perms, array = _permutations(self.seed, num_perm)
        self._kernel = (array, perms)
        return array

    def _parse_hashvalues(self, hashvalues: Iterable) -> np.ndarray:
        return np.array(hashvalues, dtype=np.uint64)

    def _perms(self) -> Any:
        """The C++ permutations for self.permutations (rebuilt if it was replaced)."""
        kernel = self.__dict__.get("_kernel")
        if kernel is not None and kernel[0] is self.permutations:
            return kernel[1]
        a, b = self.permutations
        perms = _ds.Permutations.from_arrays(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64), self.seed)
        self._kernel = (self.permutations, perms)
        return perms

    def _fresh_hashvalues(self) -> np.ndarray:
        # A new array, as datasketch assigns a new one on every update.
        return np.array(self.hashvalues, dtype=np.uint64, order="C", copy=True)

    def _check_gpu(self) -> None:
        if self.__dict__.get("_gpu_mode") == "always":
            raise RuntimeError("GPU mode 'always' requested but CuPy/CUDA device is unavailable.")

    def update(self, b: Any) -> None:
        """Adds one value (bytes with the default hash)."""
        if _is_default_hash(self.hashfunc):
            hv = self._fresh_hashvalues()
            _ds.update_batch(self._perms(), (b,), hv)
            self.hashvalues = hv
        else:
            self._update_hashes([self.hashfunc(b)])

    def update_batch(self, b: Iterable) -> None:
        """Adds many values (bytes with the default hash)."""
        self._check_gpu()
        if _is_default_hash(self.hashfunc):
            hv = self._fresh_hashvalues()
            _ds.update_batch(self._perms(), b, hv)
            self.hashvalues = hv
        else:
            self._update_hashes([self.hashfunc(x) for x in b])

    def _update_hashes(self, hv_list: list) -> None:
        if not hv_list:
            return
        if all(isinstance(v, (int, np.integer)) and 0 <= v <= 0xFFFFFFFF for v in hv_list):
            hv = self._fresh_hashvalues()
            _ds.update_hashes(self._perms(), np.array(hv_list, dtype=np.uint32), hv)
            self.hashvalues = hv
            return
        # Values beyond 32 bits: datasketch's own numpy arithmetic, for the same result.
        a, b = self.permutations
        column = np.array(hv_list, dtype=np.uint64, ndmin=2).T
        phv = np.bitwise_and((column * a + b) % _mersenne_prime, _max_hash)
        self.hashvalues = np.minimum(self.hashvalues, phv.min(axis=0))

    def jaccard(self, other: MinHash) -> float:
        """Estimated Jaccard similarity; ValueError for another seed or num_perm."""
        if other.seed != self.seed:
            raise ValueError("Cannot compute Jaccard given MinHash with different seeds")
        if len(self) != len(other):
            raise ValueError("Cannot compute Jaccard given MinHash with different numbers of permutation functions")
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / float(len(self))

    def count(self) -> float:
        """Estimated cardinality (Flajolet-Martin style, as datasketch)."""
        k = len(self)
        return float(k) / np.sum(self.hashvalues / float(_max_hash)) - 1.0

    def merge(self, other: MinHash) -> None:
        """Becomes the MinHash of the union; ValueError for another seed or num_perm."""
        if other.seed != self.seed:
            raise ValueError("Cannot merge MinHash with different seeds")
        if len(self) != len(other):
            raise ValueError("Cannot merge MinHash with different numbers of permutation functions")
        self.hashvalues = np.minimum(other.hashvalues, self.hashvalues)

    def digest(self) -> np.ndarray:
        """A copy of the hash values."""
        return self.hashvalues.copy()

    def is_empty(self) -> bool:
        return not np.any(self.hashvalues != _max_hash)

    def clear(self) -> None:
        self.hashvalues = self._init_hashvalues(len(self))

    def copy(self) -> MinHash:
        return MinHash(
            seed=self.seed,
            hashfunc=self.hashfunc,
            hashvalues=self.digest(),
            permutations=self.permutations,
            gpu_mode=self.__dict__.get("_gpu_mode", "disable"),
        )

    def __len__(self) -> int:
        return len(self.hashvalues)

    def __eq__(self, other: object) -> bool:
        return (
            type(self) is type(other)
            and self.seed == other.seed  # type: ignore[attr-defined]
            and np.array_equal(self.hashvalues, other.hashvalues)  # type: ignore[attr-defined]
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, as datasketch.MinHash

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_kernel", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @classmethod
    def union(cls, *mhs: MinHash) -> MinHash:
        if len(mhs) < 2:
            raise ValueError("Cannot union less than 2 MinHash")
        num_perm = len(mhs[0])
        seed = mhs[0].seed
        if any(seed != m.seed or num_perm != len(m) for m in mhs):
            raise ValueError("The unioning MinHash must have the same seed and number of permutation functions")
        hashvalues = np.minimum.reduce([m.hashvalues for m in mhs])
        return cls(
            num_perm=num_perm,
            seed=seed,
            hashfunc=mhs[0].hashfunc,
            hashvalues=hashvalues,
            permutations=mhs[0].permutations,
            gpu_mode=mhs[0].__dict__.get("_gpu_mode", "disable"),
        )

    @classmethod
    def bulk(cls, b: Iterable, **minhash_kwargs: Any) -> list[MinHash]:
        """One MinHash per iterable of values in b. With the default hash, every set is
        hashed in one C++ call."""
        m = cls(**minhash_kwargs)
        if cls is not MinHash or not _is_default_hash(m.hashfunc) or m._gpu_mode == "always":
            return list(cls.generator(b, **minhash_kwargs))
        rows = _ds.bulk(m._perms(), b)
        out = []
        for row in rows:
            c = object.__new__(MinHash)
            c.__dict__.update(m.__dict__)
            c.hashvalues = row
            out.append(c)
        return out

    @classmethod
    def generator(cls, b: Iterable, **minhash_kwargs: Any) -> Generator[MinHash, None, None]:
        m = cls(**minhash_kwargs)
        for values in b:
            c = m.copy()
            c.update_batch(values)
            yield c


class LeanMinHash(MinHash):
    """datasketch.LeanMinHash: seed and hash values only; serializable to bytes."""

    __slots__ = ("hashvalues", "seed")

    def _initialize_slots(self, seed: int, hashvalues: Iterable) -> None:
        self.seed = seed
        self.hashvalues = self._parse_hashvalues(hashvalues)

    def __init__(
        self, minhash: Optional[MinHash] = None, seed: Optional[int] = None, hashvalues: Optional[Iterable] = None
    ) -> None:
        if minhash is not None:
            self._initialize_slots(minhash.seed, minhash.hashvalues)
        elif hashvalues is not None and seed is not None:
            self._initialize_slots(seed, hashvalues)
        else:
            raise ValueError(
                "Init parameters cannot be None: make sure to set either minhash or both of hash values and seed"
            )

    def update(self, b: Any) -> None:
        raise TypeError("Cannot update a LeanMinHash")

    def copy(self) -> LeanMinHash:
        lmh = object.__new__(LeanMinHash)
        lmh._initialize_slots(self.seed, self.hashvalues)
        return lmh

    def bytesize(self, byteorder: str = "@") -> int:
        """8 (seed) + 4 (count) + 4 per hash value."""
        _ds.lean_serialize(0, np.zeros(0, dtype=np.uint64), byteorder)  # checks byteorder
        return 12 + 4 * len(self)

    def serialize(self, buf: Any, byteorder: str = "@") -> None:
        """Writes struct ``<byteorder>qi<k>I`` (seed, k, values) into buf (bytearray, memoryview)."""
        if len(buf) < self.bytesize():
            raise ValueError("The buffer does not have enough space for holding this MinHash.")
        data = _ds.lean_serialize(int(self.seed), np.ascontiguousarray(self.hashvalues, dtype=np.uint64), byteorder)
        memoryview(buf).cast("B")[: len(data)] = data

    @classmethod
    def deserialize(cls, buf: Any, byteorder: str = "@") -> LeanMinHash:
        seed, hashvalues = _ds.lean_deserialize(buf, byteorder)
        lmh = object.__new__(LeanMinHash)
        lmh.seed = seed
        lmh.hashvalues = hashvalues
        return lmh

    def __getstate__(self) -> bytearray:  # type: ignore[override]
        return bytearray(_ds.lean_serialize(int(self.seed), np.ascontiguousarray(self.hashvalues, dtype=np.uint64), "@"))

    def __setstate__(self, buf: Any) -> None:  # type: ignore[override]
        seed, hashvalues = _ds.lean_deserialize(bytes(buf), "@")
        self.seed = seed
        self.hashvalues = hashvalues

    def __hash__(self) -> int:  # type: ignore[override]
        return hash((self.seed, tuple(self.hashvalues)))

    @classmethod
    def union(cls, *lmhs: LeanMinHash) -> LeanMinHash:  # type: ignore[override]
        if len(lmhs) < 2:
            raise ValueError("Cannot union less than 2 MinHash")
        num_perm = len(lmhs[0])
        seed = lmhs[0].seed
        if any(seed != m.seed or num_perm != len(m) for m in lmhs):
            raise ValueError("The unioning MinHash must have the same seed, number of permutation functions.")
        lmh = object.__new__(LeanMinHash)
        lmh._initialize_slots(seed, np.minimum.reduce([m.hashvalues for m in lmhs]))
        return lmh


class _DictListStorage:
    """datasketch's in-memory ordered storage: key -> list of values."""

    def __init__(self) -> None:
        self._dict: dict = {}
        self._buffer_size = 50000
        self._select_buffer: list = []

    def __getitem__(self, key: Hashable) -> Any:
        return self.get(key)

    def __delitem__(self, key: Hashable) -> None:
        self.remove(key)

    def __len__(self) -> int:
        return self.size()

    def __iter__(self):
        return iter(self.keys())

    def __contains__(self, item: Hashable) -> bool:
        return self.has_key(item)

    def keys(self):
        return self._dict.keys()

    def get(self, key: Hashable) -> Any:
        return self._dict.get(key, [])

    def getmany(self, *keys: Hashable) -> list:
        return [self.get(key) for key in keys]

    def insert(self, key: Hashable, *vals: Any, **kwargs: Any) -> None:
        self._dict.setdefault(key, []).extend(vals)

    def remove(self, *keys: Hashable, **kwargs: Any) -> None:
        for key in keys:
            del self._dict[key]

    def remove_val(self, key: Hashable, val: Any, **kwargs: Any) -> None:
        self._dict[key].remove(val)

    def size(self) -> int:
        return len(self._dict)

    def itemcounts(self, **kwargs: Any) -> dict:
        return {k: len(v) for k, v in self._dict.items()}

    def has_key(self, key: Hashable) -> bool:
        return key in self._dict

    @property
    def buffer_size(self) -> int:
        return self._buffer_size

    @buffer_size.setter
    def buffer_size(self, value: int) -> None:
        self._buffer_size = value

    def status(self) -> dict:
        return {"keyspace_size": len(self)}

    def empty_buffer(self) -> None:
        pass

    def add_to_select_buffer(self, keys: Iterable) -> None:
        self._select_buffer.extend(keys)

    def collect_select_buffer(self) -> list:
        if not self._select_buffer:
            return []
        out = self.getmany(*self._select_buffer)
        self._select_buffer = []
        return out


class _DictSetStorage(_DictListStorage):
    """datasketch's in-memory unordered storage: key -> set of values."""

    def get(self, key: Hashable) -> Any:
        return self._dict.get(key, set())

    def insert(self, key: Hashable, *vals: Any, **kwargs: Any) -> None:
        self._dict.setdefault(key, set()).update(vals)


class MinHashLSH:
    """datasketch.MinHashLSH with the in-memory (dict) storage: the same (b, r), band
    keys, ``keys`` and ``hashtables`` contents and query answers."""

    def __init__(
        self,
        threshold: float = 0.9,
        num_perm: int = 128,
        weights: tuple[float, float] = (0.5, 0.5),
        params: Optional[tuple[int, int]] = None,
        storage_config: Optional[dict] = None,
        prepickle: Optional[bool] = None,
        hashfunc: Optional[Callable[[bytes], bytes]] = None,
    ) -> None:
        storage_config = storage_config if storage_config else {"type": "dict"}
        if storage_config.get("type") != "dict":
            raise ValueError(
                "neardup.datasketch.MinHashLSH keeps its tables in memory (storage_config type 'dict'); "
                f"storage type {storage_config.get('type')!r} (Redis, Cassandra) is not supported"
            )
        self._buffer_size = 50000
        if threshold > 1.0 or threshold < 0.0:
            raise ValueError("threshold must be in [0.0, 1.0]")
        if num_perm < 2:
            raise ValueError("Too few permutation functions")
        if any(w < 0.0 or w > 1.0 for w in weights):
            raise ValueError("Weight must be in [0.0, 1.0]")
        if sum(weights) != 1.0:
            raise ValueError("Weights must sum to 1.0")
        self.h = num_perm
        if params is not None:
            self.b, self.r = params
            if self.b * self.r > num_perm:
                raise ValueError(
                    f"The product of b and r in params is {self.b} * {self.r} = {self.b * self.r} -- it must be "
                    f"less than num_perm {num_perm}. Did you forget to specify num_perm?"
                )
        else:
            self.b, self.r = _ds.optimal_param(float(threshold), int(num_perm), float(weights[0]), float(weights[1]))
        if self.b < 2:
            raise ValueError("The number of bands are too small (b < 2)")
        self.prepickle = False if prepickle is None else prepickle
        self.hashfunc = hashfunc
        self.hashtables = [_DictSetStorage() for _ in range(self.b)]
        self.hashranges = [(i * self.r, (i + 1) * self.r) for i in range(self.b)]
        self.keys = _DictListStorage()

    @property
    def buffer_size(self) -> int:
        return self._buffer_size

    @buffer_size.setter
    def buffer_size(self, value: int) -> None:
        self.keys.buffer_size = value
        for t in self.hashtables:
            t.buffer_size = value
        self._buffer_size = value

    def _H(self, hs: np.ndarray) -> bytes:
        key = bytes(hs.byteswap().data)
        return self.hashfunc(key) if self.hashfunc else key

    def _band_keys(self, minhash: Any, bands: Optional[int] = None) -> list:
        hv = minhash.hashvalues
        b = self.b if bands is None else bands
        if isinstance(hv, np.ndarray) and hv.dtype == np.uint64 and hv.ndim == 1:
            keys = _ds.band_keys(np.ascontiguousarray(hv), b, self.r)
            return [self.hashfunc(k) for k in keys] if self.hashfunc else keys
        return [self._H(hv[start:end]) for start, end in self.hashranges[:b]]

    def _check_length(self, minhash: Any) -> None:
        if len(minhash) != self.h:
            raise ValueError("Expecting minhash with length %d, got %d" % (self.h, len(minhash)))

    def insert(self, key: Hashable, minhash: Any, check_duplication: bool = True) -> None:
        """Indexes minhash under key; ValueError if the key exists (check_duplication)."""
        self._insert(key, minhash, check_duplication=check_duplication, buffer=False)

    def merge(self, other: MinHashLSH, check_overlap: bool = False) -> None:
        self._merge(other, check_overlap=check_overlap, buffer=False)

    def insertion_session(self, buffer_size: int = 50000) -> MinHashLSHInsertionSession:
        return MinHashLSHInsertionSession(self, buffer_size=buffer_size)

    def deletion_session(self, buffer_size: int = 50000) -> MinHashLSHDeletionSession:
        return MinHashLSHDeletionSession(self, buffer_size=buffer_size)

    def _insert(self, key: Hashable, minhash: Any, check_duplication: bool = True, buffer: bool = False) -> None:
        self._check_length(minhash)
        if self.prepickle:
            key = pickle.dumps(key)
        if check_duplication and key in self.keys:
            raise ValueError("The given key already exists")
        hs = self._band_keys(minhash)
        self.keys.insert(key, *hs, buffer=buffer)
        for h, table in zip(hs, self.hashtables):
            table.insert(h, key, buffer=buffer)

    def _merge(self, other: MinHashLSH, check_overlap: bool = False, buffer: bool = False) -> None:
        if type(self) is not type(other):
            raise ValueError(f"Cannot merge type MinHashLSH and type {type(other).__name__}.")
        if not (self.h == other.h and self.b == other.b and self.r == other.r):
            raise ValueError("Cannot merge MinHashLSH with different initialization parameters.")
        if check_overlap and set(self.keys).intersection(set(other.keys)):
            raise ValueError("The keys are overlapping, duplicate key exists.")
        for key in other.keys:
            hs = other.keys.get(key)
            self.keys.insert(key, *hs, buffer=buffer)
            for h, table in zip(hs, self.hashtables):
                table.insert(h, key, buffer=buffer)

    def query(self, minhash: Any) -> list:
        """Keys of the indexed MinHashes sharing at least one band with minhash."""
        self._check_length(minhash)
        candidates: set = set()
        for h, table in zip(self._band_keys(minhash), self.hashtables):
            candidates.update(table.get(h))
        if self.prepickle:
            return [pickle.loads(key) for key in candidates]
        return list(candidates)

    def add_to_query_buffer(self, minhash: Any) -> None:
        self._check_length(minhash)
        for h, table in zip(self._band_keys(minhash), self.hashtables):
            table.add_to_select_buffer([h])

    def collect_query_buffer(self) -> list:
        """Keys that every buffered query found (the intersection), as datasketch."""
        collected = [table.collect_select_buffer() for table in self.hashtables]
        if not any(collected):
            return []
        per_query = [set().union(*lists) for lists in zip(*collected)]
        if not per_query:
            return []
        candidates = set.intersection(*per_query)
        if self.prepickle:
            return [pickle.loads(key) for key in candidates]
        return list(candidates)

    def __contains__(self, key: Hashable) -> bool:
        if self.prepickle:
            key = pickle.dumps(key)
        return key in self.keys

    def remove(self, key: Hashable) -> None:
        """Removes key; ValueError if it is not indexed."""
        self._remove(key, buffer=False)

    def _remove(self, key: Hashable, buffer: bool = False) -> None:
        if self.prepickle:
            key = pickle.dumps(key)
        if key not in self.keys:
            raise ValueError("The given key does not exist")
        for h, table in zip(self.keys[key], self.hashtables):
            table.remove_val(h, key, buffer=buffer)
            if not table.get(h):
                table.remove(h, buffer=buffer)
        self.keys.remove(key, buffer=buffer)

    def is_empty(self) -> bool:
        return any(t.size() == 0 for t in self.hashtables)

    def _query_b(self, minhash: Any, b: int) -> set:
        self._check_length(minhash)
        if b > len(self.hashtables):
            raise ValueError("b must be less or equal to the number of hash tables")
        candidates: set = set()
        for h, table in zip(self._band_keys(minhash, b), self.hashtables[:b]):
            if h in table:
                candidates.update(table[h])
        if self.prepickle:
            return {pickle.loads(key) for key in candidates}
        return candidates

    def get_counts(self) -> list[dict]:
        """Per band: {band key: number of keys}."""
        return [table.itemcounts() for table in self.hashtables]

    def get_subset_counts(self, *keys: Hashable) -> list[dict]:
        key_set = [pickle.dumps(key) for key in set(keys)] if self.prepickle else list(set(keys))
        tables = [_DictSetStorage() for _ in range(self.b)]
        for key, hs in zip(key_set, self.keys.getmany(*key_set)):
            for h, table in zip(hs, tables):
                table.insert(h, key)
        return [table.itemcounts() for table in tables]


class MinHashLSHInsertionSession:
    """Context manager for many inserts (buffering is a no-op in memory)."""

    def __init__(self, lsh: MinHashLSH, buffer_size: int) -> None:
        self.lsh = lsh
        self.lsh.buffer_size = buffer_size

    def __enter__(self) -> MinHashLSHInsertionSession:
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.close()

    def close(self) -> None:
        self.lsh.keys.empty_buffer()
        for table in self.lsh.hashtables:
            table.empty_buffer()

    def insert(self, key: Hashable, minhash: Any, check_duplication: bool = True) -> None:
        self.lsh._insert(key, minhash, check_duplication=check_duplication, buffer=True)


class MinHashLSHDeletionSession:
    """Context manager for many removals."""

    def __init__(self, lsh: MinHashLSH, buffer_size: int) -> None:
        self.lsh = lsh
        self.lsh.buffer_size = buffer_size

    def __enter__(self) -> MinHashLSHDeletionSession:
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.close()

    def close(self) -> None:
        self.lsh.keys.empty_buffer()
        for table in self.lsh.hashtables:
            table.empty_buffer()

    def remove(self, key: Hashable) -> None:
        self.lsh._remove(key, buffer=True)
