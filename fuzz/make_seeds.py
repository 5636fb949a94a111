#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/fuzz_sparse_tensor.c into fuzz/corpus/.

Each seed is a valid sparse tensor in the harness's input format (described
at the top of fuzz_sparse_tensor.c), so the fuzzer starts from tensors the
validator accepts and mutates them into near-misses. Standard library only:

    python3 fuzz/make_seeds.py          # rewrites fuzz/corpus/seed-*
"""
import os
import random
import struct

DENSE, CSR = 0, 1
U8, U16, I32 = 0, 1, 2
PACK = {U8: "B", U16: "H", I32: "i"}


def size(v):
    """read_int: one byte below 128, else the escape byte and an int32."""
    return bytes([v]) if 0 <= v < 128 else b"\x80" + struct.pack("<i", v)


def small(values):
    return bytes([len(values)]) + bytes(v & 0xFF for v in values)


def count(n):
    """read_count: one byte below 128, else the escape byte and a u16."""
    return bytes([n]) if n < 128 else b"\x80" + struct.pack("<H", n)


def wide(values, width):
    return count(len(values)) + b"".join(struct.pack("<" + PACK[width], v) for v in values)


def encode(dims, order, block_map, levels, values):
    """levels: (DENSE, size) or (CSR, segments, indices, seg_width, idx_width)."""
    out = bytearray([0 if block_map else 2, len(dims) - 1])
    for d in dims:
        out += size(d)
    out += small(order) + small(block_map)
    out.append(len(levels))
    for lv in levels:
        if lv[0] == DENSE:
            out += bytes([DENSE]) + size(lv[1])
        else:
            _, seg, idx, sw, iw = lv
            out += bytes([CSR | sw << 2 | iw << 4]) + size(0) + wide(seg, sw) + wide(idx, iw)
    raw = struct.pack("<%df" % len(values), *values)
    return bytes(out) + count(len(raw)) + raw


def csr(rows, cols, keep, rng):
    """Segments and indices of a rows x cols pattern keeping ~keep of it."""
    seg, idx = [0], []
    for _ in range(rows):
        idx += [c for c in range(cols) if rng.random() < keep]
        seg.append(len(idx))
    return seg, idx


def values(n, rng):
    return [round(rng.uniform(-1, 1), 3) or 0.5 for _ in range(n)]


def seeds():
    rng = random.Random(1)
    # 2-D CSR [6, 10] as TF's converter writes a FULLY_CONNECTED weight: dense rows, CSR columns.
    seg, idx = csr(6, 10, 0.3, rng)
    yield "csr2d_i32", encode([6, 10], [0, 1], [], [(DENSE, 6), (CSR, seg, idx, I32, I32)],
                              values(len(idx), rng))
    # Same with uint8 segments and indices (the flatbuffer's narrowest vectors).
    seg, idx = csr(5, 20, 0.25, rng)
    yield "csr2d_u8", encode([5, 20], [0, 1], [], [(DENSE, 5), (CSR, seg, idx, U8, U8)],
                             values(len(idx), rng))
    # uint16 indices: 300 columns do not fit in uint8 (and need read_int's escape).
    seg, idx = csr(4, 300, 0.05, rng)
    yield "csr2d_u16", encode([4, 300], [0, 1], [], [(DENSE, 4), (CSR, seg, idx, U16, U16)],
                              values(len(idx), rng))
    # 4-D conv weight [O=16, 1, 1, I=12], blocks of 4 output channels on dim 0,
    # as TF's converter writes it: order [0,1,2,3,4], block_map [0], levels
    # dense O/4, dense 1, dense 1, CSR over I, dense block of 4.
    seg, idx = csr(4, 12, 0.3, rng)
    yield "conv_block4", encode([16, 1, 1, 12], [0, 1, 2, 3, 4], [0],
                                [(DENSE, 4), (DENSE, 1), (DENSE, 1), (CSR, seg, idx, U8, U8), (DENSE, 4)],
                                values(4 * len(idx), rng))
    # The same without blocks (unstructured 1x1 conv), uint16 segments.
    seg, idx = csr(8, 16, 0.2, rng)
    yield "conv_unblocked", encode([8, 1, 1, 16], [0, 1, 2, 3], [],
                                   [(DENSE, 8), (DENSE, 1), (DENSE, 1), (CSR, seg, idx, U16, U8)],
                                   values(len(idx), rng))
    # 2-D with 2x2 blocks on both dims: order [0,1,2,3], block_map [0,1].
    seg, idx = csr(3, 4, 0.4, rng)
    yield "block2x2", encode([6, 8], [0, 1, 2, 3], [0, 1],
                             [(DENSE, 3), (CSR, seg, idx, I32, U8), (DENSE, 2), (DENSE, 2)],
                             values(4 * len(idx), rng))
    # Transposed traversal (columns outer) and two CSR levels in a row.
    seg0, idx0 = [0, 3], [1, 4, 6]
    seg1, idx1 = csr(3, 5, 0.5, rng)
    yield "csr_csr_transposed", encode([5, 7], [1, 0], [], [(CSR, seg0, idx0, U8, U8), (CSR, seg1, idx1, U8, U8)],
                                       values(len(idx1), rng))
    # All levels dense, rank 6.
    yield "dense_rank6", encode([2, 1, 3, 1, 2, 2], [0, 1, 2, 3, 4, 5], [],
                                [(DENSE, d) for d in [2, 1, 3, 1, 2, 2]], values(24, rng))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
        print("%-28s %4d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
